"""The RocketMQ client: messages, producers and consumers over librocketmq.

Names, signatures and behaviour follow rocketmq-client-python 2.x, so a program
written for it runs unchanged. Additions are keyword arguments or new methods,
never changes to what 2.x did, except where 2.x was broken (see README.md:
binary bodies, leaks, ``set_message_trace``, ``with ... as``).

Threads: producers and consumers may be used from several threads. Callbacks
(consume, transaction check, asynchronous send results) run on library
threads; an exception they raise is logged on the ``rocketmq`` logger and
never reaches the library.
"""

from __future__ import annotations

import atexit
import concurrent.futures
import ctypes
import itertools
import logging
import os
import queue
import threading
import time
import zlib
from collections import namedtuple
from enum import IntEnum
from typing import (
    Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Set, Tuple, Union,
)

from . import ffi
from .consts import MessageProperty
from .exceptions import (
    NullPointerException, ProducerSendAsyncFailed, RocketMQException, clean_error_text,
    exception_for_status, ffi_check,
)
from .ffi import (
    LOCAL_TRANSACTION_EXECUTE_CALLBACK, MSG_CALLBACK_FUNC, ON_SEND_EXCEPTION_CALLBACK,
    ON_SEND_SUCCESS_CALLBACK, QUEUE_SELECTOR_CALLBACK, TRANSACTION_CHECK_CALLBACK, MessageModel,
    TraceModel, _CMessageQueue, _CPullResult, _CSendResult, dll,
)

__all__ = [
    'SendStatus', 'Message', 'ReceivedMessage', 'Producer', 'PushConsumer', 'TransactionMQProducer',
    'TransactionStatus', 'ConsumeStatus', 'MessageModel', 'TraceModel', 'SendResult', 'LogLevel',
    'PullConsumer', 'PullResult', 'PullStatus', 'MessageQueue', 'MessageStream', 'MessageProperty',
    'hashing_queue_selector',
]

logger = logging.getLogger('rocketmq')

Text = Union[str, bytes]

SendResult = namedtuple('SendResult', ['status', 'msg_id', 'offset'])
SendResult.__doc__ = 'What a send returns: SendStatus, the message id (str) and the queue offset.'

MessageQueue = namedtuple('MessageQueue', ['topic', 'broker_name', 'queue_id'])
MessageQueue.__doc__ = 'One queue of a topic, as FetchSubscriptionMessageQueues lists it.'


class SendStatus(IntEnum):
    OK = 0
    FLUSH_DISK_TIMEOUT = 1
    FLUSH_SLAVE_TIMEOUT = 2
    SLAVE_NOT_AVAILABLE = 3


class TransactionStatus(IntEnum):
    COMMIT = 0
    ROLLBACK = 1
    UNKNOWN = 2


class ConsumeStatus(IntEnum):
    CONSUME_SUCCESS = 0
    RECONSUME_LATER = 1


class LogLevel(IntEnum):
    FATAL = 1
    ERROR = 2
    WARN = 3
    INFO = 4
    DEBUG = 5
    TRACE = 6


class PullStatus(IntEnum):
    FOUND = 0
    NO_NEW_MSG = 1
    NO_MATCHED_MSG = 2
    OFFSET_ILLEGAL = 3
    BROKER_TIMEOUT = 4


def _to_bytes(s: Optional[Union[Text, bytearray, memoryview]]) -> Optional[bytes]:
    if s is None or isinstance(s, bytes):
        return s
    if isinstance(s, str):
        return s.encode('utf-8')
    if isinstance(s, (bytearray, memoryview)):
        return bytes(s)
    raise TypeError('expected str or bytes, got %s' % type(s).__name__)


def maybe_decode(val: Union[str, bytes]) -> str:
    if isinstance(val, bytes):
        return val.decode('utf-8')
    if isinstance(val, str):
        return val
    raise TypeError('Expects string types, but got %s' % type(val))


def _last_error() -> Optional[str]:
    return clean_error_text(dll.GetLatestErrorMessage())


def _send_result(c_result: _CSendResult) -> SendResult:
    status: Any = c_result.sendStatus
    try:
        status = SendStatus(status)
    except ValueError:  # a library newer than this package: keep the number
        pass
    return SendResult(status, c_result.msgId.decode('utf-8', errors='replace'), c_result.offset)


# ---- process-wide bookkeeping ---------------------------------------------------------------
# Started clients are referenced here until shut down, so one that a program
# drops while it runs (a consumer created inside a function, say) keeps its
# callbacks alive instead of leaving C with freed thunks. At exit, whatever is
# still running is shut down while the interpreter can still run callbacks.

_running_lock = threading.Lock()
_running: Set[Any] = set()
_callback_context = threading.local()


def _mark_running(client: Any, running: bool) -> None:
    with _running_lock:
        if running:
            _running.add(client)
        else:
            _running.discard(client)


def _shutdown_all_at_exit() -> None:
    if ffi.is_forked_child():
        return
    with _running_lock:
        clients = list(_running)
    # Consumers first: their callbacks may still send with producers.
    clients.sort(key=lambda c: 0 if isinstance(c, PushConsumer) else 1)
    for client in clients:
        try:
            client.shutdown()
        except Exception:  # exit must go on
            logger.exception('shutting down %r at exit', client)


atexit.register(_shutdown_all_at_exit)


def _forget_after_fork() -> None:
    # The handles belong to the parent's library; the child can neither use nor
    # free them (see ffi.LibraryUnusableAfterFork). New locks: another thread of
    # the parent may have held one at the fork.
    global _running_lock, _async_lock
    _running_lock = threading.Lock()
    _async_lock = threading.Lock()
    _running.clear()
    _pending_async.clear()


ffi._fork_hooks.append(_forget_after_fork)


class _Handle(object):
    """Common handle management of everything created through the C API."""

    _handle: Optional[int] = None
    _destroy_fn = ''

    def _h(self) -> int:
        if self._handle is None:
            raise RocketMQException('%s is closed' % type(self).__name__)
        return self._handle

    def _destroy(self) -> None:
        handle, self._handle = self._handle, None
        if handle is not None and not ffi.is_forked_child():
            getattr(dll, self._destroy_fn)(handle)

    def __del__(self) -> None:
        try:
            self._destroy()
        except Exception:  # interpreter shutdown, fork, a library without the symbol
            pass


