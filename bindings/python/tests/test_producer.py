"""Producers against the dev broker: every send mode, checked in the broker's store."""

from __future__ import annotations

import logging
import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any, List

import pytest

from conftest import requires_producer, run_python, unique
from rocketmq.client import (
    LogLevel, Message, Producer, SendResult, SendStatus, TransactionMQProducer,
    TransactionStatus,
)
from rocketmq.exceptions import (
    ProducerException, ProducerSendAsyncFailed, ProducerSendSyncFailed, ProducerStartFailed,
    RocketMQException,
)

pytestmark = requires_producer

# A name server address where nothing listens (port 9 is "discard"; it is
# closed on test machines).
NOWHERE = '127.0.0.1:9'


def _msg(topic: str, body: Any = b'body', **kw: Any) -> Message:
    return Message(topic, body, keys=kw.pop('keys', 'k'), tags=kw.pop('tags', 'XXX'), **kw)


def _ok(result: SendResult) -> None:
    assert isinstance(result, SendResult)
    assert result.status == SendStatus.OK
    assert isinstance(result.msg_id, str)
    assert result.offset >= 0


def test_send_sync(producer, devbroker, topic) -> None:
    msg = _msg(topic, b'XXXX', properties={'property': 'test'})
    result = producer.send_sync(msg)
    _ok(result)
    assert len(result.msg_id) == 32
    # The library writes the id it gave the message back into it, as upstream.
    assert msg.get_property('UNIQ_KEY').decode() == result.msg_id
    assert devbroker.wait_topic_count(topic, 1) == 1


def test_send_sync_binary_body(producer, devbroker, topic) -> None:
    _ok(producer.send_sync(_msg(topic, b'\x00\x01binary\x00' * 1000)))
    assert devbroker.wait_topic_count(topic, 1) == 1


def test_send_sync_from_many_threads(producer, devbroker, topic) -> None:
    def send(i: int) -> SendResult:
        return producer.send_sync(_msg(topic, b'%d' % i))
    with ThreadPoolExecutor(max_workers=5) as pool:
        results = list(pool.map(send, range(50)))
    for r in results:
        _ok(r)
    assert len({r.msg_id for r in results}) == 50
    assert devbroker.wait_topic_count(topic, 50) == 50


def test_send_oneway(producer, devbroker, topic) -> None:
    for i in range(3):
        producer.send_oneway(_msg(topic, b'%d' % i))
    assert devbroker.wait_topic_count(topic, 3) == 3


def test_send_orderly_with_sharding_key(devbroker, namesrv, topic) -> None:
    # 2.x's orderly producer: CreateOrderlyProducer.
    orderly = Producer(unique('orderly_producer_group'), True)
    orderly.set_name_server_address(namesrv)
    orderly.start()
    try:
        for i in range(5):
            _ok(orderly.send_orderly_with_sharding_key(_msg(topic, b'%d' % i), 'order1'))
    finally:
        orderly.close()
    assert devbroker.wait_topic_count(topic, 5) == 5


def test_send_orderly_with_a_selector(producer, devbroker, topic) -> None:
    seen = []

    def selector(size: int, msg: Message, arg: Any) -> int:
        seen.append((size, msg.body, arg))
        return 2

    msg = _msg(topic, b'sel')
    _ok(producer.send_orderly(msg, 'arg', queue_selector=selector))
    assert seen == [(4, b'sel', 'arg')]
    _ok(producer.send_orderly(_msg(topic, b'hash'), 'any key'))
    assert devbroker.wait_topic_count(topic, 2) == 2


def test_selector_exception_is_raised_after_the_send(producer, topic) -> None:
    def selector(size: int, msg: Message, arg: Any) -> int:
        raise KeyError('selector broke')

    with pytest.raises(KeyError, match='selector broke'):
        producer.send_orderly(_msg(topic), 1, queue_selector=selector)


def test_send_oneway_orderly(producer, devbroker, topic) -> None:
    producer.send_oneway_orderly(_msg(topic, b'1'), 7)
    producer.send_oneway_orderly(_msg(topic, b'2'), 'key', queue_selector=lambda n, m, a: n - 1)
    assert devbroker.wait_topic_count(topic, 2) == 2


def test_send_batch(producer, devbroker, topic) -> None:
    result = producer.send_batch(_msg(topic, b'batch %d' % i) for i in range(10))
    assert result.status == SendStatus.OK
    assert result.msg_id == ''
    assert devbroker.wait_topic_count(topic, 10) == 10


