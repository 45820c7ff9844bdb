"""The asyncio API (rocketmq.aio) against the dev broker."""

from __future__ import annotations

import asyncio
import threading
from typing import Any, Awaitable, Callable, List, TypeVar

import pytest

from conftest import requires_producer, requires_pull_consumer, requires_push_consumer, unique
from rocketmq import aio
from rocketmq.client import ConsumeStatus, Message, SendStatus, TransactionStatus
from rocketmq.exceptions import ProducerSendAsyncFailed, ProducerSendSyncFailed

T = TypeVar('T')

pytestmark = requires_producer


def run(coro_fn: Callable[[], Awaitable[T]], timeout: float = 120) -> T:
    async def bounded() -> T:
        return await asyncio.wait_for(coro_fn(), timeout)
    return asyncio.run(bounded())


def test_awaitable_sends(namesrv, devbroker, topic) -> None:
    async def main() -> None:
        async with aio.Producer(unique('aio_pg'), name_server_address=namesrv) as producer:
            results = await asyncio.gather(*(producer.send(Message(topic, b'%d' % i))
                                             for i in range(50)))
            assert all(r.status == SendStatus.OK for r in results)
            assert len({r.msg_id for r in results}) == 50
            assert (await producer.send_sync(Message(topic, b's'))).status == SendStatus.OK
            await producer.send_oneway(Message(topic, b'o'))
            batch = await producer.send_batch(Message(topic, b'b%d' % i) for i in range(3))
            assert batch.status == SendStatus.OK
            r = await producer.send_orderly_with_sharding_key(Message(topic, b'k'), 'key')
            assert r.status == SendStatus.OK
            r = await producer.send_orderly(Message(topic, b'q'), 3)
            assert r.status == SendStatus.OK
            assert producer.started and producer.version  # delegated to the blocking producer
        assert not producer.started
        await producer.close()
    run(main)
    assert devbroker.wait_topic_count(topic, 57) == 57


def test_awaitable_send_does_not_block_the_loop(namesrv, topic) -> None:
    async def main() -> None:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.001)

        async with aio.Producer(unique('aio_pg'), name_server_address=namesrv) as producer:
            task = asyncio.ensure_future(ticker())
            for i in range(20):
                await producer.send(Message(topic, b'%d' % i))
            task.cancel()
        assert ticks > 0
    run(main)


def test_awaitable_send_failures(topic) -> None:
    async def main() -> None:
        producer = aio.Producer(unique('aio_pg'), timeout=500, name_server_address='127.0.0.1:9')
        await producer.start()
        try:
            with pytest.raises(ProducerSendAsyncFailed):
                await producer.send(Message(topic, b'x'))
            with pytest.raises(ProducerSendSyncFailed):
                await producer.send_sync(Message(topic, b'x'))
        finally:
            await producer.close()
    run(main)


def test_async_transaction_callbacks(namesrv, devbroker, topic) -> None:
    async def main() -> None:
        checked = asyncio.Event()
        loop_thread = threading.get_ident()
        threads: List[int] = []

        async def on_check(msg: Any) -> TransactionStatus:
            threads.append(threading.get_ident())
            checked.set()
            return TransactionStatus.COMMIT

        async def local(msg: Any, args: Any) -> TransactionStatus:
            threads.append(threading.get_ident())
            assert msg.body == b'atx' and args == 'ua'
            return TransactionStatus.UNKNOWN

        producer = aio.TransactionMQProducer(unique('aio_tx'), on_check,
                                             name_server_address=namesrv)
        async with producer:
            result = await producer.send_message_in_transaction(Message(topic, b'atx'), local, 'ua')
            assert result.status == SendStatus.OK
            await asyncio.wait_for(checked.wait(), 60)
            # Before shutting down: the commit is sent after the checker returns.
            stored = await asyncio.get_running_loop().run_in_executor(
                None, devbroker.wait_topic_count, topic, 1)
            assert stored == 1
        # Both coroutines ran on the event loop, not on library threads.
        assert threads == [loop_thread, loop_thread]
    run(main)


@requires_push_consumer
def test_async_listen(producer, namesrv, topic) -> None:
    for i in range(5):
        producer.send_sync(Message(topic, b'a%d' % i))

    async def main() -> List[bytes]:
        consumer = aio.PushConsumer(unique('aio_cg'), name_server_address=namesrv)
        bodies: List[bytes] = []
        async with consumer.listen(topic, idle_timeout=30) as messages:
            async for msg in messages:
                bodies.append(msg.body)
                await asyncio.sleep(0)  # the message stays valid across awaits
                assert msg.body == bodies[-1]
                if len(bodies) == 5:
                    break
        assert not consumer.started
        return bodies
    assert sorted(run(main)) == [b'a%d' % i for i in range(5)]


@requires_push_consumer
def test_async_subscribe_callback(producer, namesrv, topic) -> None:
    producer.send_sync(Message(topic, b'cb'))

    async def main() -> bytes:
        got: asyncio.Future = asyncio.get_running_loop().create_future()

        async def on_message(msg: Any) -> ConsumeStatus:
            if not got.done():
                got.set_result(msg.body)
            return ConsumeStatus.CONSUME_SUCCESS

        consumer = aio.PushConsumer(unique('aio_cg'), name_server_address=namesrv)
        consumer.subscribe(topic, on_message)
        async with consumer:
            body = await asyncio.wait_for(got, 60)
        await consumer.close()
        return body
    assert run(main) == b'cb'


@requires_pull_consumer
def test_async_pull(producer, namesrv, topic) -> None:
    producer.send_sync(Message(topic, b'pulled'))

    async def main() -> List[bytes]:
        async with aio.PullConsumer(unique('aio_pull'), name_server_address=namesrv) as consumer:
            bodies = []
            for mq in await consumer.fetch_message_queues(topic):
                result = await consumer.pull(mq, '*', 0, 32)
                bodies.extend(m.body for m in result)
            await consumer.close()
            return bodies
    assert run(main) == [b'pulled']