# ---- messages -------------------------------------------------------------------------------

class _Fields(object):
    """The fields both kinds of message read, each kind through its own C getters:
    ``_getters`` maps a field to the name of its function (CMessage.h's GetOrigin*
    for Message, CMessageExt.h's Get* for ReceivedMessage)."""

    _getters: Dict[str, str] = {}
    _h: Callable[[], int]  # the message's handle, or an exception when it is gone

    def _get(self, field: str, *args: Any) -> Any:
        return getattr(dll, self._getters[field])(self._h(), *args)

    def _str(self, field: str, *args: Any) -> bytes:
        value = self._get(field, *args)
        if value is None:
            raise RocketMQException(_last_error())
        return value

    @property
    def topic(self) -> str:
        return self._str('topic').decode('utf-8')

    @property
    def tags(self) -> bytes:
        return self._str('tags')

    @property
    def keys(self) -> bytes:
        return self._str('keys')

    @property
    def body(self) -> bytes:
        handle = self._h()
        ptr = getattr(dll, self._getters['body'])(handle)
        if ptr is None:
            raise RocketMQException(_last_error())
        return ctypes.string_at(ptr, getattr(dll, self._getters['body_length'])(handle))

    @property
    def delay_time_level(self) -> int:
        return self._get('delay_time_level')

    def get_property(self, prop: Union[Text, MessageProperty]) -> bytes:
        if isinstance(prop, MessageProperty):
            prop = prop.value
        return self._str('property', _to_bytes(prop))

    def __getitem__(self, key: Union[Text, MessageProperty]) -> bytes:
        return self.get_property(key)


class Message(_Fields, _Handle):
    """An outgoing message.

    ``Message(topic)`` then the ``set_*`` methods, as in 2.x, or everything at once::

        Message('TopicTest', b'body', keys='k1', tags='TagA', properties={'a': '1'})

    Bodies may be binary (they are passed with their length). The C message is
    freed when the object is garbage collected, on ``close()`` or at the end of a
    ``with`` block.
    """

    _destroy_fn = 'DestroyMessage'
    _getters = {'topic': 'GetOriginMessageTopic', 'tags': 'GetOriginMessageTags',
                'keys': 'GetOriginMessageKeys', 'body': 'GetOriginMessageBody',
                'body_length': 'GetOriginMessageBodyLength',
                'delay_time_level': 'GetOriginDelayTimeLevel',
                'property': 'GetOriginMessageProperty'}

    def __init__(self, topic: Text, body: Optional[Union[Text, bytearray, memoryview]] = None, *,
                 keys: Optional[Text] = None, tags: Optional[Text] = None,
                 properties: Optional[Dict[Text, Text]] = None,
                 delay_time_level: Optional[int] = None) -> None:
        handle = dll.CreateMessage(_to_bytes(topic))
        if not handle:
            raise NullPointerException('CreateMessage failed: %s' % _last_error())
        self._handle = handle
        if body is not None:
            self.set_body(body)
        if keys is not None:
            self.set_keys(keys)
        if tags is not None:
            self.set_tags(tags)
        if properties:
            for key, value in properties.items():
                self.set_property(key, value)
        if delay_time_level is not None:
            self.set_delay_time_level(delay_time_level)

    @property
    def _as_parameter_(self) -> int:
        return self._h()

    def close(self) -> None:
        """Frees the C message now (idempotent)."""
        self._destroy()

    def __enter__(self) -> 'Message':
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def set_topic(self, topic: Text) -> None:
        ffi_check(dll.SetMessageTopic(self._h(), _to_bytes(topic)))

    def set_keys(self, keys: Text) -> None:
        ffi_check(dll.SetMessageKeys(self._h(), _to_bytes(keys)))

    def set_tags(self, tags: Text) -> None:
        ffi_check(dll.SetMessageTags(self._h(), _to_bytes(tags)))

    def set_body(self, body: Union[Text, bytearray, memoryview]) -> None:
        data = _to_bytes(body)
        if data is None:
            raise TypeError('a message body cannot be None')
        ffi_check(dll.SetByteMessageBody(self._h(), data, len(data)))

    def set_property(self, key: Union[Text, MessageProperty], value: Text) -> None:
        if isinstance(key, MessageProperty):
            key = key.value
        ffi_check(dll.SetMessageProperty(self._h(), _to_bytes(key), _to_bytes(value)))

    def set_delay_time_level(self, delay_time_level: int) -> None:
        ffi_check(dll.SetDelayTimeLevel(self._h(), delay_time_level))

    # Reading back what was set (not in 2.x): _Fields.

    def __repr__(self) -> str:
        if self._handle is None:
            return '<Message closed>'
        return '<Message topic=%r keys=%r tags=%r body=%r>' % (self.topic, self.keys, self.tags,
                                                                self.body[:64])


