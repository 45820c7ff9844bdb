"""asyncio API over the same library and the same client objects.

::

    from rocketmq import aio
    from rocketmq.client import Message

    async def main():
        async with aio.Producer('PID', name_server_address='127.0.0.1:9876') as producer:
            result = await producer.send(Message('TopicTest', b'hello'))

        consumer = aio.PushConsumer('CID', name_server_address='127.0.0.1:9876')
        async with consumer.listen('TopicTest') as messages:
            async for msg in messages:
                print(msg.body)          # acknowledged when the loop moves on

Calls that wait (start, shutdown, synchronous-style sends, pulls) run in the
loop's default executor; ``send`` uses the library's asynchronous send and
never occupies a thread. Library callbacks never run on the event loop's
thread: an ``async def`` callback is handed to the loop and the library thread
waits for it.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import queue
import threading
from typing import Any, Awaitable, Callable, Iterable, List, Optional, Sequence, Union

from . import client as _client
from . import ffi
from .client import (
    ConsumeStatus, Message, MessageModel, MessageQueue, PullResult, ReceivedMessage, SendResult,
    Text, _StreamState,
)

__all__ = ['Producer', 'TransactionMQProducer', 'PushConsumer', 'PullConsumer',
           'AsyncMessageStream']


async def _in_thread(fn: Callable[..., Any], *args: Any) -> Any:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, functools.partial(fn, *args))


def _bridge(callback: Callable[..., Any], loop: asyncio.AbstractEventLoop) -> Callable[..., Any]:
    """A callable for library threads: plain functions run there; coroutine
    functions run on ``loop`` while the library thread waits for the result."""
    if not inspect.iscoroutinefunction(callback):
        return callback

    def run(*args: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(callback(*args), loop).result()
    return run


class _Wrapper(object):
    _sync: Any

    def __getattr__(self, name: str) -> Any:
        # Settings (set_*), version, started... come from the blocking object.
        if name == '_sync':
            raise AttributeError(name)
        return getattr(self._sync, name)

    @property
    def sync(self) -> Any:
        """The blocking client object underneath."""
        return self._sync

    async def start(self) -> None:
        await _in_thread(self._sync.start)

    async def shutdown(self) -> None:
        await _in_thread(self._sync.shutdown)

    async def close(self) -> None:
        await _in_thread(self._sync.close)

    async def __aenter__(self) -> Any:
        if not self._sync.started:
            await self.start()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.shutdown()


class Producer(_Wrapper):
    """Awaitable sends. Arguments are those of :class:`rocketmq.client.Producer`."""

    def __init__(self, group_id: Text, orderly: bool = False, **kwargs: Any) -> None:
        self._sync = _client.Producer(group_id, orderly, **kwargs)

    async def send(self, msg: Message) -> SendResult:
        """Sends through the library's asynchronous send: no thread waits for it."""
        return await asyncio.wrap_future(self._sync.send_async(msg))

    async def send_sync(self, msg: Message) -> SendResult:
        return await _in_thread(self._sync.send_sync, msg)

    async def send_oneway(self, msg: Message) -> None:
        await _in_thread(self._sync.send_oneway, msg)

    async def send_batch(self, msgs: Iterable[Message]) -> SendResult:
        return await _in_thread(self._sync.send_batch, list(msgs))

    async def send_orderly_with_sharding_key(self, msg: Message, sharding_key: Text) -> SendResult:
        return await _in_thread(self._sync.send_orderly_with_sharding_key, msg, sharding_key)

    async def send_orderly(self, msg: Message, arg: Any, retry_times: int = 3,
                           queue_selector: Optional[Callable[[int, Message, Any], int]] = None
                           ) -> SendResult:
        return await _in_thread(self._sync.send_orderly, msg, arg, retry_times, queue_selector)


class TransactionMQProducer(Producer):
    """``checker_callback`` may be a plain or an ``async`` function; so may the
    ``local_execute`` of :meth:`send_message_in_transaction`. Create it inside the
    running loop."""

    def __init__(self, group_id: Text, checker_callback: Callable[[ReceivedMessage], Any],
                 user_args: Any = None, **kwargs: Any) -> None:
        self._loop = asyncio.get_running_loop()
        self._sync = _client.TransactionMQProducer(
            group_id, _bridge(checker_callback, self._loop), user_args, **kwargs)

    async def send_message_in_transaction(self, message: Message,
                                          local_execute: Callable[[ReceivedMessage, Any], Any],
                                          user_args: Any = None) -> SendResult:
        return await _in_thread(self._sync.send_message_in_transaction, message,
                                _bridge(local_execute, self._loop), user_args)


