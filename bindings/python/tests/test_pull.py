"""Pull consumer against the dev broker. Skipped until the library exports the
CPullConsumer.h functions."""

from __future__ import annotations

import gc

import pytest

from conftest import requires_producer, requires_pull_consumer, unique
from rocketmq.client import Message, MessageQueue, PullConsumer, PullResult, PullStatus
from rocketmq.exceptions import ConsumerException, RocketMQException

pytestmark = [requires_pull_consumer, requires_producer]


@pytest.fixture
def pull_consumer(namesrv):
    consumer = PullConsumer(unique('pull_group'), name_server_address=namesrv)
    consumer.start()
    yield consumer
    consumer.close()


def _fill(producer, topic: str, n: int) -> None:
    for i in range(n):
        producer.send_sync(Message(topic, b'p%03d\x00' % i, keys='k%d' % i, tags='T%d' % (i % 2)))


def test_fetch_queues(producer, pull_consumer, topic) -> None:
    _fill(producer, topic, 1)
    queues = pull_consumer.fetch_message_queues(topic)
    assert len(queues) == 4
    assert {q.queue_id for q in queues} == {0, 1, 2, 3}
    assert all(isinstance(q, MessageQueue) and q.topic == topic and q.broker_name for q in queues)


def test_pull_every_queue(producer, pull_consumer, topic) -> None:
    _fill(producer, topic, 20)
    bodies = []
    for mq in pull_consumer.fetch_message_queues(topic):
        offset = 0
        while True:
            with pull_consumer.pull(mq, '*', offset, 8) as result:
                assert isinstance(result, PullResult)
                if result.status == PullStatus.NO_NEW_MSG:
                    assert result.messages == []
                    break
                assert result.status == PullStatus.FOUND, result
                for i, msg in enumerate(result):
                    assert msg.queue_id == mq.queue_id
                    assert msg.queue_offset == offset + i
                    bodies.append(msg.body)
                assert result.next_begin_offset > offset
                offset = result.next_begin_offset
                assert result.max_offset >= offset
    assert sorted(bodies) == [b'p%03d\x00' % i for i in range(20)]


def test_pull_with_tag_expression(producer, pull_consumer, topic) -> None:
    _fill(producer, topic, 10)
    got = [m.body for m in pull_consumer.pull_messages(topic, 'T1')]
    assert sorted(got) == [b'p%03d\x00' % i for i in range(1, 10, 2)]


def test_pull_messages_advances_offsets(producer, pull_consumer, topic) -> None:
    _fill(producer, topic, 6)
    assert len(list(pull_consumer.pull_messages(topic))) == 6
    assert list(pull_consumer.pull_messages(topic)) == []
    _fill(producer, topic, 2)
    assert len(list(pull_consumer.pull_messages(topic))) == 2


def test_messages_live_as_long_as_their_result(producer, pull_consumer, topic) -> None:
    _fill(producer, topic, 4)
    kept = list(pull_consumer.pull_messages(topic))
    gc.collect()
    assert sorted(m.body for m in kept) == [b'p%03d\x00' % i for i in range(4)]
    mq = pull_consumer.fetch_message_queues(topic)[kept[0].queue_id]
    result = pull_consumer.pull(mq, '*', 0, 32)
    msg = result.messages[0]
    result.release()
    with pytest.raises(RocketMQException, match='no longer valid'):
        msg.body


def test_illegal_offset(producer, pull_consumer, topic) -> None:
    _fill(producer, topic, 1)
    mq = pull_consumer.fetch_message_queues(topic)[0]
    result = pull_consumer.pull(mq, '*', 10 ** 9, 32)
    assert result.status in (PullStatus.OFFSET_ILLEGAL, PullStatus.NO_NEW_MSG)


def test_unknown_topic(pull_consumer) -> None:
    with pytest.raises(ConsumerException):
        pull_consumer.fetch_message_queues(unique('never_created'))