class ReceivedMessage(_Fields):
    """A message handed over by the library (consume and transaction callbacks, pulls).

    A view on the library's message, read on access. It is valid while the library
    keeps the message: until the callback returns, for a ``listen()`` stream until
    the loop asks for the next message, and for a pull until its ``PullResult`` is
    released. Reading it afterwards raises :class:`RocketMQException`; copy what
    must outlive it (``msg.body`` is already a copy).

    ``topic`` and ``id`` are ``str``; ``tags``, ``keys``, ``body`` and properties are
    ``bytes``, as in 2.x.
    """

    _getters = {'topic': 'GetMessageTopic', 'tags': 'GetMessageTags', 'keys': 'GetMessageKeys',
                'body': 'GetMessageBody', 'body_length': 'GetMessageBodyLength',
                'delay_time_level': 'GetMessageDelayTimeLevel', 'property': 'GetMessageProperty',
                'id': 'GetMessageId', 'store_host': 'GetMessageStoreHost',
                'born_host': 'GetMessageBornHost'}

    def __init__(self, handle: int, owner: Any = None) -> None:
        self._handle: Optional[int] = handle
        self._owner = owner  # keeps a PullResult (and so the C messages) alive

    def _invalidate(self) -> None:
        self._handle = None
        self._owner = None

    def _h(self) -> int:
        if self._handle is None:
            raise RocketMQException('the message is no longer valid: the library only keeps it '
                                    'during its callback (or until its pull result is released); '
                                    'copy what you need while it is valid')
        return self._handle

    @property
    def id(self) -> str:
        return self._str('id').decode('utf-8')

    @property
    def queue_id(self) -> int:
        return dll.GetMessageQueueId(self._h())

    @property
    def reconsume_times(self) -> int:
        return dll.GetMessageReconsumeTimes(self._h())

    @property
    def store_size(self) -> int:
        return dll.GetMessageStoreSize(self._h())

    @property
    def born_timestamp(self) -> int:
        return dll.GetMessageBornTimestamp(self._h())

    @property
    def store_timestamp(self) -> int:
        return dll.GetMessageStoreTimestamp(self._h())

    @property
    def queue_offset(self) -> int:
        return dll.GetMessageQueueOffset(self._h())

    @property
    def commit_log_offset(self) -> int:
        return dll.GetMessageCommitLogOffset(self._h())

    @property
    def prepared_transaction_offset(self) -> int:
        return dll.GetMessagePreparedTransactionOffset(self._h())

    @property
    def store_host(self) -> str:
        return self._str('store_host').decode('utf-8')

    @property
    def born_host(self) -> str:
        return self._str('born_host').decode('utf-8')

    def __str__(self) -> str:
        return self.body.decode('utf-8')

    def __bytes__(self) -> bytes:
        return self.body

    def to_dict(self) -> Dict[str, Any]:
        """Every field, copied (properties only as far as the C API names them)."""
        return {
            'topic': self.topic, 'tags': self.tags, 'keys': self.keys, 'body': self.body,
            'id': self.id, 'delay_time_level': self.delay_time_level, 'queue_id': self.queue_id,
            'reconsume_times': self.reconsume_times, 'store_size': self.store_size,
            'born_timestamp': self.born_timestamp, 'store_timestamp': self.store_timestamp,
            'queue_offset': self.queue_offset, 'commit_log_offset': self.commit_log_offset,
            'prepared_transaction_offset': self.prepared_transaction_offset,
            'store_host': self.store_host, 'born_host': self.born_host,
        }

    def __repr__(self) -> str:
        if self._handle is None:
            return '<ReceivedMessage (no longer valid)>'
        return '<ReceivedMessage topic={} id={} body={}>'.format(
            repr(self.topic), repr(self.id), repr(self.body))


# ---- producers ------------------------------------------------------------------------------

def hashing_queue_selector(size: int, msg: Any, arg: Any) -> int:
    """Default selector of send_orderly: the same ``arg`` always picks the same queue
    (a stable hash, unlike ``hash()`` of a str, which differs between processes)."""
    if isinstance(arg, int):
        return arg % size
    data = arg if isinstance(arg, bytes) else str(arg).encode('utf-8')
    return zlib.crc32(data) % size


QueueSelector = Callable[[int, 'Message', Any], int]

_async_tokens = itertools.count(1)
_pending_async: Dict[int, Tuple[concurrent.futures.Future, Any, Any, Any]] = {}
_async_lock = threading.Lock()


def _take_pending(token: Optional[int]) -> Optional[Tuple[concurrent.futures.Future, Any, Any, Any]]:
    with _async_lock:
        return _pending_async.pop(token or 0, None)


def _run_user_callback(what: str, fn: Optional[Callable[..., Any]], *args: Any) -> None:
    if fn is None:
        return
    try:
        fn(*args)
    except BaseException:
        logger.exception('%s raised; the exception is ignored', what)


def _on_async_success(c_result: _CSendResult, _msg: Optional[int], token: Optional[int]) -> None:
    entry = _take_pending(token)
    if entry is None:
        return
    future, _keep_msg, on_success, _on_exception = entry
    result = _send_result(c_result)
    if not future.done():
        future.set_result(result)
    _run_user_callback('send_async success callback', on_success, result)


def _on_async_exception(c_exc: Any, _msg: Optional[int], token: Optional[int]) -> None:
    entry = _take_pending(token)
    if entry is None:
        return
    future, _keep_msg, _on_success, on_exception = entry
    exc = ProducerSendAsyncFailed(clean_error_text(c_exc.msg), c_exc.error,
                                  c_exc.file.decode('utf-8', 'replace'), c_exc.line,
                                  c_exc.type.decode('utf-8', 'replace'))
    if not future.done():
        future.set_exception(exc)
    _run_user_callback('send_async exception callback', on_exception, exc)


# One pair of thunks for every asynchronous send of the process: they live as
# long as the module, so no send can outlive the code C calls back.
_ASYNC_SUCCESS_THUNK = ON_SEND_SUCCESS_CALLBACK(_on_async_success)
_ASYNC_EXCEPTION_THUNK = ON_SEND_EXCEPTION_CALLBACK(_on_async_exception)