def test_send_async_future_and_callbacks(producer, devbroker, topic) -> None:
    got: List[SendResult] = []
    done = threading.Event()

    def on_success(result: SendResult) -> None:
        got.append(result)
        if len(got) == 20:
            done.set()

    futures = [producer.send_async(_msg(topic, b'%d' % i), on_success) for i in range(20)]
    results = [f.result(timeout=15) for f in futures]
    assert done.wait(15)
    for r in results:
        _ok(r)
    assert sorted(r.msg_id for r in results) == sorted(r.msg_id for r in got)
    assert devbroker.wait_topic_count(topic, 20) == 20


def test_send_async_callback_exception_is_logged(producer, topic, caplog) -> None:
    def on_success(result: SendResult) -> None:
        raise RuntimeError('callback broke')

    with caplog.at_level(logging.ERROR, logger='rocketmq'):
        future = producer.send_async(_msg(topic), on_success)
        _ok(future.result(timeout=15))
        deadline = time.monotonic() + 5
        while 'callback broke' not in caplog.text and time.monotonic() < deadline:
            time.sleep(0.05)
    assert 'callback broke' in caplog.text


def test_send_async_failure(topic) -> None:
    prod = Producer(unique('pg'), timeout=500, name_server_address=NOWHERE)
    prod.start()
    failures: List[BaseException] = []
    try:
        try:
            future = prod.send_async(_msg(topic), exception_callback=failures.append)
        except ProducerSendAsyncFailed as exc:  # could not even start
            failures.append(exc)
        else:
            with pytest.raises(ProducerSendAsyncFailed) as info:
                future.result(timeout=30)
            assert info.value.message
    finally:
        prod.close()
    deadline = time.monotonic() + 5
    while not failures and time.monotonic() < deadline:
        time.sleep(0.05)
    assert failures and isinstance(failures[0], ProducerSendAsyncFailed)


def test_send_sync_failure_carries_code_and_text(topic) -> None:
    prod = Producer(unique('pg'), timeout=500, name_server_address=NOWHERE)
    prod.start()
    try:
        with pytest.raises(ProducerSendSyncFailed) as info:
            prod.send_sync(_msg(topic))
    finally:
        prod.close()
    exc = info.value
    assert exc.status == 11
    assert exc.title == 'synchronous send failed'
    assert exc.message and 'SendMessageSync' in exc.message
    assert str(exc).startswith('synchronous send failed [11]: ')


def test_send_before_start_fails(topic) -> None:
    prod = Producer(unique('pg'))
    try:
        with pytest.raises(ProducerException):
            prod.send_sync(_msg(topic))
    finally:
        prod.close()


def test_delayed_message(producer, devbroker, topic) -> None:
    _ok(producer.send_sync(_msg(topic, delay_time_level=1)))  # 1 s
    assert devbroker.wait_topic_count(topic, 1, timeout=20) == 1


def test_settings(namesrv, tmp_path, topic, devbroker) -> None:
    prod = Producer(unique('pg'), False, 5000, 5, 1 << 20, name_server_address=namesrv,
                    instance_name='py-settings')
    prod.set_group(unique('pg2'))
    prod.set_session_credentials('ak', 'sk', '')
    prod.set_message_trace(True)
    prod.set_message_trace(False)
    prod.set_log_level(LogLevel.INFO)
    prod.set_log_file_num_and_size(3, 10)
    prod.set_log_path(tmp_path)
    assert prod.version
    with prod as started:
        assert started is prod and prod.started
        # Settings are read by start(); the library refuses later changes.
        with pytest.raises(ProducerStartFailed):
            prod.set_timeout(1000)
        _ok(prod.send_sync(_msg(topic, b'x' * 10000)))  # compressed (>= 4 KiB)
    assert not prod.started
    prod.close()
    prod.close()
    with pytest.raises(RocketMQException, match='closed'):
        prod.start()
    assert devbroker.wait_topic_count(topic, 1) == 1


def test_max_message_size_is_enforced(namesrv, topic) -> None:
    with Producer(unique('pg'), max_message_size=1024, name_server_address=namesrv) as prod:
        with pytest.raises(ProducerSendSyncFailed):
            prod.send_sync(_msg(topic, b'x' * 2048))


def test_many_producers_are_freed(namesrv) -> None:
    for _ in range(20):
        prod = Producer(unique('pg'), name_server_address=namesrv)
        prod.start()
        prod.close()


def test_shutdown_while_async_sends_are_in_flight(namesrv, topic) -> None:
    prod = Producer(unique('pg'), name_server_address=namesrv)
    prod.start()
    futures = [prod.send_async(_msg(topic, b'%d' % i)) for i in range(200)]
    closer = threading.Thread(target=prod.close)
    closer.start()
    closer.join(30)
    assert not closer.is_alive(), 'shutdown hangs'
    done, _ = wait(futures, timeout=10)
    # Every send that was started has an answer, one way or the other.
    assert len(done) == len(futures)


