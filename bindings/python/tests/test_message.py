"""Message and ReceivedMessage over the library's CMessage functions."""

from __future__ import annotations

import gc
import os
import threading

import pytest

from rocketmq import ffi
from rocketmq.client import Message, ReceivedMessage, MessageProperty
from rocketmq.exceptions import NullPointerException, RocketMQException

BINARY = bytes(range(256)) * 3 + b'\x00\x00end'


def test_round_trip_of_every_setter() -> None:
    msg = Message('TopicTest')
    msg.set_keys('key1 key2')
    msg.set_tags('TagA')
    msg.set_body('hello body')
    msg.set_property('property', 'test')
    msg.set_delay_time_level(3)
    assert msg.topic == 'TopicTest'
    assert msg.keys == b'key1 key2'
    assert msg.tags == b'TagA'
    assert msg.body == b'hello body'
    assert msg.get_property('property') == b'test'
    assert msg['property'] == b'test'
    assert msg.delay_time_level == 3
    assert msg.get_property(MessageProperty.KEYS) == b'key1 key2'
    assert msg.get_property(MessageProperty.DELAY_TIME_LEVEL) == b'3'
    msg.set_topic(b'Other')
    assert msg.topic == 'Other'


def test_keyword_construction() -> None:
    msg = Message('T', b'body', keys='k', tags='t', properties={'a': '1', b'b': b'2'},
                  delay_time_level=2)
    assert (msg.body, msg.keys, msg.tags, msg['a'], msg['b'], msg.delay_time_level) == \
        (b'body', b'k', b't', b'1', b'2', 2)


@pytest.mark.parametrize('body', [b'', b'\x00', BINARY, os.urandom(1 << 20), bytearray(b'a\x00b'),
                                  memoryview(b'mv\x00')])
def test_binary_bodies_keep_their_nul_bytes(body: bytes) -> None:
    # rocketmq-client-python 2.x passed bodies as C strings and cut them at the
    # first NUL (its issue #87).
    msg = Message('T')
    msg.set_body(body)
    assert msg.body == bytes(body)
    view = ReceivedMessage(msg._handle)  # the CMessageExt getters accept a CMessage
    assert view.body == bytes(body)


def test_unicode_text_is_utf8() -> None:
    msg = Message('T', 'héllo wörld ✓', keys='ключ', properties={'名前': '値'})
    assert msg.body.decode('utf-8') == 'héllo wörld ✓'
    assert msg.keys.decode('utf-8') == 'ключ'
    assert msg.get_property('名前').decode('utf-8') == '値'


def test_absent_fields_are_empty_not_none() -> None:
    msg = Message('T')
    assert msg.tags == b''
    assert msg.keys == b''
    assert msg.body == b''
    assert msg.get_property('nothing') == b''
    assert msg.delay_time_level == 0


def test_received_message_view_of_an_outgoing_message() -> None:
    # What rocketmq-client-python's local-transaction callback does: ReceivedMessage
    # over the CMessage the program created.
    msg = Message('T', b'XXXX', keys='XXX', tags='tg', properties={'property': 'test'})
    view = ReceivedMessage(msg._handle)
    assert view.topic == 'T'
    assert view.keys == b'XXX'
    assert view.tags == b'tg'
    assert view.get_property('property') == b'test'
    assert view['property'] == b'test'
    assert str(view) == 'XXXX'
    assert bytes(view) == b'XXXX'
    assert isinstance(view.id, str)
    assert 'XXXX' in repr(view)


def test_invalidated_received_message_raises() -> None:
    msg = Message('T', b'x')
    view = ReceivedMessage(msg._handle)
    view._invalidate()
    with pytest.raises(RocketMQException, match='no longer valid'):
        view.body
    assert 'no longer valid' in repr(view)


def test_destroyed_handle_is_reported_not_crashed() -> None:
    msg = Message('T', b'x')
    handle = msg._handle
    msg.close()
    msg.close()  # idempotent
    with pytest.raises(RocketMQException, match='closed'):
        msg.set_body('y')
    # The raw handle is rejected by the library with a message, not a crash.
    view = ReceivedMessage(handle)
    with pytest.raises(RocketMQException, match='GetMessageTopic'):
        view.topic


def test_context_manager_frees() -> None:
    with Message('T', b'x') as msg:
        assert msg.body == b'x'
    assert msg._handle is None
    assert repr(msg) == '<Message closed>'


def test_as_parameter_passes_the_handle() -> None:
    msg = Message('T', b'abc')
    assert ffi.dll.GetOriginMessageBodyLength(msg) == 3


def test_wrong_types() -> None:
    with pytest.raises(TypeError):
        Message('T').set_body(123)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Message(123)  # type: ignore[arg-type]
    assert Message(None).topic == ""  # type: ignore[arg-type]  (C: NULL is the empty topic)


def test_null_arguments_map_to_null_pointer_exception() -> None:
    msg = Message('T')
    with pytest.raises(NullPointerException) as info:
        from rocketmq.exceptions import ffi_check
        ffi_check(ffi.dll.SetMessageKeys(msg._handle, None))
    assert info.value.status == 1
    assert 'SetMessageKeys' in info.value.message


def test_batch_message_api() -> None:
    dll = ffi.dll
    batch = dll.CreateBatchMessage()
    assert batch
    msgs = [Message('T', b'%d' % i) for i in range(3)]
    for m in msgs:
        assert dll.AddMessage(batch, m) == 0
    assert dll.DestroyBatchMessage(batch) == 0
    assert dll.DestroyBatchMessage(batch) == 1  # twice: an error, not a crash


def test_messages_from_many_threads() -> None:
    errors = []

    def work(n: int) -> None:
        try:
            for i in range(300):
                body = os.urandom(64) + b'\x00' + str(n).encode()
                m = Message('T%d' % n, body, keys='k%d' % i)
                assert m.body == body and m.topic == 'T%d' % n and m.keys == b'k%d' % i
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[0]


def _rss_kib() -> int:
    with open('/proc/self/status') as status:
        for line in status:
            if line.startswith('VmRSS:'):
                return int(line.split()[1])
    return 0


@pytest.mark.skipif(not os.path.exists('/proc/self/status'), reason='reads /proc')
def test_messages_are_freed() -> None:
    # rocketmq-client-python 2.0.0 never destroyed messages (its issue #96).
    body = b'x' * (256 << 10)
    for _ in range(200):
        Message('T', body)
    gc.collect()
    before = _rss_kib()
    for _ in range(4000):  # 1 GiB of bodies if they were kept
        Message('T', body)
    gc.collect()
    grown_mib = (_rss_kib() - before) / 1024
    assert grown_mib < 300, 'RSS grew by %d MiB' % grown_mib