class _Client(_Handle):
    """What producers and consumers share: start/shutdown, registry, context manager."""

    _start_fn = ''
    _shutdown_fn = ''
    _prefix = ''  # 'Producer', 'PushConsumer', 'PullConsumer' in the C setter names

    def __init__(self) -> None:
        self._state_lock = threading.Lock()
        # Serializes shutdowns (a stream's, the exit hook's, the program's): the
        # second waits for the first, then finds nothing to do. Callbacks never
        # take it, so holding it while the library waits for them is safe.
        self._shutdown_lock = threading.Lock()
        self._started = False

    def _set(self, what: str, *args: Any) -> None:
        ffi_check(getattr(dll, 'Set%s%s' % (self._prefix, what))(self._h(), *args))

    def start(self) -> None:
        handle = self._h()
        # Marked first: callbacks can run before the library's start returns, and
        # they may shut the client down or rely on it being kept alive.
        with self._state_lock:
            was_started, self._started = self._started, True
        _mark_running(self, True)
        status = getattr(dll, self._start_fn)(handle)
        if status != 0:
            with self._state_lock:
                self._started = was_started
            if not was_started:
                _mark_running(self, False)
            ffi_check(status)

    def shutdown(self) -> None:
        """Stops the client; a no-op unless it was started (the library refuses a
        second shutdown)."""
        if self._handle is None:
            return
        # Checked before the started flag: the library may deliver the first messages
        # before start() has returned here, and a shutdown from such a callback must be
        # refused like any other, not ignored.
        owner = getattr(_callback_context, 'client', None)
        if owner is self:
            raise RocketMQException('%s.shutdown() called from one of its own callbacks: the '
                                    'library waits for callbacks to return, so this would never '
                                    'end' % type(self).__name__)
        with self._shutdown_lock:
            if not self._started or self._handle is None:
                return
            self._before_shutdown()
            # No lock a callback could need is held here: the library waits for
            # running callbacks.
            status = getattr(dll, self._shutdown_fn)(self._handle)
            with self._state_lock:
                self._started = False
            _mark_running(self, False)
            ffi_check(status)

    def _before_shutdown(self) -> None:
        pass

    def close(self) -> None:
        """Shuts down and frees the C object (idempotent)."""
        if self._handle is None:
            return
        try:
            self.shutdown()
        finally:
            with self._shutdown_lock:
                self._destroy()

    @property
    def started(self) -> bool:
        return self._started

    def __enter__(self) -> Any:
        if not self._started:
            self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.shutdown()

    # Settings every client kind has.

    def set_name_server_address(self, addr: Text) -> None:
        self._set('NameServerAddress', _to_bytes(addr))

    def set_name_server_domain(self, domain: Text) -> None:
        self._set('NameServerDomain', _to_bytes(domain))

    def set_session_credentials(self, access_key: Text, access_secret: Text,
                                channel: Text = '') -> None:
        self._set('SessionCredentials', _to_bytes(access_key), _to_bytes(access_secret),
                  _to_bytes(channel))

    def set_log_path(self, path: Union[str, bytes, 'os.PathLike[str]']) -> None:
        """The directory of the library's log file (process-wide; the first setting wins).
        Without it the library logs to $ROCKETMQ_CLIENT_LOG_DIR or
        $HOME/logs/rocketmq-client."""
        self._set('LogPath', _to_bytes(os.fspath(path)))

    def set_log_file_num_and_size(self, file_num: int, file_size: int) -> None:
        """How many log files to keep and the size of each in MB (process-wide)."""
        self._set('LogFileNumAndSize', file_num, file_size)

    def set_log_level(self, level: Union[LogLevel, int]) -> None:
        """The most verbose level the library logs (process-wide)."""
        self._set('LogLevel', int(level))

    def set_ssl(self, enable: bool = True) -> None:
        self._set('Ssl', 1 if enable else 0)

    def set_ssl_property_file(self, path: Union[str, 'os.PathLike[str]']) -> None:
        self._set('SslPropertyFile', _to_bytes(os.fspath(path)))

    def __repr__(self) -> str:
        state = 'closed' if self._handle is None else ('started' if self._started else 'created')
        return '<%s %s>' % (type(self).__name__, state)


