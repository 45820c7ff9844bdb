"""Exceptions raised for the C API's status codes.

The classes, their hierarchy and the codes they stand for are those of
rocketmq-client-python 2.x, so ``except ProducerSendSyncFailed`` keeps working.
Codes 2.x left unmapped (14, 15, 16, 30-32, 500, -1) have classes of their own
here, each a subclass of the 2.x class that caught them before.

Every exception carries:

* ``status``: the C status code (an int; ``None`` for errors found in Python);
* ``title``: a short description of the code ("synchronous send failed");
* ``message``: the library's text, as ``GetLatestErrorMessage()`` gave it on the
  failing thread, without its leading ``"msg: "``. ``args[0]`` is the same text,
  as in 2.x.

``str(exc)`` combines them: ``"synchronous send failed [11]: SendMessageSync: ..."``.
"""

from __future__ import annotations

import re
from typing import Dict, Optional, Type

from .ffi import _CStatus

__all__ = [
    'RocketMQException', 'NullPointerException', 'MallocFailed', 'ProducerException',
    'ProducerStartFailed', 'ProducerSendSyncFailed', 'ProducerSendOnewayFailed',
    'ProducerSendOrderlyFailed', 'ProducerSendAsyncFailed', 'ProducerSendOrderlyAsyncFailed',
    'ProducerSendTransactionFailed', 'ConsumerException', 'PushConsumerStartFailed',
    'PullConsumerStartFailed', 'PullConsumerFetchMQFailed', 'PullConsumerFetchMessageFailed',
    'NotSupported', 'ffi_check', 'exception_for_status', 'STATUS_TITLES',
]

STATUS_TITLES: Dict[int, str] = {
    _CStatus.OK: 'success',
    _CStatus.NULL_POINTER: 'null or invalid handle or argument',
    _CStatus.MALLOC_FAILED: 'memory allocation failed',
    _CStatus.PRODUCER_START_FAILED: 'producer start or setting failed',
    _CStatus.PRODUCER_SEND_SYNC_FAILED: 'synchronous send failed',
    _CStatus.PRODUCER_SEND_ONEWAY_FAILED: 'one-way send failed',
    _CStatus.PRODUCER_SEND_ORDERLY_FAILED: 'orderly send failed',
    _CStatus.PRODUCER_SEND_ASYNC_FAILED: 'asynchronous send failed',
    _CStatus.PRODUCER_SEND_ORDERLYASYNC_FAILED: 'orderly asynchronous send failed',
    _CStatus.PRODUCER_SEND_TRANSACTION_FAILED: 'transactional send failed',
    _CStatus.PUSH_CONSUMER_START_FAILED: 'push consumer start failed',
    _CStatus.PULL_CONSUMER_START_FAILED: 'pull consumer start failed',
    _CStatus.PULL_CONSUMER_FETCH_MQ_FAILED: 'fetching message queues failed',
    _CStatus.PULL_CONSUMER_FETCH_MESSAGE_FAILED: 'fetching messages failed',
    _CStatus.NOT_SUPPORT: 'not supported',
    _CStatus.NOT_SUPPORT_NOW: 'not supported yet',
}

_EXCEPTION_MAP: Dict[int, Type['RocketMQException']] = {}


def _register(status: int):
    def register(cls):
        _EXCEPTION_MAP[int(status)] = cls
        cls.status = int(status)
        return cls
    return register


class RocketMQException(Exception):
    """Base class of every exception of this package."""

    status: Optional[int] = None

    def __init__(self, message: Optional[str] = None, status: Optional[int] = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = int(status)

    @property
    def title(self) -> str:
        if self.status is not None and self.status in STATUS_TITLES:
            return STATUS_TITLES[self.status]
        return 'RocketMQ error'

    def __str__(self) -> str:
        text = self.message if self.message else '(the library gave no details)'
        if self.status is None:
            return text
        return '%s [%d]: %s' % (self.title, self.status, text)


@_register(_CStatus.NULL_POINTER)
class NullPointerException(RocketMQException):
    pass


@_register(_CStatus.MALLOC_FAILED)
class MallocFailed(RocketMQException):
    pass


class ProducerException(RocketMQException):
    pass


@_register(_CStatus.PRODUCER_START_FAILED)
class ProducerStartFailed(ProducerException):
    pass


@_register(_CStatus.PRODUCER_SEND_SYNC_FAILED)
class ProducerSendSyncFailed(ProducerException):
    pass


@_register(_CStatus.PRODUCER_SEND_ONEWAY_FAILED)
class ProducerSendOnewayFailed(ProducerException):
    pass


@_register(_CStatus.PRODUCER_SEND_ORDERLY_FAILED)
class ProducerSendOrderlyFailed(ProducerException):
    pass


@_register(_CStatus.PRODUCER_SEND_ASYNC_FAILED)
class ProducerSendAsyncFailed(ProducerException):
    """An asynchronous send failed: either it could not start (status 14), or the
    library reported the failure to the exception callback, whose ``CMQException``
    fields are kept as ``error``, ``file``, ``line`` and ``type`` (2.x's signature)."""

    def __init__(self, msg: Optional[str] = None, error: Optional[int] = None,
                 file: Optional[str] = None, line: Optional[int] = None,
                 type: Optional[str] = None, status: Optional[int] = None) -> None:
        super().__init__(msg, status)
        self.error = error
        self.file = file
        self.line = line
        self.type = type


@_register(_CStatus.PRODUCER_SEND_ORDERLYASYNC_FAILED)
class ProducerSendOrderlyAsyncFailed(ProducerSendAsyncFailed):
    pass


@_register(_CStatus.PRODUCER_SEND_TRANSACTION_FAILED)
class ProducerSendTransactionFailed(ProducerException):
    pass


class ConsumerException(RocketMQException):
    pass


@_register(_CStatus.PUSH_CONSUMER_START_FAILED)
class PushConsumerStartFailed(ConsumerException):
    pass


@_register(_CStatus.PULL_CONSUMER_START_FAILED)
class PullConsumerStartFailed(ConsumerException):
    pass


@_register(_CStatus.PULL_CONSUMER_FETCH_MQ_FAILED)
class PullConsumerFetchMQFailed(ConsumerException):
    pass


@_register(_CStatus.PULL_CONSUMER_FETCH_MESSAGE_FAILED)
class PullConsumerFetchMessageFailed(ConsumerException):
    pass


@_register(_CStatus.NOT_SUPPORT)
class NotSupported(RocketMQException):
    pass


_EXCEPTION_MAP[int(_CStatus.NOT_SUPPORT_NOW)] = NotSupported

# The C++ library's messages name its source files by absolute build paths;
# keep the part from the project directory on, as 2.x did.
_CPP_PATH = re.compile(r'<.*?(rocketmq-client-cpp/)(.*)>')


def clean_error_text(raw: Optional[bytes]) -> Optional[str]:
    if raw is None:
        return None
    text = raw.decode('utf-8', errors='replace')
    text = _CPP_PATH.sub(r'\1\2', text)
    if text.startswith('msg: '):
        text = text[5:]
    return text


def exception_for_status(status: int, message: Optional[str]) -> RocketMQException:
    """The exception for C status ``status`` with the given text."""
    cls = _EXCEPTION_MAP.get(int(status), RocketMQException)
    exc = cls(message)
    exc.status = int(status)
    return exc


def ffi_check(status: int) -> None:
    """Raises the exception for a C status other than OK.

    Must run on the thread that made the failing call, right after it: the
    library keeps the error text per thread.
    """
    if status == 0:
        return
    from .ffi import dll
    raise exception_for_status(status, clean_error_text(dll.GetLatestErrorMessage()))
