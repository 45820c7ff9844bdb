"""C status codes to exceptions, as rocketmq-client-python 2.x maps them, plus the
codes it left unmapped."""

from __future__ import annotations

import threading

import pytest

from rocketmq import exceptions as E
from rocketmq import ffi
from rocketmq.client import Message

# code -> class, for every CStatus of CCommon.h.
EXPECTED = {
    1: E.NullPointerException,
    2: E.MallocFailed,
    10: E.ProducerStartFailed,
    11: E.ProducerSendSyncFailed,
    12: E.ProducerSendOnewayFailed,
    13: E.ProducerSendOrderlyFailed,
    14: E.ProducerSendAsyncFailed,
    15: E.ProducerSendOrderlyAsyncFailed,
    16: E.ProducerSendTransactionFailed,
    20: E.PushConsumerStartFailed,
    30: E.PullConsumerStartFailed,
    31: E.PullConsumerFetchMQFailed,
    32: E.PullConsumerFetchMessageFailed,
    500: E.NotSupported,
    -1: E.NotSupported,
}

# 2.x's hierarchy, which `except` clauses of existing programs rely on.
PARENTS = {
    E.NullPointerException: E.RocketMQException,
    E.MallocFailed: E.RocketMQException,
    E.ProducerException: E.RocketMQException,
    E.ProducerStartFailed: E.ProducerException,
    E.ProducerSendSyncFailed: E.ProducerException,
    E.ProducerSendOnewayFailed: E.ProducerException,
    E.ProducerSendOrderlyFailed: E.ProducerException,
    E.ProducerSendAsyncFailed: E.ProducerException,
    E.ConsumerException: E.RocketMQException,
    E.PushConsumerStartFailed: E.ConsumerException,
}


@pytest.mark.parametrize('code,cls', sorted(EXPECTED.items()))
def test_every_status_has_its_class(code: int, cls: type) -> None:
    exc = E.exception_for_status(code, 'the text')
    assert type(exc) is cls
    assert exc.status == code
    assert exc.message == 'the text'
    assert exc.args == ('the text',)
    assert exc.title == E.STATUS_TITLES[code]
    assert str(exc) == '%s [%d]: the text' % (exc.title, code)
    assert isinstance(exc, E.RocketMQException)


def test_every_c_status_is_covered() -> None:
    assert {int(s) for s in ffi._CStatus if s != 0} == set(EXPECTED)


@pytest.mark.parametrize('cls,parent', PARENTS.items())
def test_hierarchy_of_2x(cls: type, parent: type) -> None:
    assert issubclass(cls, parent)


def test_unknown_code_is_the_base_class() -> None:
    exc = E.exception_for_status(77, None)
    assert type(exc) is E.RocketMQException
    assert exc.status == 77
    assert str(exc) == 'RocketMQ error [77]: (the library gave no details)'


def test_ok_raises_nothing() -> None:
    E.ffi_check(0)


def test_send_async_failed_keeps_2x_signature() -> None:
    exc = E.ProducerSendAsyncFailed('boom', -1, 'file.go', 12, 'MQClientException')
    assert (exc.message, exc.error, exc.file, exc.line, exc.type) == \
        ('boom', -1, 'file.go', 12, 'MQClientException')
    assert exc.status == 14


def test_cleaning_of_library_text() -> None:
    assert E.clean_error_text(b'msg: No route info of this topic') == 'No route info of this topic'
    assert E.clean_error_text(None) is None
    cpp = (b'msg: boom,error:-1,in file </home/u/rocketmq-client-cpp/src/producer/'
           b'DefaultMQProducer.cpp> line:42')
    assert E.clean_error_text(cpp) == \
        'boom,error:-1,in file rocketmq-client-cpp/src/producer/DefaultMQProducer.cpp line:42'
    assert E.clean_error_text(b'\xff bad utf8') == '\ufffd bad utf8'


def test_real_failure_carries_the_library_text() -> None:
    msg = Message('T')
    with pytest.raises(E.NullPointerException) as info:
        E.ffi_check(ffi.dll.SetMessageProperty(msg._handle, b'key', None))
    assert info.value.status == 1
    assert info.value.message.startswith('SetMessageProperty')
    assert 'SetMessageProperty' in str(info.value)


def test_error_text_is_per_thread() -> None:
    # Each thread reads the text of its own failure, even when they interleave
    # (2.x's tests send from 5 threads at once).
    functions = ['SetMessageTopic', 'SetMessageTags', 'SetMessageKeys', 'SetMessageBody']
    barrier = threading.Barrier(len(functions))
    seen = {}

    def fail(name: str) -> None:
        msg = Message('T')
        status = getattr(ffi.dll, name)(msg._handle, None)
        barrier.wait()
        try:
            E.ffi_check(status)
        except E.RocketMQException as exc:
            seen[name] = exc.message

    threads = [threading.Thread(target=fail, args=(n,)) for n in functions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for name in functions:
        assert seen[name].startswith(name), seen
