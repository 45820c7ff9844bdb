"""Push consumers against the dev broker. Skipped until the library exports the
CPushConsumer.h functions."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from typing import Any, Callable, List, Tuple

import pytest

from conftest import PACKAGE_ROOT, requires_producer, requires_push_consumer, run_python, unique
from rocketmq.client import (
    ConsumeStatus, Message, MessageModel, Producer, PushConsumer, ReceivedMessage,
)
from rocketmq.exceptions import PushConsumerStartFailed, RocketMQException

pytestmark = [requires_push_consumer, requires_producer]


def wait_for(cond: Callable[[], Any], timeout: float = 30, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            return False
        time.sleep(step)
    return True


def send(producer: Producer, topic: str, body: bytes, **kw: Any) -> None:
    producer.send_sync(Message(topic, body, keys=kw.pop('keys', 'XXX'), tags=kw.pop('tags', 'XXX'),
                               **kw))


def consumer_for(namesrv: str, **kw: Any) -> PushConsumer:
    consumer = PushConsumer(unique('push_consumer_group'), **kw)
    consumer.set_name_server_address(namesrv)
    return consumer


def test_start_without_subscription_fails(namesrv) -> None:
    consumer = PushConsumer(unique('testGroup'))
    consumer.set_name_server_address(namesrv)
    with pytest.raises(PushConsumerStartFailed) as info:
        consumer.start()
    assert info.value.status == 20
    consumer.shutdown()  # 2.x's fixture does this after a failed start


def test_push_consumer(producer, namesrv, topic) -> None:
    # As 2.x's test_push_consumer: the message is sent before the consumer of a
    # new group starts, and still arrives.
    send(producer, topic, b'XXXX', properties={'property': 'test'})
    got: List[dict] = []
    consumer = consumer_for(namesrv)

    def on_message(msg: ReceivedMessage) -> ConsumeStatus:
        got.append({'body': msg.body, 'keys': msg.keys, 'property': msg.get_property('property'),
                    'fields': msg.to_dict()})
        return ConsumeStatus.CONSUME_SUCCESS

    consumer.subscribe(topic, on_message)
    consumer.start()
    try:
        assert wait_for(lambda: got), 'nothing consumed'
    finally:
        consumer.close()
    assert got[0]['body'] == b'XXXX'
    assert got[0]['keys'] == b'XXX'
    assert got[0]['property'] == b'test'
    f = got[0]['fields']
    assert f['topic'] == topic and f['tags'] == b'XXX'
    assert len(f['id']) == 32
    assert 0 <= f['queue_id'] < 4 and f['queue_offset'] >= 0
    assert f['reconsume_times'] == 0 and f['delay_time_level'] == 0
    assert f['store_size'] > len(b'XXXX')
    now_ms = time.time() * 1000
    assert abs(f['born_timestamp'] - now_ms) < 120000
    assert f['born_timestamp'] <= f['store_timestamp'] + 1000
    assert f['commit_log_offset'] >= 0 and f['prepared_transaction_offset'] == 0
    assert f['store_host'] == '127.0.0.1' and f['born_host'] == '127.0.0.1'


def test_reconsume_later_redelivers(producer, namesrv, topic) -> None:
    send(producer, topic, b'again')
    deliveries: List[int] = []

    def on_message(msg: ReceivedMessage) -> ConsumeStatus:
        deliveries.append(msg.reconsume_times)
        return ConsumeStatus.RECONSUME_LATER if len(deliveries) == 1 else \
            ConsumeStatus.CONSUME_SUCCESS

    consumer = consumer_for(namesrv)
    consumer.subscribe(topic, on_message)
    consumer.start()
    try:
        assert wait_for(lambda: len(deliveries) >= 2, timeout=90), deliveries
    finally:
        consumer.close()
    assert deliveries[:2] == [0, 1]


def test_callback_exception_is_logged_and_redelivered(producer, namesrv, topic, caplog) -> None:
    send(producer, topic, b'boom')
    calls: List[bytes] = []

    def on_message(msg: ReceivedMessage) -> None:
        calls.append(msg.body)
        if len(calls) == 1:
            raise ValueError('consumer broke')
        # None: consumed

    consumer = consumer_for(namesrv)
    consumer.subscribe(topic, on_message)
    with caplog.at_level(logging.ERROR, logger='rocketmq'):
        consumer.start()
        try:
            assert wait_for(lambda: len(calls) >= 2, timeout=90), calls
        finally:
            consumer.close()
    assert 'consumer broke' in caplog.text
    assert calls[:2] == [b'boom', b'boom']


def test_orderly_consumer_keeps_queue_order(producer, namesrv, topic) -> None:
    for i in range(20):
        producer.send_orderly_with_sharding_key(Message(topic, b'%02d' % i), 'same key')
    got: List[bytes] = []
    threads = set()

    def on_message(msg: ReceivedMessage) -> ConsumeStatus:
        threads.add(threading.get_ident())
        got.append(msg.body)
        return ConsumeStatus.CONSUME_SUCCESS

    consumer = consumer_for(namesrv, orderly=True)
    consumer.subscribe(topic, on_message)
    consumer.start()
    try:
        assert wait_for(lambda: len(got) >= 20), got
    finally:
        consumer.close()
    assert got[:20] == [b'%02d' % i for i in range(20)]


def _warm_up(producer: Producer, topic: str, receivers: List[List[bytes]]) -> None:
    """Sends until every receiver has seen a message: the consumers then own their
    queues, so what is sent next reaches them."""
    n = 0
    deadline = time.monotonic() + 60
    while not all(any(b.startswith(b'warmup') for b in r) for r in receivers):
        assert time.monotonic() < deadline, 'consumers never received anything'
        send(producer, topic, b'warmup %d' % n)
        n += 1
        time.sleep(0.3)


def test_broadcasting_delivers_to_every_consumer(producer, namesrv, topic, tmp_path) -> None:
    # The topic exists before the consumers start; otherwise they learn of it only
    # at their next route refresh (20 s).
    send(producer, topic, b'creates the topic')
    group = unique('broadcast_group')
    received: List[List[bytes]] = [[], []]
    consumers = []
    for i in range(2):
        c = PushConsumer(group, message_model=MessageModel.BROADCASTING, instance_name='b%d' % i)
        c.set_name_server_address(namesrv)
        c.subscribe(topic, lambda msg, box=received[i]: box.append(msg.body))
        consumers.append(c)
    try:
        for c in consumers:
            c.start()
        _warm_up(producer, topic, received)
        for i in range(5):
            send(producer, topic, b'all %d' % i)
        want = {b'all %d' % i for i in range(5)}
        assert wait_for(lambda: all(want <= set(r) for r in received)), received
    finally:
        for c in consumers:
            c.close()


def test_clustering_shares_messages(producer, namesrv, topic) -> None:
    send(producer, topic, b'share -1')  # creates the topic before the consumers start
    group = unique('cluster_group')
    received: List[List[bytes]] = [[], []]
    consumers = []
    for i in range(2):
        c = PushConsumer(group, instance_name='c%d' % i)
        c.set_name_server_address(namesrv)
        c.subscribe(topic, lambda msg, box=received[i]: box.append(msg.body))
        consumers.append(c)
    try:
        for c in consumers:
            c.start()
        for i in range(40):
            send(producer, topic, b'share %d' % i)
        want = {b'share %d' % i for i in range(40)}
        assert wait_for(lambda: want <= set(received[0]) | set(received[1]), timeout=60)
    finally:
        for c in consumers:
            c.close()


def test_each_topic_has_its_own_callback(producer, namesrv) -> None:
    # 2.x registered one callback per consumer: the last subscribe() won for
    # every topic (its issue #126).
    topic_a, topic_b = unique('topic_a'), unique('topic_b')
    got_a: List[str] = []
    got_b: List[str] = []
    send(producer, topic_a, b'a')
    send(producer, topic_b, b'b')
    consumer = consumer_for(namesrv)
    consumer.subscribe(topic_a, lambda msg: got_a.append(msg.topic))
    consumer.subscribe(topic_b, lambda msg: got_b.append(msg.topic))
    consumer.start()
    try:
        assert wait_for(lambda: got_a and got_b)
    finally:
        consumer.close()
    assert set(got_a) == {topic_a} and set(got_b) == {topic_b}


def test_tag_expression(producer, namesrv, topic) -> None:
    send(producer, topic, b'skip', tags='TagB')
    send(producer, topic, b'take', tags='TagA')
    got: List[bytes] = []
    consumer = consumer_for(namesrv)
    consumer.subscribe(topic, lambda msg: got.append(msg.body), 'TagA || TagC')
    consumer.start()
    try:
        assert wait_for(lambda: got)
        time.sleep(1)
    finally:
        consumer.close()
    assert got == [b'take']


def test_message_is_invalid_after_the_callback(producer, namesrv, topic) -> None:
    send(producer, topic, b'keep')
    kept: List[ReceivedMessage] = []
    consumer = consumer_for(namesrv)
    consumer.subscribe(topic, kept.append)
    consumer.start()
    try:
        assert wait_for(lambda: kept)
    finally:
        consumer.close()
    with pytest.raises(RocketMQException, match='no longer valid'):
        kept[0].body


def test_shutdown_waits_for_running_callbacks_without_deadlock(producer, namesrv, topic) -> None:
    send(producer, topic, b'slow')
    entered = threading.Event()
    finished = threading.Event()

    def on_message(msg: ReceivedMessage) -> ConsumeStatus:
        entered.set()
        time.sleep(2)
        body = msg.body  # still valid: shutdown has not returned
        finished.set()
        return ConsumeStatus.CONSUME_SUCCESS if body else ConsumeStatus.RECONSUME_LATER

    consumer = consumer_for(namesrv)
    consumer.subscribe(topic, on_message)
    consumer.start()
    assert entered.wait(30)
    closer = threading.Thread(target=consumer.close)
    closer.start()
    closer.join(30)
    assert not closer.is_alive(), 'shutdown deadlocked'
    assert finished.is_set()


def test_shutdown_from_its_own_callback_is_refused(producer, namesrv, topic) -> None:
    send(producer, topic, b'x')
    errors: List[BaseException] = []
    consumer = consumer_for(namesrv)

    def on_message(msg: ReceivedMessage) -> None:
        try:
            consumer.shutdown()
        except RocketMQException as exc:
            errors.append(exc)

    consumer.subscribe(topic, on_message)
    consumer.start()
    try:
        assert wait_for(lambda: errors)
    finally:
        consumer.close()
    assert 'own callbacks' in str(errors[0])


def test_dropped_running_consumer_keeps_consuming(producer, namesrv, topic) -> None:
    # A consumer created in a function and dropped (Django's ready(), 2.x issue
    # #134, crashed): it runs until shut down, here at exit.
    got: List[bytes] = []
    send(producer, topic, b'before')  # creates the topic before the consumer starts

    def start_and_forget() -> None:
        c = consumer_for(namesrv)
        c.subscribe(topic, lambda msg: got.append(msg.body))
        c.start()

    start_and_forget()
    import gc
    gc.collect()
    send(producer, topic, b'still here')
    assert wait_for(lambda: b'still here' in got)
    from rocketmq import client
    for c in list(client._running):
        if isinstance(c, PushConsumer) and c._callbacks.get(topic):
            c.close()


# ---- listen() --------------------------------------------------------------------------------

def test_listen_iterates_and_acknowledges(producer, namesrv, topic) -> None:
    for i in range(5):
        send(producer, topic, b'm%d' % i)
    consumer = consumer_for(namesrv)
    bodies = []
    with consumer.listen(topic, idle_timeout=30) as messages:
        for msg in messages:
            bodies.append(msg.body)
            if len(bodies) == 5:
                break
    assert sorted(bodies) == [b'm%d' % i for i in range(5)]
    assert not consumer.started
    # Acknowledged: a new consumer of the group sees nothing more.
    again = PushConsumer(consumer.group)
    again.set_name_server_address(namesrv)
    with again.listen(topic, idle_timeout=3) as messages:
        assert [m.body for m in messages] == []


def test_listen_exception_in_body_redelivers(producer, namesrv, topic) -> None:
    send(producer, topic, b'fail once')
    consumer = consumer_for(namesrv)
    with pytest.raises(ZeroDivisionError):
        with consumer.listen(topic, idle_timeout=30) as messages:
            for msg in messages:
                1 / 0
    again = PushConsumer(consumer.group)
    again.set_name_server_address(namesrv)
    with again.listen(topic, idle_timeout=90) as messages:
        msg = next(iter(messages))
        assert msg.body == b'fail once' and msg.reconsume_times >= 1


def interrupt_after_first_message(code: str) -> Tuple[int, bytes]:
    """Runs ``code`` in a child interpreter, presses Ctrl-C (SIGINT) once it prints a line
    starting with "got", and returns its exit status and what it printed after that line."""
    env = dict(os.environ, PYTHONPATH=str(PACKAGE_ROOT))
    proc = subprocess.Popen([sys.executable, '-c', code], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    try:
        line = proc.stdout.readline()
        assert line.startswith(b'got'), line + proc.stdout.read()
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    return proc.returncode, out


def test_ctrl_c_stops_a_listen_loop(producer, namesrv, topic) -> None:
    send(producer, topic, b'first')
    code = textwrap.dedent('''
        import sys
        from rocketmq.client import PushConsumer
        c = PushConsumer(%r)
        c.set_name_server_address(%r)
        try:
            for msg in c.listen(%r):
                print("got", msg.body, flush=True)
        except KeyboardInterrupt:
            print("interrupted", c.started, flush=True)
    ''' % (unique('ctrlc_group'), namesrv, topic))
    returncode, out = interrupt_after_first_message(code)
    assert returncode == 0, out
    assert b'interrupted False' in out, out


def test_ctrl_c_stops_an_async_listen_loop(producer, namesrv, topic) -> None:
    send(producer, topic, b'first')
    code = textwrap.dedent('''
        import asyncio
        import time
        from rocketmq import aio

        consumers = []

        async def main():
            c = aio.PushConsumer(%r, name_server_address=%r)
            consumers.append(c)
            async for msg in c.listen(%r):
                print("got", msg.body, flush=True)

        try:
            asyncio.run(main())
        except KeyboardInterrupt:
            # The cancelled stream shuts its consumer down on a thread of its own (not
            # on the event loop's); it must be done within a bounded time.
            deadline = time.monotonic() + 20
            while consumers[0].started and time.monotonic() < deadline:
                time.sleep(0.05)
            print("interrupted", consumers[0].started, flush=True)
    ''' % (unique('ctrlc_aio_group'), namesrv, topic))
    returncode, out = interrupt_after_first_message(code)
    assert returncode == 0, out
    assert out.strip().endswith(b'interrupted False'), out


# ---- process exit ---------------------------------------------------------------------------

def test_exit_with_running_and_failed_consumers_is_clean(namesrv, topic) -> None:
    code = textwrap.dedent('''
        from rocketmq.client import PushConsumer
        from rocketmq.exceptions import PushConsumerStartFailed
        failed = PushConsumer(%r)
        failed.set_name_server_address(%r)
        try:
            failed.start()
        except PushConsumerStartFailed:
            print("start failed as expected", flush=True)
        running = PushConsumer(%r)
        running.set_name_server_address(%r)
        running.subscribe(%r, lambda msg: None)
        running.start()
        print("ready", flush=True)
    ''' % (unique('g'), namesrv, unique('g'), namesrv, topic))
    started = time.monotonic()
    proc = run_python(code, timeout=60)
    out = proc.stdout.decode()
    assert proc.returncode == 0, out
    assert 'start failed as expected' in out and 'ready' in out
    assert time.monotonic() - started < 30
