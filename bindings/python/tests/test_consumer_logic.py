"""The Python side of push consumers (dispatch, listen(), acknowledgement,
shutdown ordering) against a stand-in for the CPushConsumer.h functions.

The stand-in replaces only the consumer functions of ``rocketmq.ffi.dll``;
messages are real library messages (the CMessageExt getters accept them), and
callbacks go through real ctypes thunks, called from threads, as the library
would. It lets these tests run before the library exports its consumers; the
same behaviour is tested against the library and the dev broker in
test_consumer.py.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from typing import Any, Dict, List

import pytest

from rocketmq import client, ffi
from rocketmq.client import ConsumeStatus, Message, PushConsumer, ReceivedMessage
from rocketmq.exceptions import PushConsumerStartFailed, RocketMQException


class FakeConsumer(object):
    def __init__(self, group: bytes) -> None:
        self.group = group
        self.subscriptions: Dict[str, str] = {}
        self.callback: Any = None
        self.orderly = False
        self.threads: List[threading.Thread] = []
        self.inbox: 'queue.Queue[Any]' = queue.Queue()
        self.stopping = threading.Event()
        self.started = False
        self.results: List[tuple] = []
        self.thread_count = 2


class FakeLibrary(object):
    """Just enough of CPushConsumer.h: subscriptions, one callback, delivery threads
    that redeliver on RECONSUME_LATER, and a shutdown that waits for callbacks."""

    _next = 0x10000  # shared: a handle of an earlier test must never name a new consumer

    def __init__(self) -> None:
        self.consumers: Dict[int, FakeConsumer] = {}

    def publish(self, topic: str, body: bytes, **kw: Any) -> Message:
        msg = Message(topic, body, **kw)
        for c in self.consumers.values():
            if topic in c.subscriptions:
                c.inbox.put(msg)
        return msg

    def _worker(self, handle: int, c: FakeConsumer) -> None:
        while not c.stopping.is_set():
            try:
                msg = c.inbox.get(timeout=0.05)
            except queue.Empty:
                continue
            status = c.callback(handle, msg._handle)
            c.results.append((msg.body, status))
            if status != 0 and not c.stopping.is_set():
                c.inbox.put(msg)

    # the C functions

    def CreatePushConsumer(self, group: bytes) -> int:
        FakeLibrary._next += 8
        self.consumers[FakeLibrary._next] = FakeConsumer(group)
        return FakeLibrary._next

    def Subscribe(self, h: int, topic: bytes, expression: bytes) -> int:
        self.consumers[h].subscriptions[topic.decode()] = expression.decode()
        return 0

    def RegisterMessageCallback(self, h: int, cb: Any) -> int:
        self.consumers[h].callback, self.consumers[h].orderly = cb, False
        return 0

    def RegisterMessageCallbackOrderly(self, h: int, cb: Any) -> int:
        self.consumers[h].callback, self.consumers[h].orderly = cb, True
        return 0

    def UnregisterMessageCallback(self, h: int) -> int:
        self.consumers[h].callback = None
        return 0

    UnregisterMessageCallbackOrderly = UnregisterMessageCallback

    def StartPushConsumer(self, h: int) -> int:
        c = self.consumers[h]
        if c.callback is None:
            return 20
        c.started = True
        c.stopping.clear()
        c.threads = [threading.Thread(target=self._worker, args=(h, c), daemon=True)
                     for _ in range(c.thread_count)]
        for t in c.threads:
            t.start()
        return 0

    def ShutdownPushConsumer(self, h: int) -> int:
        c = self.consumers[h]
        c.stopping.set()
        for t in c.threads:  # as the library: wait for running callbacks
            t.join()
        c.started = False
        return 0

    def DestroyPushConsumer(self, h: int) -> int:
        self.consumers.pop(h, None)
        return 0

    def GetPushConsumerGroupID(self, h: int) -> bytes:
        return self.consumers[h].group

    def SetPushConsumerThreadCount(self, h: int, n: int) -> int:
        self.consumers[h].thread_count = n
        return 0

    def _ok(self, *args: Any) -> int:
        return 0


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeLibrary:
    lib = FakeLibrary()
    names = [n for n in ffi.declared_functions() if 'PushConsumer' in n or n in (
        'Subscribe', 'RegisterMessageCallback', 'RegisterMessageCallbackOrderly',
        'UnregisterMessageCallback', 'UnregisterMessageCallbackOrderly')]
    for name in names:
        monkeypatch.setattr(ffi.dll, name, getattr(lib, name, lib._ok), raising=False)
    yield lib
    for h in list(lib.consumers):
        lib.ShutdownPushConsumer(h)


def wait_for(cond: Any, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def _only(fake: FakeLibrary) -> FakeConsumer:
    assert len(fake.consumers) == 1
    return next(iter(fake.consumers.values()))


def test_start_without_callback_fails(fake: FakeLibrary) -> None:
    with pytest.raises(PushConsumerStartFailed):
        PushConsumer('g').start()


def test_callback_results(fake: FakeLibrary, caplog: pytest.LogCaptureFixture) -> None:
    answers = {b'ok': ConsumeStatus.CONSUME_SUCCESS, b'none': None, b'later': 'redeliver',
               b'raise': ZeroDivisionError}
    seen: Dict[bytes, int] = {}

    def callback(msg: ReceivedMessage) -> Any:
        seen[msg.body] = seen.get(msg.body, 0) + 1
        answer = answers[msg.body]
        if answer is ZeroDivisionError:
            if seen[msg.body] == 1:
                1 / 0
            return ConsumeStatus.CONSUME_SUCCESS
        if answer == 'redeliver':
            return {1: ConsumeStatus.RECONSUME_LATER, 2: True}.get(seen[msg.body], 0)
        return answer

    consumer = PushConsumer('g')
    consumer.subscribe('T', callback)
    with caplog.at_level(logging.ERROR, logger='rocketmq'):
        consumer.start()
        for body in answers:
            fake.publish('T', body)
        c = _only(fake)
        assert wait_for(lambda: len(c.results) == 7 and (b'later', 0) in c.results and
                        (b'raise', 0) in c.results), c.results
        consumer.close()
    results = sorted(c.results)
    # None counts as consumed; an exception and a bool (True == RECONSUME_LATER
    # would be a trap) are answered RECONSUME_LATER and logged.
    assert (b'none', 0) in results and (b'ok', 0) in results
    assert results.count((b'raise', 1)) == 1 and (b'raise', 0) in results
    assert results.count((b'later', 1)) == 2 and (b'later', 0) in results
    assert 'ZeroDivisionError' in caplog.text
    assert 'not a ConsumeStatus' in caplog.text


def test_topics_go_to_their_callbacks(fake: FakeLibrary) -> None:
    got: Dict[str, List[str]] = {'A': [], 'B': []}
    consumer = PushConsumer('g')
    consumer.subscribe('A', lambda m: got['A'].append(m.topic))
    consumer.subscribe('B', lambda m: got['B'].append(m.topic))
    consumer.start()
    for i in range(5):
        fake.publish('A', b'a')
        fake.publish('B', b'b')
    assert wait_for(lambda: len(got['A']) == 5 and len(got['B']) == 5)
    consumer.close()
    assert set(got['A']) == {'A'} and set(got['B']) == {'B'}


def test_orderly_registration(fake: FakeLibrary) -> None:
    consumer = PushConsumer('g', orderly=True)
    consumer.subscribe('T', lambda m: None)
    assert _only(fake).orderly


def test_message_is_invalid_after_its_callback(fake: FakeLibrary) -> None:
    kept: List[ReceivedMessage] = []
    consumer = PushConsumer('g')
    consumer.subscribe('T', kept.append)
    consumer.start()
    fake.publish('T', b'x')
    assert wait_for(lambda: kept)
    consumer.close()
    with pytest.raises(RocketMQException, match='no longer valid'):
        kept[0].body


def test_shutdown_from_own_callback_is_refused(fake: FakeLibrary) -> None:
    errors: List[BaseException] = []
    consumer = PushConsumer('g')

    def callback(msg: ReceivedMessage) -> None:
        try:
            consumer.shutdown()
        except RocketMQException as exc:
            errors.append(exc)

    consumer.subscribe('T', callback)
    consumer.start()
    fake.publish('T', b'x')
    assert wait_for(lambda: errors)
    consumer.close()
    assert 'own callbacks' in str(errors[0])


def test_running_consumer_is_kept_alive_and_shut_down_at_exit(
        fake: FakeLibrary, monkeypatch: pytest.MonkeyPatch) -> None:
    got: List[bytes] = []

    def start_and_drop() -> None:
        c = PushConsumer('g')
        c.subscribe('T', lambda m: got.append(m.body))
        c.start()

    start_and_drop()
    import gc
    gc.collect()
    fake.publish('T', b'alive')
    assert wait_for(lambda: got == [b'alive'])
    assert any(isinstance(c, PushConsumer) for c in client._running)
    # The exit hook, on this test's clients only (the session's producer runs on).
    mine = {c for c in client._running if getattr(c, '_handle', None) in fake.consumers}
    monkeypatch.setattr(client, '_running', mine)
    client._shutdown_all_at_exit()
    assert not any(isinstance(c, PushConsumer) for c in client._running)
    assert not _only(fake).started


# ---- listen() -------------------------------------------------------------------------------

def test_listen_acknowledges_when_the_loop_moves_on(fake: FakeLibrary) -> None:
    consumer = PushConsumer('g')
    bodies = []
    stream = consumer.listen('T', idle_timeout=5)
    c = _only(fake)
    assert c.started
    for i in range(3):
        fake.publish('T', b'%d' % i)
    with stream as messages:
        for msg in messages:
            # In hand: not answered yet, and readable.
            assert msg.body not in [r[0] for r in c.results]
            bodies.append(msg.body)
            if len(bodies) == 3:
                break
    assert sorted(bodies) == [b'0', b'1', b'2']
    assert sorted(c.results) == [(b'0', 0), (b'1', 0), (b'2', 0)]
    assert not consumer.started


def test_listen_exception_answers_reconsume_later(fake: FakeLibrary) -> None:
    consumer = PushConsumer('g')
    fake_msgs = []
    with pytest.raises(KeyError):
        with consumer.listen('T', idle_timeout=5) as messages:
            fake_msgs.append(fake.publish('T', b'bad'))
            for msg in messages:
                raise KeyError(msg.body)
    c = _only(fake)
    assert (b'bad', 1) in c.results


def test_dropped_stream_frees_the_library_thread(fake: FakeLibrary) -> None:
    consumer = PushConsumer('g')

    def loop() -> None:
        messages = consumer.listen('T', idle_timeout=5)
        fake.publish('T', b'first')
        for msg in messages:
            break  # no `with`: the stream is dropped with a message in hand

    loop()
    c = _only(fake)
    # The message in hand went back (at-least-once), and the consumer stopped.
    assert (b'first', 1) in c.results
    assert not consumer.started


def test_ctrl_c_while_acknowledging_closes_the_stream(
        fake: FakeLibrary, monkeypatch: pytest.MonkeyPatch) -> None:
    # Ctrl-C can land anywhere in the loop's next(), also in the acknowledgement of
    # the previous message, before any wait. The traceback keeps the stream alive, so
    # next() itself must close it: the consumer stops before the handler runs.
    consumer = PushConsumer('g')
    stream = consumer.listen('T', idle_timeout=5)
    fake.publish('T', b'first')
    assert next(stream).body == b'first'
    answer = client._Delivery.answer
    interrupted = []

    def interrupt_once(self: Any, status: int) -> None:
        if not interrupted:
            interrupted.append(status)
            raise KeyboardInterrupt
        answer(self, status)

    monkeypatch.setattr(client._Delivery, 'answer', interrupt_once)
    with pytest.raises(KeyboardInterrupt):
        next(stream)
    assert interrupted == [int(ConsumeStatus.CONSUME_SUCCESS)]
    assert not consumer.started
    # The interrupted acknowledgement did not happen: the message went back.
    assert (b'first', 1) in _only(fake).results


def test_idle_timeout_ends_iteration(fake: FakeLibrary) -> None:
    consumer = PushConsumer('g')
    started = time.monotonic()
    with consumer.listen('T', idle_timeout=0.3) as messages:
        assert list(messages) == []
    assert time.monotonic() - started < 5


def test_shutdown_from_another_thread_ends_the_loop(fake: FakeLibrary) -> None:
    consumer = PushConsumer('g')
    got = []
    stream = consumer.listen('T')
    fake.publish('T', b'x')
    for msg in stream:
        got.append(msg.body)
        # A message is in hand and its library thread waits: shutting down must
        # release it before waiting for callbacks, or it would never return.
        closer = threading.Thread(target=consumer.shutdown)
        closer.start()
        closer.join(10)
        assert not closer.is_alive(), 'shutdown deadlocked on a parked delivery'
    assert got == [b'x']
    assert list(stream) == []


def test_explicit_ack(fake: FakeLibrary) -> None:
    consumer = PushConsumer('g')
    c = None
    with consumer.listen('T', idle_timeout=5) as messages:
        fake.publish('T', b'x')
        for msg in messages:
            c = _only(fake)
            messages.ack()
            assert wait_for(lambda: c.results == [(b'x', 0)])
            break
    assert c is not None and c.results == [(b'x', 0)]


# ---- the asyncio stream ---------------------------------------------------------------------

def test_async_listen_acknowledges_and_closes(fake: FakeLibrary) -> None:
    import asyncio
    from rocketmq import aio

    async def main() -> List[bytes]:
        consumer = aio.PushConsumer('g')
        bodies: List[bytes] = []
        async with consumer.listen('T', idle_timeout=5) as messages:
            for i in range(3):
                fake.publish('T', b'%d' % i)
            async for msg in messages:
                await asyncio.sleep(0.01)  # other tasks run; the message stays valid
                bodies.append(msg.body)
                if len(bodies) == 3:
                    break
        assert not consumer.started
        return bodies

    assert sorted(asyncio.run(main())) == [b'0', b'1', b'2']
    c = _only(fake)
    assert sorted(c.results) == [(b'0', 0), (b'1', 0), (b'2', 0)]


def test_async_listen_idle_timeout_and_exception(fake: FakeLibrary) -> None:
    import asyncio
    from rocketmq import aio

    async def main() -> None:
        consumer = aio.PushConsumer('g')
        async with consumer.listen('T', idle_timeout=0.2) as messages:
            assert [m async for m in messages] == []
        consumer2 = aio.PushConsumer('g2')
        with pytest.raises(KeyError):
            async with consumer2.listen('T', idle_timeout=5) as messages:
                fake.publish('T', b'bad')
                async for msg in messages:
                    raise KeyError(msg.body)

    asyncio.run(main())
    results = [r for c in fake.consumers.values() for r in c.results]
    assert (b'bad', 1) in results


def test_async_callback_runs_on_the_loop(fake: FakeLibrary) -> None:
    import asyncio
    from rocketmq import aio

    async def main() -> None:
        loop_thread = threading.get_ident()
        seen: List[int] = []
        done = asyncio.Event()

        async def on_message(msg: ReceivedMessage) -> ConsumeStatus:
            seen.append(threading.get_ident())
            await asyncio.sleep(0.01)
            assert msg.body == b'x'
            done.set()
            return ConsumeStatus.CONSUME_SUCCESS

        consumer = aio.PushConsumer('g')
        consumer.subscribe('T', on_message)
        async with consumer:
            fake.publish('T', b'x')
            await asyncio.wait_for(done.wait(), 10)
        assert seen == [loop_thread]

    asyncio.run(main())
    assert _only(fake).results == [(b'x', 0)]