# ---- transactions ---------------------------------------------------------------------------

def _transaction_producer(namesrv: str, checker: Any) -> TransactionMQProducer:
    prod = TransactionMQProducer(unique('transactionTestGroup'), checker)
    prod.set_name_server_address(namesrv)
    prod.start()
    return prod


@pytest.mark.parametrize('decision,stored', [(TransactionStatus.COMMIT, 1),
                                             (TransactionStatus.ROLLBACK, 0)])
def test_transaction_decided_locally(namesrv, devbroker, topic, decision, stored) -> None:
    seen = []
    prod = _transaction_producer(namesrv, lambda msg: TransactionStatus.UNKNOWN)
    try:
        def local(msg, user_args):
            seen.append((msg.body, msg.keys, user_args))
            return decision
        _ok(prod.send_message_in_transaction(_msg(topic, b'tx', keys='txk'), local,
                                             user_args={'any': 'object'}))
    finally:
        prod.close()
    assert seen == [(b'tx', b'txk', {'any': 'object'})]
    time.sleep(0.5)
    assert devbroker.wait_topic_count(topic, stored, timeout=5) == stored


def test_transaction_check_callback(namesrv, devbroker, topic) -> None:
    # As 2.x's test_transaction_producer: UNKNOWN locally, the broker asks the
    # checker (the dev broker after 6 s), which commits.
    checked = threading.Event()
    bodies = []

    def on_check(msg):
        bodies.append(msg.body)
        checked.set()
        return TransactionStatus.COMMIT

    prod = _transaction_producer(namesrv, on_check)
    try:
        _ok(prod.send_message_in_transaction(_msg(topic, b'XXXX'),
                                             lambda msg, args: TransactionStatus.UNKNOWN))
        assert checked.wait(60), 'the transaction was never checked'
        assert devbroker.wait_topic_count(topic, 1, timeout=10) == 1
    finally:
        prod.close()
    assert bodies[0] == b'XXXX'


def test_transaction_callbacks_that_raise(namesrv, devbroker, topic, caplog) -> None:
    checks = []

    def on_check(msg):
        checks.append(msg.body)
        if len(checks) == 1:
            raise ValueError('checker broke')
        return TransactionStatus.ROLLBACK

    def local(msg, args):
        raise ValueError('local broke')

    prod = _transaction_producer(namesrv, on_check)
    try:
        with caplog.at_level(logging.ERROR, logger='rocketmq'):
            _ok(prod.send_message_in_transaction(_msg(topic, b'r'), local))
            assert 'local broke' in caplog.text
            deadline = time.monotonic() + 60
            while not checks and time.monotonic() < deadline:
                time.sleep(0.1)
    finally:
        prod.close()
    assert checks, 'the transaction was never checked'
    assert 'checker broke' in caplog.text


def test_transaction_producer_refuses_plain_sends(namesrv, topic) -> None:
    prod = _transaction_producer(namesrv, lambda msg: TransactionStatus.COMMIT)
    try:
        with pytest.raises(ProducerException):
            prod.send_sync(_msg(topic))
    finally:
        prod.close()


def test_bad_local_status_is_unknown(namesrv, topic, caplog) -> None:
    prod = _transaction_producer(namesrv, lambda msg: TransactionStatus.ROLLBACK)
    try:
        with caplog.at_level(logging.ERROR, logger='rocketmq'):
            _ok(prod.send_message_in_transaction(_msg(topic), lambda m, a: 'yes'))
        assert 'not a TransactionStatus' in caplog.text
    finally:
        prod.close()


# ---- process exit ---------------------------------------------------------------------------

def test_exit_with_running_producers_is_clean(namesrv) -> None:
    # 2.x never shut producers down; the process must still exit at once, and a
    # producer dropped while running keeps working until then.
    code = textwrap.dedent('''
        import gc
        from rocketmq.client import Producer, Message, TransactionMQProducer, TransactionStatus
        def make():
            p = Producer("exit_group_%%d" %% id(object()))
            p.set_name_server_address(%r)
            p.start()
            p.send_sync(Message("exit_topic", b"x"))
        make(); gc.collect()
        t = TransactionMQProducer("exit_tx_group", lambda m: TransactionStatus.COMMIT)
        t.set_name_server_address(%r)
        t.start()
        print("ready", flush=True)
    ''' % (namesrv, namesrv))
    started = time.monotonic()
    proc = run_python(code, timeout=60)
    assert proc.returncode == 0, proc.stdout.decode()
    assert b'ready' in proc.stdout
    assert time.monotonic() - started < 30