class AsyncMessageStream(object):
    """Async iterator of a PushConsumer's messages; see :meth:`PushConsumer.listen`."""

    def __init__(self, consumer: 'PushConsumer', state: _StreamState, event: asyncio.Event,
                 idle_timeout: Optional[float], starting: Optional[Awaitable[Any]] = None) -> None:
        self._consumer: Optional[PushConsumer] = consumer
        self._state = state
        self._event = event
        self._idle_timeout = idle_timeout
        self._starting = starting

    def __aiter__(self) -> 'AsyncMessageStream':
        return self

    async def __anext__(self) -> ReceivedMessage:
        state = self._state
        if self._starting is not None:
            starting, self._starting = self._starting, None
            try:
                await starting
            except BaseException:
                state.release_all(int(ConsumeStatus.RECONSUME_LATER))
                consumer, self._consumer = self._consumer, None
                if consumer is not None:
                    consumer._sync._streams.discard(state)
                raise
        state.ack(int(ConsumeStatus.CONSUME_SUCCESS))
        loop = asyncio.get_running_loop()
        deadline = None if self._idle_timeout is None else loop.time() + self._idle_timeout
        while True:
            if state.closed:
                raise StopAsyncIteration
            try:
                item = state.queue.get_nowait()
            except queue.Empty:
                self._event.clear()
                try:  # again: a push may have landed before the clear
                    item = state.queue.get_nowait()
                except queue.Empty:
                    # Short waits: a signal that reached another thread (Ctrl-C)
                    # only runs its Python handler once this thread wakes up.
                    wait = _client._WAKE_INTERVAL if deadline is None else \
                        min(_client._WAKE_INTERVAL, deadline - loop.time())
                    if wait <= 0:
                        raise StopAsyncIteration
                    # asyncio.wait, not wait_for: Python 3.11's wait_for swallows a
                    # cancellation that arrives as the event is set.
                    waiter = asyncio.ensure_future(self._event.wait())
                    try:
                        await asyncio.wait((waiter,), timeout=wait)
                    except BaseException:
                        # Cancelled (Ctrl-C under asyncio.run) while waiting.
                        self._abandon()
                        raise
                    finally:
                        waiter.cancel()
                    continue
            if item is _client._CLOSED:
                state.queue.put(item)
                raise StopAsyncIteration
            state.current = item
            return item.msg

    def ack(self, status: ConsumeStatus = ConsumeStatus.CONSUME_SUCCESS) -> None:
        self._state.ack(int(status))

    async def aclose(self, status: ConsumeStatus = ConsumeStatus.CONSUME_SUCCESS) -> None:
        """Answers the message in hand with ``status``, the waiting ones with
        RECONSUME_LATER, and shuts the consumer down."""
        self._state.release_all(int(status))
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            consumer._sync._streams.discard(self._state)
            await consumer.shutdown()

    async def __aenter__(self) -> 'AsyncMessageStream':
        return self

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        await self.aclose(ConsumeStatus.CONSUME_SUCCESS if exc_type is None
                          else ConsumeStatus.RECONSUME_LATER)

    def _abandon(self) -> None:
        # Free the parked library threads now; the shutdown, which waits, must
        # not run on the event loop's thread.
        self._state.release_all(int(ConsumeStatus.RECONSUME_LATER))
        consumer, self._consumer = self._consumer, None
        if consumer is not None and not ffi.is_forked_child():
            consumer._sync._streams.discard(self._state)
            threading.Thread(target=consumer._sync.shutdown, daemon=True,
                             name='rocketmq-stream-shutdown').start()

    def __del__(self) -> None:
        try:  # dropped without aclose()
            self._abandon()
        except Exception:
            pass


class PushConsumer(_Wrapper):
    """Arguments are those of :class:`rocketmq.client.PushConsumer`. ``subscribe``
    accepts ``async def`` callbacks; call it, and ``listen``, inside the running
    loop."""

    def __init__(self, group_id: Text, orderly: bool = False,
                 message_model: MessageModel = MessageModel.CLUSTERING, **kwargs: Any) -> None:
        self._sync = _client.PushConsumer(group_id, orderly, message_model, **kwargs)

    def subscribe(self, topic: Text, callback: Callable[[ReceivedMessage], Any],
                  expression: Text = '*') -> None:
        self._sync.subscribe(topic, _bridge(callback, asyncio.get_running_loop()), expression)

    async def __aenter__(self) -> 'PushConsumer':
        if not self._sync.started and self._sync._callbacks:
            await self.start()
        return self

    def listen(self, topic: Union[Text, Sequence[Text]], expression: Text = '*', *,
               idle_timeout: Optional[float] = None) -> AsyncMessageStream:
        """Subscribes to ``topic`` and returns an async iterator of its messages. The
        consumer starts when iteration begins (in the executor). Acknowledgement as
        for :meth:`rocketmq.client.PushConsumer.listen`."""
        loop = asyncio.get_running_loop()
        event = asyncio.Event()
        state = _StreamState()

        def push(delivery: Any) -> None:
            if loop.is_closed():
                raise RuntimeError('event loop closed')
            state.queue.put(delivery)
            loop.call_soon_threadsafe(event.set)
        state.push = push
        topics = [topic] if isinstance(topic, (str, bytes)) else list(topic)
        for t in topics:
            self._sync.subscribe(t, state.deliver, expression)
        self._sync._streams.add(state)
        starting = None
        if not self._sync.started:
            # In the executor: starting connects to the name server. A failure is
            # raised by the first __anext__.
            starting = loop.run_in_executor(None, self._sync.start)
        return AsyncMessageStream(self, state, event, idle_timeout, starting)


class PullConsumer(_Wrapper):
    """Awaitable pulls. Arguments are those of :class:`rocketmq.client.PullConsumer`."""

    def __init__(self, group_id: Text, **kwargs: Any) -> None:
        self._sync = _client.PullConsumer(group_id, **kwargs)

    async def fetch_message_queues(self, topic: Text) -> List[MessageQueue]:
        return await _in_thread(self._sync.fetch_message_queues, topic)

    async def pull(self, mq: MessageQueue, expression: Text = '*', offset: int = 0,
                   max_nums: int = 32) -> PullResult:
        return await _in_thread(self._sync.pull, mq, expression, offset, max_nums)
