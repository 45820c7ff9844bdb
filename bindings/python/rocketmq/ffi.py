"""ctypes declarations of the librocketmq C API, and the loading of the library.

Every C function of include/*.h is declared once, in ``_FUNCTIONS``, with its
argument and result types. Nothing else in the package calls ``ctypes`` on
the library directly, so a signature is fixed in one place.

Locating and loading are separate steps:

* locating runs at import time, so a missing library is an ImportError right
  away, as with rocketmq-client-python;
* loading (``dlopen``) waits until the library is first used. The library's Go
  runtime starts threads when it is loaded, and a process that forks after
  that cannot use it in the child (the child's runtime has lost those threads
  and hangs at its next garbage collection). Loading late makes ``import
  rocketmq.client`` before ``os.fork()``, multiprocessing or a pre-forking
  server harmless; a child whose parent had already used the library gets
  :class:`LibraryUnusableAfterFork` instead of a hang.

Where the library is looked for, in order:

1. next to this file (a wheel built here carries its own copy);
2. the path in the environment variable ``ROCKETMQ_LIBRARY``;
3. the system's ``librocketmq`` through :func:`ctypes.util.find_library`.

The names mirror rocketmq-client-python 2.x's ``rocketmq.ffi`` (``dll``,
``_CSendResult``, ``MSG_CALLBACK_FUNC``, ``MessageModel``, ``TraceModel``...)
so code that reached into it keeps working.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
import threading
from ctypes import (
    CFUNCTYPE, POINTER, Structure, c_char, c_char_p, c_int, c_long, c_longlong, c_void_p,
)
from enum import IntEnum
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

__all__ = [
    'dll', 'load', 'is_loaded', 'has_symbol', 'library_path', 'library_source', 'locate_library',
    'LibraryNotFound', 'LibraryUnusableAfterFork', 'MissingSymbol',
    'MessageModel', 'TraceModel', '_CStatus', '_CLogLevel', '_CPullStatus', '_CSendResult',
    '_CMessageQueue', '_CMQException', '_CPullResult',
    'MSG_CALLBACK_FUNC', 'TRANSACTION_CHECK_CALLBACK', 'LOCAL_TRANSACTION_EXECUTE_CALLBACK',
    'QUEUE_SELECTOR_CALLBACK', 'SEND_SUCCESS_CALLBACK', 'SEND_EXCEPTION_CALLBACK',
    'ON_SEND_SUCCESS_CALLBACK', 'ON_SEND_EXCEPTION_CALLBACK',
]

ENV_LIBRARY = 'ROCKETMQ_LIBRARY'

# ---- enums and sizes of CCommon.h and friends ----------------------------------------------

MAX_MESSAGE_ID_LENGTH = 256
MAX_TOPIC_LENGTH = 512
MAX_BROKER_NAME_ID_LENGTH = 256
MAX_EXEPTION_MSG_LENGTH = 512
MAX_EXEPTION_FILE_LENGTH = 256
MAX_EXEPTION_TYPE_LENGTH = 128


class _CStatus(IntEnum):
    OK = 0
    NULL_POINTER = 1
    MALLOC_FAILED = 2
    PRODUCER_START_FAILED = 10
    PRODUCER_SEND_SYNC_FAILED = 11
    PRODUCER_SEND_ONEWAY_FAILED = 12
    PRODUCER_SEND_ORDERLY_FAILED = 13
    PRODUCER_SEND_ASYNC_FAILED = 14
    PRODUCER_SEND_ORDERLYASYNC_FAILED = 15
    PRODUCER_SEND_TRANSACTION_FAILED = 16
    PUSH_CONSUMER_START_FAILED = 20
    PULL_CONSUMER_START_FAILED = 30
    PULL_CONSUMER_FETCH_MQ_FAILED = 31
    PULL_CONSUMER_FETCH_MESSAGE_FAILED = 32
    NOT_SUPPORT = 500
    NOT_SUPPORT_NOW = -1


class _CLogLevel(IntEnum):
    FATAL = 1
    ERROR = 2
    WARN = 3
    INFO = 4
    DEBUG = 5
    TRACE = 6
    LEVEL_NUM = 7


class MessageModel(IntEnum):
    BROADCASTING = 0
    CLUSTERING = 1


class TraceModel(IntEnum):
    OPEN = 0
    CLOSE = 1


class _CPullStatus(IntEnum):
    E_FOUND = 0
    E_NO_NEW_MSG = 1
    E_NO_MATCHED_MSG = 2
    E_OFFSET_ILLEGAL = 3
    E_BROKER_TIMEOUT = 4


# ---- structs (layouts of include/*.h, checked against C in tests) ---------------------------

class _CSendResult(Structure):
    _fields_ = [
        ('sendStatus', c_int),
        ('msgId', c_char * MAX_MESSAGE_ID_LENGTH),
        ('offset', c_longlong),
    ]


class _CMessageQueue(Structure):
    _fields_ = [
        ('topic', c_char * MAX_TOPIC_LENGTH),
        ('brokerName', c_char * MAX_BROKER_NAME_ID_LENGTH),
        ('queueId', c_int),
    ]


# rocketmq-client-python declared file[512], msg[512], type[512]; the C headers
# say otherwise, and the struct is passed by value, so the sizes matter here.
class _CMQException(Structure):
    _fields_ = [
        ('error', c_int),
        ('line', c_int),
        ('file', c_char * MAX_EXEPTION_FILE_LENGTH),
        ('msg', c_char * MAX_EXEPTION_MSG_LENGTH),
        ('type', c_char * MAX_EXEPTION_TYPE_LENGTH),
    ]


class _CPullResult(Structure):
    _fields_ = [
        ('pullStatus', c_int),
        ('nextBeginOffset', c_longlong),
        ('minOffset', c_longlong),
        ('maxOffset', c_longlong),
        ('msgFoundList', POINTER(c_void_p)),
        ('size', c_int),
        ('pData', c_void_p),
    ]


# ---- callback types -------------------------------------------------------------------------
# CFUNCTYPE thunks take the GIL themselves when the library calls them from its
# own threads.

# int (*MessageCallBack)(CPushConsumer*, CMessageExt*)
MSG_CALLBACK_FUNC = CFUNCTYPE(c_int, c_void_p, c_void_p)
# CTransactionStatus (*)(CProducer*, CMessageExt*, void*)
TRANSACTION_CHECK_CALLBACK = CFUNCTYPE(c_int, c_void_p, c_void_p, c_void_p)
# CTransactionStatus (*)(CProducer*, CMessage*, void*)
LOCAL_TRANSACTION_EXECUTE_CALLBACK = CFUNCTYPE(c_int, c_void_p, c_void_p, c_void_p)
# int (*QueueSelectorCallback)(int size, CMessage* msg, void* arg)
QUEUE_SELECTOR_CALLBACK = CFUNCTYPE(c_int, c_int, c_void_p, c_void_p)
# The structs travel by value (rocketmq-client-python 2.x had a pointer here).
SEND_SUCCESS_CALLBACK = CFUNCTYPE(None, _CSendResult)
SEND_EXCEPTION_CALLBACK = CFUNCTYPE(None, _CMQException)
ON_SEND_SUCCESS_CALLBACK = CFUNCTYPE(None, _CSendResult, c_void_p, c_void_p)
ON_SEND_EXCEPTION_CALLBACK = CFUNCTYPE(None, _CMQException, c_void_p, c_void_p)

# ---- every function of the C API ------------------------------------------------------------

_p, _s, _i, _l, _ll = c_void_p, c_char_p, c_int, c_long, c_longlong

# name: (restype, argtypes). Handles are c_void_p. String results are c_char_p
# (copied into bytes at once, NULL -> None) except bodies, which are read with
# their length so binary bodies survive NUL bytes.
_FUNCTIONS: Dict[str, Tuple[Any, Sequence[Any]]] = {
    # CErrorMessage.h
    'GetLatestErrorMessage': (_s, ()),
    # CMessage.h
    'CreateMessage': (_p, (_s,)),
    'DestroyMessage': (_i, (_p,)),
    'SetMessageTopic': (_i, (_p, _s)),
    'SetMessageTags': (_i, (_p, _s)),
    'SetMessageKeys': (_i, (_p, _s)),
    'SetMessageBody': (_i, (_p, _s)),
    'SetByteMessageBody': (_i, (_p, c_void_p, _i)),
    'SetMessageProperty': (_i, (_p, _s, _s)),
    'SetDelayTimeLevel': (_i, (_p, _i)),
    'GetOriginMessageTopic': (_s, (_p,)),
    'GetOriginMessageTags': (_s, (_p,)),
    'GetOriginMessageKeys': (_s, (_p,)),
    'GetOriginMessageBody': (c_void_p, (_p,)),
    'GetOriginMessageBodyLength': (_i, (_p,)),
    'GetOriginMessageProperty': (_s, (_p, _s)),
    'GetOriginDelayTimeLevel': (_i, (_p,)),
    # CMessageExt.h
    'GetMessageTopic': (_s, (_p,)),
    'GetMessageTags': (_s, (_p,)),
    'GetMessageKeys': (_s, (_p,)),
    'GetMessageBody': (c_void_p, (_p,)),
    'GetMessageBodyLength': (_i, (_p,)),
    'GetMessageProperty': (_s, (_p, _s)),
    'GetMessageId': (_s, (_p,)),
    'GetMessageDelayTimeLevel': (_i, (_p,)),
    'GetMessageQueueId': (_i, (_p,)),
    'GetMessageReconsumeTimes': (_i, (_p,)),
    'GetMessageStoreSize': (_i, (_p,)),
    'GetMessageBornTimestamp': (_ll, (_p,)),
    'GetMessageStoreTimestamp': (_ll, (_p,)),
    'GetMessageQueueOffset': (_ll, (_p,)),
    'GetMessageCommitLogOffset': (_ll, (_p,)),
    'GetMessagePreparedTransactionOffset': (_ll, (_p,)),
    'GetMessageStoreHost': (_s, (_p,)),
    'GetMessageBornHost': (_s, (_p,)),
    # CBatchMessage.h
    'CreateBatchMessage': (_p, ()),
    'AddMessage': (_i, (_p, _p)),
    'DestroyBatchMessage': (_i, (_p,)),
    # CProducer.h
    'CreateProducer': (_p, (_s,)),
    'CreateOrderlyProducer': (_p, (_s,)),
    'CreateTransactionProducer': (_p, (_s, TRANSACTION_CHECK_CALLBACK, _p)),
    'DestroyProducer': (_i, (_p,)),
    'StartProducer': (_i, (_p,)),
    'ShutdownProducer': (_i, (_p,)),
    'ShowProducerVersion': (_s, (_p,)),
    'SetProducerNameServerAddress': (_i, (_p, _s)),
    'SetProducerNameServerDomain': (_i, (_p, _s)),
    'SetProducerGroupName': (_i, (_p, _s)),
    'SetProducerInstanceName': (_i, (_p, _s)),
    'SetProducerSessionCredentials': (_i, (_p, _s, _s, _s)),
    'SetProducerLogPath': (_i, (_p, _s)),
    'SetProducerLogFileNumAndSize': (_i, (_p, _i, _l)),
    'SetProducerLogLevel': (_i, (_p, _i)),
    'SetProducerSendMsgTimeout': (_i, (_p, _i)),
    'SetProducerCompressLevel': (_i, (_p, _i)),
    'SetProducerMaxMessageSize': (_i, (_p, _i)),
    'SetProducerMessageTrace': (_i, (_p, _i)),
    'SetProducerSsl': (_i, (_p, _i)),
    'SetProducerSslPropertyFile': (_i, (_p, _s)),
    'SendMessageSync': (_i, (_p, _p, POINTER(_CSendResult))),
    'SendBatchMessage': (_i, (_p, _p, POINTER(_CSendResult))),
    'SendMessageAsync': (_i, (_p, _p, SEND_SUCCESS_CALLBACK, SEND_EXCEPTION_CALLBACK)),
    'SendAsync': (_i, (_p, _p, ON_SEND_SUCCESS_CALLBACK, ON_SEND_EXCEPTION_CALLBACK, _p)),
    'SendMessageOneway': (_i, (_p, _p)),
    'SendMessageOnewayOrderly': (_i, (_p, _p, QUEUE_SELECTOR_CALLBACK, _p)),
    'SendMessageOrderly': (_i, (_p, _p, QUEUE_SELECTOR_CALLBACK, _p, _i, POINTER(_CSendResult))),
    'SendMessageOrderlyAsync': (_i, (_p, _p, QUEUE_SELECTOR_CALLBACK, _p, SEND_SUCCESS_CALLBACK,
                                     SEND_EXCEPTION_CALLBACK)),
    'SendMessageOrderlyByShardingKey': (_i, (_p, _p, _s, POINTER(_CSendResult))),
    'SendMessageTransaction': (_i, (_p, _p, LOCAL_TRANSACTION_EXECUTE_CALLBACK, _p,
                                    POINTER(_CSendResult))),
    # CPushConsumer.h
    'CreatePushConsumer': (_p, (_s,)),
    'DestroyPushConsumer': (_i, (_p,)),
    'StartPushConsumer': (_i, (_p,)),
    'ShutdownPushConsumer': (_i, (_p,)),
    'ShowPushConsumerVersion': (_s, (_p,)),
    'SetPushConsumerGroupID': (_i, (_p, _s)),
    'GetPushConsumerGroupID': (_s, (_p,)),
    'SetPushConsumerNameServerAddress': (_i, (_p, _s)),
    'SetPushConsumerNameServerDomain': (_i, (_p, _s)),
    'Subscribe': (_i, (_p, _s, _s)),
    'RegisterMessageCallbackOrderly': (_i, (_p, MSG_CALLBACK_FUNC)),
    'RegisterMessageCallback': (_i, (_p, MSG_CALLBACK_FUNC)),
    'UnregisterMessageCallbackOrderly': (_i, (_p,)),
    'UnregisterMessageCallback': (_i, (_p,)),
    'SetPushConsumerThreadCount': (_i, (_p, _i)),
    'SetPushConsumerMessageBatchMaxSize': (_i, (_p, _i)),
    'SetPushConsumerInstanceName': (_i, (_p, _s)),
    'SetPushConsumerSessionCredentials': (_i, (_p, _s, _s, _s)),
    'SetPushConsumerLogPath': (_i, (_p, _s)),
    'SetPushConsumerLogFileNumAndSize': (_i, (_p, _i, _l)),
    'SetPushConsumerLogLevel': (_i, (_p, _i)),
    'SetPushConsumerMessageModel': (_i, (_p, _i)),
    'SetPushConsumerMaxCacheMessageSize': (_i, (_p, _i)),
    'SetPushConsumerMaxCacheMessageSizeInMb': (_i, (_p, _i)),
    'SetPushConsumerMessageTrace': (_i, (_p, _i)),
    'SetPushConsumerSsl': (_i, (_p, _i)),
    'SetPushConsumerSslPropertyFile': (_i, (_p, _s)),
    # CPullConsumer.h
    'CreatePullConsumer': (_p, (_s,)),
    'DestroyPullConsumer': (_i, (_p,)),
    'StartPullConsumer': (_i, (_p,)),
    'ShutdownPullConsumer': (_i, (_p,)),
    'ShowPullConsumerVersion': (_s, (_p,)),
    'SetPullConsumerGroupID': (_i, (_p, _s)),
    'GetPullConsumerGroupID': (_s, (_p,)),
    'SetPullConsumerNameServerAddress': (_i, (_p, _s)),
    'SetPullConsumerNameServerDomain': (_i, (_p, _s)),
    'SetPullConsumerSessionCredentials': (_i, (_p, _s, _s, _s)),
    'SetPullConsumerLogPath': (_i, (_p, _s)),
    'SetPullConsumerLogFileNumAndSize': (_i, (_p, _i, _l)),
    'SetPullConsumerLogLevel': (_i, (_p, _i)),
    'SetPullConsumerSsl': (_i, (_p, _i)),
    'SetPullConsumerSslPropertyFile': (_i, (_p, _s)),
    'FetchSubscriptionMessageQueues': (_i, (_p, _s, POINTER(POINTER(_CMessageQueue)), POINTER(c_int))),
    'ReleaseSubscriptionMessageQueue': (_i, (POINTER(_CMessageQueue),)),
    'Pull': (_CPullResult, (_p, POINTER(_CMessageQueue), _s, _ll, _i)),
    'ReleasePullResult': (_i, (_CPullResult,)),
}

del _p, _s, _i, _l, _ll


def declared_functions() -> List[str]:
    """The C functions this module declares, sorted."""
    return sorted(_FUNCTIONS)


# ---- locating ------------------------------------------------------------------------------

class LibraryNotFound(ImportError):
    """No librocketmq in any of the places searched."""


class LibraryUnusableAfterFork(RuntimeError):
    """The library was loaded before this process was forked from its parent."""


class MissingSymbol(AttributeError):
    """The loaded library does not export a function of the C API."""


def _library_file_names() -> List[str]:
    if sys.platform == 'win32':
        return ['librocketmq.dll', 'rocketmq.dll']
    if sys.platform == 'darwin':
        return ['librocketmq.dylib']
    return ['librocketmq.so']


def _bundled_candidates() -> List[str]:
    here = os.path.dirname(os.path.abspath(__file__))
    return [os.path.join(here, name) for name in _library_file_names()]


def _loader_path_dirs() -> List[str]:
    if sys.platform == 'win32':
        variables = ['PATH']
    elif sys.platform == 'darwin':
        variables = ['DYLD_LIBRARY_PATH', 'DYLD_FALLBACK_LIBRARY_PATH']
    else:
        variables = ['LD_LIBRARY_PATH']
    dirs: List[str] = []
    for var in variables:
        dirs.extend(d for d in os.environ.get(var, '').split(os.pathsep) if d)
    if sys.platform != 'win32':
        dirs.append('/usr/local/lib')  # `cmake --install` puts it there; ldconfig may not know it
    return dirs


def _find_system_library() -> Optional[str]:
    names = ['rocketmq']
    if sys.platform == 'win32':
        names.append('librocketmq')  # find_library takes Windows names as they are
    for name in names:
        try:
            found = ctypes.util.find_library(name)
        except Exception:  # it runs ldconfig/gcc/ld; any failure just means "not found"
            found = None
        if found:
            return found
    # find_library (CPython 3.11 on Linux) only returns libraries from the linker
    # cache, or ones with an ELF SONAME: a library without a SONAME sitting in an
    # LD_LIBRARY_PATH directory is found by gcc/ld and then dropped. Look there too.
    for directory in _loader_path_dirs():
        for file_name in _library_file_names():
            path = os.path.join(directory, file_name)
            if os.path.isfile(path):
                return path
    return None


def locate_library() -> Tuple[str, str]:
    """Finds librocketmq without loading it.

    Returns ``(path, source)`` where source is ``'bundled'``, ``'ROCKETMQ_LIBRARY'`` or
    ``'system'``. Raises :class:`LibraryNotFound` (an ImportError) naming every place
    searched.
    """
    bundled = _bundled_candidates()
    for path in bundled:
        if os.path.isfile(path):
            return path, 'bundled'
    env = os.environ.get(ENV_LIBRARY)
    if env:
        # An explicit setting that points nowhere is a mistake worth stopping for,
        # rather than quietly loading some other library.
        if not os.path.isfile(env):
            raise LibraryNotFound('%s=%r is not a file (set it to the path of librocketmq, for '
                                  'example build/lib/librocketmq.so)' % (ENV_LIBRARY, env))
        return os.path.abspath(env), ENV_LIBRARY
    system = _find_system_library()
    if system:
        return system, 'system'
    raise LibraryNotFound(
        'librocketmq not found. Searched, in order:\n'
        '  1. bundled with the package: %s\n'
        '  2. the environment variable %s (a path to the library): not set\n'
        '  3. the system library: ctypes.util.find_library("rocketmq") (the linker cache), '
        'then %s: not found\n'
        'Build it (cmake -S . -B build && cmake --build build) and set %s=build/lib/%s, or '
        'install a wheel that bundles it.'
        % (' or '.join(bundled), ENV_LIBRARY, ', '.join(_loader_path_dirs()) or '(no directories)',
           ENV_LIBRARY, _library_file_names()[0]))


# ---- loading -------------------------------------------------------------------------------

_load_lock = threading.Lock()
_state: Dict[str, Any] = {
    'path': None,        # where the library is (located at import)
    'source': None,
    'cdll': None,        # the CDLL once loaded
    'missing': (),       # declared functions the library does not export
    'forked': False,     # loaded in an ancestor process, then forked
}


def _configure(cdll: ctypes.CDLL) -> Tuple[Dict[str, Any], Tuple[str, ...]]:
    funcs: Dict[str, Any] = {}
    missing = []
    for name, (restype, argtypes) in _FUNCTIONS.items():
        try:
            fn = getattr(cdll, name)
        except AttributeError:
            missing.append(name)
            continue
        fn.restype = restype
        fn.argtypes = list(argtypes)
        funcs[name] = fn
    return funcs, tuple(sorted(missing))


class _Library(object):
    """The library, loaded at first attribute access.

    ``dll.CreateMessage(...)`` calls the C function with the types of ``_FUNCTIONS``.
    A function the library does not export raises :class:`MissingSymbol` when used,
    not at import (rocketmq-client-python 2.x failed its import on any missing symbol).
    """

    def __getattr__(self, name: str) -> Any:
        if name.startswith('__'):
            raise AttributeError(name)
        if _state['forked']:
            raise LibraryUnusableAfterFork(
                'librocketmq was loaded by a parent of this process before it forked; the '
                "library's Go runtime does not survive fork(). Create producers and consumers "
                'only after forking, or start children with multiprocessing\'s "spawn" or '
                '"forkserver" method.')
        funcs = load()
        fn = funcs.get(name)
        if fn is None:
            if name in _FUNCTIONS:
                raise MissingSymbol('%s does not export %s (the library is older than this '
                                    'package, or that part of the C API is not written yet)'
                                    % (_state['path'], name))
            raise AttributeError('%s is not a function of the librocketmq C API' % name)
        # Cache on the instance: later calls skip __getattr__ entirely.
        self.__dict__[name] = fn
        return fn

    def __repr__(self) -> str:
        return '<librocketmq %s (%s)>' % (_state['path'], 'loaded' if _state['cdll'] else
                                          'not loaded yet')


dll = _Library()
_funcs: Dict[str, Any] = {}


# Process-directed signals a Python program handles. The Go runtime gives every
# thread it creates the signal mask of the thread that loaded the library, so
# loading with these blocked keeps them off the library's threads: the kernel
# then delivers them to a Python thread, normally the main one. Otherwise a
# Ctrl-C that lands on a library thread runs Python's C handler there (on a Go
# stack, without SA_ONSTACK) and leaves the main thread asleep: an asyncio loop
# waiting in select() would not see it until something else woke it.
_SIGNALS_FOR_PYTHON = ('SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGALRM')


def _dlopen_keeping_signals_off_library_threads(path: str) -> ctypes.CDLL:
    import signal
    mask_fn = getattr(signal, 'pthread_sigmask', None)
    if mask_fn is None:  # Windows
        return ctypes.CDLL(path)
    blocked = {getattr(signal, name) for name in _SIGNALS_FOR_PYTHON if hasattr(signal, name)}
    previous = mask_fn(signal.SIG_BLOCK, blocked)
    try:
        return ctypes.CDLL(path)
    finally:
        mask_fn(signal.SIG_SETMASK, previous)


def load() -> Dict[str, Any]:
    """Loads the library now (idempotent); returns its configured functions."""
    if _state['cdll'] is not None:
        return _funcs
    with _load_lock:
        if _state['cdll'] is None:
            if _state['forked']:
                raise LibraryUnusableAfterFork('librocketmq was loaded before this process forked')
            path = _state['path']
            try:
                cdll = _dlopen_keeping_signals_off_library_threads(path)
            except OSError as exc:
                raise ImportError('cannot load librocketmq from %s (found via %s): %s'
                                  % (path, _state['source'], exc)) from exc
            funcs, missing = _configure(cdll)
            _funcs.update(funcs)
            _state['missing'] = missing
            _state['cdll'] = cdll
    return _funcs


def is_loaded() -> bool:
    return _state['cdll'] is not None


def has_symbol(name: str) -> bool:
    """Whether the library exports C function ``name`` (loads the library)."""
    return name in load()


def missing_symbols() -> Tuple[str, ...]:
    """The declared C functions that the loaded library does not export."""
    load()
    return _state['missing']


def library_path() -> str:
    return _state['path']


def library_source() -> str:
    return _state['source']


def is_forked_child() -> bool:
    return bool(_state['forked'])


def _after_fork_in_child() -> None:
    if _state['cdll'] is not None:
        _state['forked'] = True
        dll.__dict__.clear()
    for hook in _fork_hooks:
        hook()


_fork_hooks: List[Callable[[], None]] = []

if hasattr(os, 'register_at_fork'):
    os.register_at_fork(after_in_child=_after_fork_in_child)

_state['path'], _state['source'] = locate_library()