class Producer(_Client):
    """A producer. ``orderly=True`` uses CreateOrderlyProducer, as 2.x did (orderly
    sends work on every producer of this library)."""

    _start_fn = 'StartProducer'
    _shutdown_fn = 'ShutdownProducer'
    _destroy_fn = 'DestroyProducer'
    _prefix = 'Producer'

    def __init__(self, group_id: Text, orderly: bool = False, timeout: Optional[int] = None,
                 compress_level: Optional[int] = None, max_message_size: Optional[int] = None, *,
                 name_server_address: Optional[Text] = None,
                 instance_name: Optional[Text] = None) -> None:
        super().__init__()
        self._callback_refs: List[Any] = []
        self._handle = self._create(group_id, orderly)
        self._configure(timeout, compress_level, max_message_size, name_server_address,
                        instance_name)

    def _create(self, group_id: Text, orderly: bool) -> int:
        fn = dll.CreateOrderlyProducer if orderly else dll.CreateProducer
        handle = fn(_to_bytes(group_id))
        if not handle:
            raise NullPointerException('Returned null pointer when create Producer: %s'
                                       % _last_error())
        return handle

    def _configure(self, timeout: Optional[int], compress_level: Optional[int],
                   max_message_size: Optional[int], name_server_address: Optional[Text],
                   instance_name: Optional[Text]) -> None:
        if timeout is not None:
            self.set_timeout(timeout)
        if compress_level is not None:
            self.set_compress_level(compress_level)
        if max_message_size is not None:
            self.set_max_message_size(max_message_size)
        if name_server_address is not None:
            self.set_name_server_address(name_server_address)
        if instance_name is not None:
            self.set_instance_name(instance_name)

    # settings

    def set_group(self, group_name: Text) -> None:
        self._set('GroupName', _to_bytes(group_name))

    def set_instance_name(self, name: Text) -> None:
        self._set('InstanceName', _to_bytes(name))

    def set_timeout(self, timeout: int) -> None:
        """The time limit of one send, in milliseconds."""
        self._set('SendMsgTimeout', timeout)

    def set_compress_level(self, level: int) -> None:
        self._set('CompressLevel', level)

    def set_max_message_size(self, max_size: int) -> None:
        self._set('MaxMessageSize', max_size)

    def set_message_trace(self, message_trace: bool) -> None:
        # 2.x computed `flag and OPEN or CLOSE`, always CLOSE since OPEN is 0.
        self._set('MessageTrace', int(TraceModel.OPEN if message_trace else TraceModel.CLOSE))

    @property
    def version(self) -> str:
        return (dll.ShowProducerVersion(self._h()) or b'').decode('utf-8', 'replace')

    # sending

    def send_sync(self, msg: Message) -> SendResult:
        c_result = _CSendResult()
        ffi_check(dll.SendMessageSync(self._h(), msg, ctypes.byref(c_result)))
        return _send_result(c_result)

    def send_oneway(self, msg: Message) -> None:
        ffi_check(dll.SendMessageOneway(self._h(), msg))

    def send_orderly_with_sharding_key(self, msg: Message, sharding_key: Text) -> SendResult:
        c_result = _CSendResult()
        ffi_check(dll.SendMessageOrderlyByShardingKey(self._h(), msg, _to_bytes(sharding_key),
                                                      ctypes.byref(c_result)))
        return _send_result(c_result)

    def send_batch(self, msgs: Iterable[Message]) -> SendResult:
        """Sends messages of one topic in one request; they are stored in order in one
        queue. The result's msg_id is empty."""
        batch = dll.CreateBatchMessage()
        if not batch:
            raise NullPointerException('CreateBatchMessage failed: %s' % _last_error())
        try:
            for msg in msgs:
                ffi_check(dll.AddMessage(batch, msg))
            c_result = _CSendResult()
            ffi_check(dll.SendBatchMessage(self._h(), batch, ctypes.byref(c_result)))
            return _send_result(c_result)
        finally:
            dll.DestroyBatchMessage(batch)

    def send_async(self, msg: Message,
                   success_callback: Optional[Callable[[SendResult], Any]] = None,
                   exception_callback: Optional[Callable[[ProducerSendAsyncFailed], Any]] = None
                   ) -> 'concurrent.futures.Future[SendResult]':
        """Starts sending and returns at once.

        The returned future completes with the SendResult or a ProducerSendAsyncFailed;
        ``success_callback(result)`` or ``exception_callback(exc)`` also run, on a
        library thread, if given. Raises at once if the send cannot start.
        """
        future: concurrent.futures.Future = concurrent.futures.Future()
        token = next(_async_tokens)
        with _async_lock:
            # Before the call: the result may arrive before SendAsync returns.
            _pending_async[token] = (future, msg, success_callback, exception_callback)
        status = dll.SendAsync(self._h(), msg, _ASYNC_SUCCESS_THUNK, _ASYNC_EXCEPTION_THUNK, token)
        if status != 0:
            _take_pending(token)
            ffi_check(status)
        return future

    def _selector_thunk(self, msg: Message, arg: Any, selector: Optional[QueueSelector],
                        errors: List[BaseException]) -> Any:
        chosen = selector or hashing_queue_selector

        def _select(size: int, _c_msg: int, _c_arg: int) -> int:
            try:
                return int(chosen(size, msg, arg))
            except BaseException as exc:  # reported once the send returns
                errors.append(exc)
                return 0
        return QUEUE_SELECTOR_CALLBACK(_select)

    def send_orderly(self, msg: Message, arg: Any, retry_times: int = 3,
                     queue_selector: Optional[QueueSelector] = None) -> SendResult:
        """Sends to the queue ``queue_selector(queue_count, msg, arg)`` picks (default:
        a stable hash of ``arg``), so messages with the same ``arg`` keep their order.
        An exception in the selector is raised after the send, which then went to
        queue 0."""
        errors: List[BaseException] = []
        thunk = self._selector_thunk(msg, arg, queue_selector, errors)
        c_result = _CSendResult()
        # The C API refuses a NULL arg; the selector reads `arg` from its closure.
        status = dll.SendMessageOrderly(self._h(), msg, thunk, 1, retry_times,
                                        ctypes.byref(c_result))
        if errors:
            raise errors[0]
        ffi_check(status)
        return _send_result(c_result)

    def send_oneway_orderly(self, msg: Message, arg: Any,
                            queue_selector: Optional[QueueSelector] = None) -> None:
        errors: List[BaseException] = []
        thunk = self._selector_thunk(msg, arg, queue_selector, errors)
        status = dll.SendMessageOnewayOrderly(self._h(), msg, thunk, 1)
        if errors:
            raise errors[0]
        ffi_check(status)


def _transaction_status(value: Any, what: str) -> int:
    try:
        return int(TransactionStatus(value))
    except (ValueError, TypeError):
        logger.error('%s returned %r, not a TransactionStatus; answering UNKNOWN', what, value)
        return int(TransactionStatus.UNKNOWN)


class TransactionMQProducer(Producer):
    """A producer of transaction messages.

    ``checker_callback(msg) -> TransactionStatus`` answers the broker's checks of
    transactions left UNKNOWN; it runs on a library thread. An exception in it, or
    a value that is not a TransactionStatus, is logged and answered UNKNOWN.
    """

    def __init__(self, group_id: Text, checker_callback: Callable[[ReceivedMessage], Any],
                 user_args: Any = None, timeout: Optional[int] = None,
                 compress_level: Optional[int] = None, max_message_size: Optional[int] = None, *,
                 name_server_address: Optional[Text] = None,
                 instance_name: Optional[Text] = None) -> None:
        _Client.__init__(self)
        self._callback_refs = []
        self._user_args = user_args

        def _on_check(_producer: int, c_message: int, _user_data: int) -> int:
            msg = ReceivedMessage(c_message)
            _callback_context.client = self
            try:
                return _transaction_status(checker_callback(msg), 'transaction checker')
            except BaseException:
                logger.exception('transaction checker raised; answering UNKNOWN')
                return int(TransactionStatus.UNKNOWN)
            finally:
                _callback_context.client = None
                msg._invalidate()

        self._check_thunk = TRANSACTION_CHECK_CALLBACK(_on_check)
        self._callback_refs.append(self._check_thunk)
        handle = dll.CreateTransactionProducer(_to_bytes(group_id), self._check_thunk, None)
        if not handle:
            raise NullPointerException('Returned null pointer when create transaction producer: %s'
                                       % _last_error())
        self._handle = handle
        self._configure(timeout, compress_level, max_message_size, name_server_address,
                        instance_name)

    def send_message_in_transaction(self, message: Message,
                                    local_execute: Callable[[ReceivedMessage, Any], Any],
                                    user_args: Any = None) -> SendResult:
        """Stores ``message`` as prepared, runs ``local_execute(msg, user_args)`` on this
        thread, and commits, rolls back or leaves the transaction to the checker
        according to its TransactionStatus. As in Java's client, an exception in
        ``local_execute`` is logged and counts as UNKNOWN."""

        def _on_local_execute(_producer: int, c_message: int, _user_data: int) -> int:
            msg = ReceivedMessage(c_message)
            try:
                return _transaction_status(local_execute(msg, user_args), 'local transaction')
            except BaseException:
                logger.exception('local transaction raised; answering UNKNOWN')
                return int(TransactionStatus.UNKNOWN)
            finally:
                msg._invalidate()

        thunk = LOCAL_TRANSACTION_EXECUTE_CALLBACK(_on_local_execute)
        c_result = _CSendResult()
        # The library calls `thunk` before returning, so a local reference suffices.
        ffi_check(dll.SendMessageTransaction(self._h(), message, thunk, None,
                                             ctypes.byref(c_result)))
        return _send_result(c_result)


# ---- push consumer --------------------------------------------------------------------------

ConsumeCallback = Callable[[ReceivedMessage], Any]


def _consume_status(value: Any) -> int:
    if value is None:  # a callback that returns nothing has consumed the message
        return int(ConsumeStatus.CONSUME_SUCCESS)
    if isinstance(value, bool):
        value = None  # True == 1 == RECONSUME_LATER would be a trap
    try:
        return int(ConsumeStatus(value))
    except (ValueError, TypeError):
        logger.error('consume callback returned %r, not a ConsumeStatus; answering '
                     'RECONSUME_LATER', value)
        return int(ConsumeStatus.RECONSUME_LATER)


class PushConsumer(_Client):
    """A push consumer: the library pulls in the background and calls back.

    ``subscribe(topic, callback)`` as in 2.x, or ``listen(topic)`` for a blocking
    iterator. Unlike 2.x (where the last callback registered received every
    topic), each subscribed topic goes to its own callback.
    """

    _start_fn = 'StartPushConsumer'
    _shutdown_fn = 'ShutdownPushConsumer'
    _destroy_fn = 'DestroyPushConsumer'
    _prefix = 'PushConsumer'

    def __init__(self, group_id: Text, orderly: bool = False,
                 message_model: MessageModel = MessageModel.CLUSTERING, *,
                 name_server_address: Optional[Text] = None,
                 thread_count: Optional[int] = None,
                 instance_name: Optional[Text] = None) -> None:
        super().__init__()
        handle = dll.CreatePushConsumer(_to_bytes(group_id))
        if not handle:
            raise NullPointerException('Returned null pointer when create PushConsumer: %s'
                                       % _last_error())
        self._handle = handle
        self._orderly = orderly
        self._callbacks: Dict[str, ConsumeCallback] = {}
        self._last_callback: Optional[ConsumeCallback] = None
        self._thunk: Optional[Any] = None
        self._callback_refs: List[Any] = []
        self._streams: Set['_StreamState'] = set()
        self.set_message_model(message_model)
        if name_server_address is not None:
            self.set_name_server_address(name_server_address)
        if thread_count is not None:
            self.set_thread_count(thread_count)
        if instance_name is not None:
            self.set_instance_name(instance_name)

    def __enter__(self) -> 'PushConsumer':
        # 2.x started here; starting without a subscription can only fail, so wait
        # for listen() or an explicit start() then.
        if not self._started and self._callbacks:
            self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.shutdown()

    def set_message_model(self, model: MessageModel) -> None:
        self._set('MessageModel', int(model))

    def set_group(self, group_id: Text) -> None:
        self._set('GroupID', _to_bytes(group_id))

    @property
    def group(self) -> str:
        value = dll.GetPushConsumerGroupID(self._h())
        if value is None:
            raise RocketMQException(_last_error())
        return value.decode('utf-8')

    def set_thread_count(self, thread_count: int) -> None:
        self._set('ThreadCount', thread_count)

    def set_message_batch_max_size(self, max_size: int) -> None:
        self._set('MessageBatchMaxSize', max_size)

    def set_instance_name(self, name: Text) -> None:
        self._set('InstanceName', _to_bytes(name))

    def set_max_cache_message_size(self, size: int) -> None:
        self._set('MaxCacheMessageSize', size)

    def set_message_trace(self, message_trace: bool) -> None:
        self._set('MessageTrace', int(TraceModel.OPEN if message_trace else TraceModel.CLOSE))

    @property
    def version(self) -> str:
        return (dll.ShowPushConsumerVersion(self._h()) or b'').decode('utf-8', 'replace')

    def subscribe(self, topic: Text, callback: ConsumeCallback, expression: Text = '*') -> None:
        """Consumes ``topic`` (messages whose tag matches ``expression``) with
        ``callback(msg) -> ConsumeStatus``. Returning None counts as CONSUME_SUCCESS;
        an exception is logged and answered RECONSUME_LATER."""
        ffi_check(dll.Subscribe(self._h(), _to_bytes(topic), _to_bytes(expression)))
        self._callbacks[maybe_decode(topic)] = callback
        self._last_callback = callback
        if self._thunk is None:
            self._register_callback(self._dispatch)

    def _dispatch(self, _consumer: int, c_msg: int) -> int:
        msg = ReceivedMessage(c_msg)
        _callback_context.client = self
        try:
            callback = self._last_callback
            if len(self._callbacks) > 1:
                callback = self._callbacks.get(msg.topic, callback)
            if callback is None:
                return int(ConsumeStatus.RECONSUME_LATER)
            return _consume_status(callback(msg))
        except BaseException:
            logger.exception('consume callback raised; answering RECONSUME_LATER')
            return int(ConsumeStatus.RECONSUME_LATER)
        finally:
            _callback_context.client = None
            msg._invalidate()

    def _register_callback(self, callback: Callable[[int, int], int]) -> None:
        register = (dll.RegisterMessageCallbackOrderly if self._orderly
                    else dll.RegisterMessageCallback)
        thunk = MSG_CALLBACK_FUNC(callback)
        # Referenced for the consumer's life: C may call it until shutdown returns.
        self._callback_refs.append(thunk)
        ffi_check(register(self._h(), thunk))
        self._thunk = thunk

    def _unregister_callback(self) -> None:
        if self._orderly:
            ffi_check(dll.UnregisterMessageCallbackOrderly(self._h()))
        ffi_check(dll.UnregisterMessageCallback(self._h()))
        self._thunk = None
        self._callbacks.clear()
        self._last_callback = None

    def listen(self, topic: Union[Text, Sequence[Text]], expression: Text = '*', *,
               idle_timeout: Optional[float] = None) -> 'MessageStream':
        """Subscribes to ``topic`` (one or several), starts the consumer and returns a
        blocking iterator of its messages::

            with consumer.listen('TopicTest') as messages:
                for msg in messages:
                    handle(msg)

        Each message is acknowledged (CONSUME_SUCCESS) when the loop asks for the
        next one, or when the ``with`` block ends normally; an exception ending the
        block answers RECONSUME_LATER. A stream dropped without ``with`` or
        ``close()`` (an exception, Ctrl-C, ``break``) answers RECONSUME_LATER for the
        message in hand. Closing the stream shuts the consumer down.
        ``idle_timeout`` ends the iteration after that many seconds without a message.
        """
        state = _StreamState()
        self._attach_stream(state, topic, expression)
        return MessageStream(self, idle_timeout, state)

    def _attach_stream(self, state: '_StreamState', topic: Union[Text, Sequence[Text]],
                       expression: Text) -> None:
        topics = [topic] if isinstance(topic, (str, bytes)) else list(topic)
        for t in topics:
            self.subscribe(t, state.deliver, expression)
        self._streams.add(state)
        if not self._started:
            self.start()

    def _before_shutdown(self) -> None:
        # Release every library thread parked in a stream before the library
        # waits for them.
        for state in list(self._streams):
            state.release_all(int(ConsumeStatus.RECONSUME_LATER))


class _Delivery(object):
    __slots__ = ('msg', 'status', 'done')

    def __init__(self, msg: ReceivedMessage) -> None:
        self.msg = msg
        self.status = int(ConsumeStatus.RECONSUME_LATER)
        self.done = threading.Event()

    def answer(self, status: int) -> None:
        if not self.done.is_set():
            self.status = status
            self.done.set()


_CLOSED = object()
_WAKE_INTERVAL = 0.5


class _StreamState(object):
    """What library threads share with a stream's reader.

    Kept apart from the stream object so that a library thread parked in
    ``deliver`` does not keep the stream alive: a stream the program drops (a
    ``break``, an exception, Ctrl-C) is collected at once, and its finalizer frees
    the parked threads.
    """

    def __init__(self, push: Optional[Callable[[Any], None]] = None) -> None:
        self.queue: 'queue.Queue[Any]' = queue.Queue()
        self.push = push or self.queue.put
        self.lock = threading.Lock()
        self.closed = False
        self.current: Optional[_Delivery] = None

    def deliver(self, msg: ReceivedMessage) -> int:
        delivery = _Delivery(msg)
        with self.lock:
            if self.closed:
                return int(ConsumeStatus.RECONSUME_LATER)
            try:
                self.push(delivery)
            except RuntimeError:  # an asyncio loop that is closed
                return int(ConsumeStatus.RECONSUME_LATER)
        # The message stays valid while this thread waits: the reader's loop body
        # reads it.
        delivery.done.wait()
        return delivery.status

    def ack(self, status: int) -> None:
        # Forgotten only once answered: a Ctrl-C inside answer() leaves it in hand,
        # so that closing the stream still answers it and frees its library thread.
        current = self.current
        if current is not None:
            current.answer(status)
            self.current = None

    def release_all(self, status: int) -> None:
        with self.lock:
            self.closed = True
            pending = []
            while True:
                try:
                    pending.append(self.queue.get_nowait())
                except queue.Empty:
                    break
            self.queue.put(_CLOSED)
        self.ack(status)
        for item in pending:
            if isinstance(item, _Delivery):
                item.answer(int(ConsumeStatus.RECONSUME_LATER))


class MessageStream(object):
    """Blocking iterator of a PushConsumer's messages; see :meth:`PushConsumer.listen`."""

    def __init__(self, consumer: PushConsumer, idle_timeout: Optional[float] = None,
                 state: Optional[_StreamState] = None) -> None:
        self._consumer: Optional[PushConsumer] = consumer
        self._idle_timeout = idle_timeout
        self._state = state or _StreamState()

    def __iter__(self) -> 'MessageStream':
        return self

    def __next__(self) -> ReceivedMessage:
        state = self._state
        try:
            state.ack(int(ConsumeStatus.CONSUME_SUCCESS))
            deadline = None if self._idle_timeout is None else \
                time.monotonic() + self._idle_timeout
            if state.closed:
                raise StopIteration
            try:
                item = state.queue.get_nowait()
            except queue.Empty:
                item = self._wait(state, deadline)  # StopIteration when idle too long
        except StopIteration:
            if not state.closed:
                self.close(ConsumeStatus.RECONSUME_LATER)
            raise
        except BaseException:
            # Ctrl-C anywhere in here, not only while waiting (acknowledging the last
            # message runs Python code too): the traceback keeps this stream alive (its
            # frames are in it), so close it now rather than when it is freed.
            self.close(ConsumeStatus.RECONSUME_LATER)
            raise
        if item is _CLOSED:
            state.queue.put(_CLOSED)  # later calls stop too
            raise StopIteration
        state.current = item
        return item.msg

    @staticmethod
    def _wait(state: _StreamState, deadline: Optional[float]) -> Any:
        while True:
            # Short waits: Python runs signal handlers (Ctrl-C) between them even
            # when the kernel delivered the signal to a library thread.
            wait = _WAKE_INTERVAL if deadline is None else \
                min(_WAKE_INTERVAL, deadline - time.monotonic())
            if wait <= 0:
                raise StopIteration
            try:
                return state.queue.get(timeout=wait)
            except queue.Empty:
                continue

    def ack(self, status: ConsumeStatus = ConsumeStatus.CONSUME_SUCCESS) -> None:
        """Answers the message in hand now (the loop does it when it moves on)."""
        self._state.ack(int(status))

    def close(self, status: ConsumeStatus = ConsumeStatus.CONSUME_SUCCESS) -> None:
        """Answers the message in hand with ``status``, every waiting one with
        RECONSUME_LATER, and shuts the consumer down."""
        self._state.release_all(int(status))
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            consumer._streams.discard(self._state)
            consumer.shutdown()

    def __enter__(self) -> 'MessageStream':
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        self.close(ConsumeStatus.CONSUME_SUCCESS if exc_type is None
                   else ConsumeStatus.RECONSUME_LATER)

    def __del__(self) -> None:
        try:
            if self._consumer is not None and not ffi.is_forked_child():
                self.close(ConsumeStatus.RECONSUME_LATER)
        except Exception:
            pass


# ---- pull consumer --------------------------------------------------------------------------

class PullResult(object):
    """The outcome of one pull. Its messages stay valid until ``release()``, the end of
    a ``with`` block, or until neither the result nor any of its messages is
    referenced."""

    def __init__(self, c_result: _CPullResult) -> None:
        self._c = c_result
        self._released = False
        self.error: Optional[str] = None
        self.status: Union[PullStatus, int]
        try:
            self.status = PullStatus(c_result.pullStatus)
        except ValueError:
            self.status = c_result.pullStatus
        self.next_begin_offset: int = c_result.nextBeginOffset
        self.min_offset: int = c_result.minOffset
        self.max_offset: int = c_result.maxOffset
        self.messages: List[ReceivedMessage] = [
            ReceivedMessage(c_result.msgFoundList[i], self) for i in range(c_result.size)
        ] if c_result.size > 0 and c_result.msgFoundList else []

    def release(self) -> None:
        if self._released:
            return
        self._released = True
        for msg in self.messages:
            msg._invalidate()
        if self.status == PullStatus.FOUND and not ffi.is_forked_child():
            dll.ReleasePullResult(self._c)

    def __enter__(self) -> 'PullResult':
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release()

    def __del__(self) -> None:
        try:
            self.release()
        except Exception:
            pass

    def __iter__(self) -> Iterator[ReceivedMessage]:
        return iter(self.messages)

    def __len__(self) -> int:
        return len(self.messages)

    def __repr__(self) -> str:
        return '<PullResult %s next=%d min=%d max=%d messages=%d>' % (
            getattr(self.status, 'name', self.status), self.next_begin_offset, self.min_offset,
            self.max_offset, len(self.messages))


class PullConsumer(_Client):
    """Reads queues at offsets the program keeps (in memory by default: override
    ``get_message_queue_offset`` / ``set_message_queue_offset`` to store them)."""

    _start_fn = 'StartPullConsumer'
    _shutdown_fn = 'ShutdownPullConsumer'
    _destroy_fn = 'DestroyPullConsumer'
    _prefix = 'PullConsumer'

    def __init__(self, group_id: Text, *, name_server_address: Optional[Text] = None) -> None:
        super().__init__()
        handle = dll.CreatePullConsumer(_to_bytes(group_id))
        if not handle:
            raise NullPointerException('CreatePullConsumer returned null pointer: %s'
                                       % _last_error())
        self._handle = handle
        self._offsets: Dict[MessageQueue, int] = {}
        if name_server_address is not None:
            self.set_name_server_address(name_server_address)

    def __enter__(self) -> 'PullConsumer':
        if not self._started:
            self.start()
        return self

    def set_group(self, group_id: Text) -> None:
        self._set('GroupID', _to_bytes(group_id))

    # 2021's pull-consumer proposal for 2.x named it so.
    set_namesrv_domain = _Client.set_name_server_domain

    @property
    def group(self) -> str:
        value = dll.GetPullConsumerGroupID(self._h())
        if value is None:
            raise RocketMQException(_last_error())
        return value.decode('utf-8')

    def fetch_message_queues(self, topic: Text) -> List[MessageQueue]:
        """The readable queues of ``topic``."""
        mqs = ctypes.POINTER(_CMessageQueue)()
        size = ctypes.c_int()
        ffi_check(dll.FetchSubscriptionMessageQueues(self._h(), _to_bytes(topic),
                                                     ctypes.byref(mqs), ctypes.byref(size)))
        try:
            return [MessageQueue(mqs[i].topic.decode('utf-8'), mqs[i].brokerName.decode('utf-8'),
                                 mqs[i].queueId) for i in range(size.value)]
        finally:
            if mqs:
                dll.ReleaseSubscriptionMessageQueue(mqs)

    fetch_subscription_message_queues = fetch_message_queues

    def pull(self, mq: MessageQueue, expression: Text = '*', offset: int = 0,
             max_nums: int = 32) -> PullResult:
        """Reads up to ``max_nums`` messages of ``mq`` from ``offset`` (no waiting).
        A failed request gives status BROKER_TIMEOUT; its reason is ``result.error``."""
        c_mq = _CMessageQueue(_to_bytes(mq[0]), _to_bytes(mq[1]), int(mq[2]))
        c_result = dll.Pull(self._h(), ctypes.byref(c_mq), _to_bytes(expression), offset, max_nums)
        result = PullResult(c_result)
        if result.status == PullStatus.BROKER_TIMEOUT:
            result.error = _last_error()
        return result

    def get_message_queue_offset(self, mq: MessageQueue) -> int:
        return self._offsets.get(MessageQueue(*mq), 0)

    def set_message_queue_offset(self, mq: MessageQueue, offset: int) -> None:
        self._offsets[MessageQueue(*mq)] = offset

    def pull_messages(self, topic: Text, expression: Text = '*',
                      max_num: int = 32) -> Iterator[ReceivedMessage]:
        """Every message of ``topic`` from the kept offsets to the current end of each
        queue, advancing the offsets as it goes."""
        for mq in self.fetch_message_queues(topic):
            while True:
                offset = self.get_message_queue_offset(mq)
                result = self.pull(mq, expression, offset, max_num)
                if result.status == PullStatus.BROKER_TIMEOUT:
                    raise exception_for_status(32, result.error)
                if result.status in (PullStatus.FOUND, PullStatus.NO_MATCHED_MSG,
                                     PullStatus.OFFSET_ILLEGAL):
                    self.set_message_queue_offset(mq, result.next_begin_offset)
                for msg in result.messages:
                    yield msg
                if result.status == PullStatus.NO_NEW_MSG or \
                        result.next_begin_offset <= offset:
                    break
