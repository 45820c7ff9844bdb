"""Programs written for rocketmq-client-python 2.x run unchanged.

The public names and methods of 2.x, and programs in the shape of its README's
producer and consumer examples, run as separate processes the way a user
would run them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from conftest import PACKAGE_ROOT, requires_producer, requires_push_consumer, run_python, unique

# 2.x's public surface: module -> names, class -> methods and properties.
SURFACE = {
    'rocketmq.client': ['SendStatus', 'Message', 'ReceivedMessage', 'Producer', 'PushConsumer',
                        'TransactionMQProducer', 'TransactionStatus', 'ConsumeStatus',
                        'SendResult', 'maybe_decode'],
    'rocketmq.exceptions': ['RocketMQException', 'NullPointerException', 'MallocFailed',
                            'ProducerException', 'ProducerStartFailed', 'ProducerSendSyncFailed',
                            'ProducerSendOnewayFailed', 'ProducerSendOrderlyFailed',
                            'ProducerSendAsyncFailed', 'ConsumerException',
                            'PushConsumerStartFailed', 'ffi_check'],
    'rocketmq.ffi': ['dll', 'MessageModel', 'TraceModel', '_CStatus', '_CSendResult',
                     '_CMessageQueue', '_CLogLevel', 'MSG_CALLBACK_FUNC',
                     'TRANSACTION_CHECK_CALLBACK', 'LOCAL_TRANSACTION_EXECUTE_CALLBACK',
                     'QUEUE_SELECTOR_CALLBACK'],
    'rocketmq.consts': ['MessageProperty'],
}

METHODS = {
    'Message': ['set_keys', 'set_tags', 'set_body', 'set_property', 'set_delay_time_level',
                '_as_parameter_'],
    'ReceivedMessage': ['topic', 'tags', 'keys', 'body', 'id', 'delay_time_level', 'queue_id',
                        'reconsume_times', 'store_size', 'born_timestamp', 'store_timestamp',
                        'queue_offset', 'commit_log_offset', 'prepared_transaction_offset',
                        'get_property', '__getitem__', '__str__', '__bytes__'],
    'Producer': ['send_sync', 'send_oneway', 'send_orderly_with_sharding_key', 'set_group',
                 'set_instance_name', 'set_name_server_address', 'set_name_server_domain',
                 'set_session_credentials', 'set_timeout', 'set_compress_level',
                 'set_max_message_size', 'set_message_trace', 'start', 'shutdown', '__enter__',
                 '__exit__'],
    'TransactionMQProducer': ['send_message_in_transaction', 'set_name_server_address',
                              'set_message_trace', 'start', 'shutdown'],
    'PushConsumer': ['set_message_model', 'start', 'shutdown', 'set_group',
                     'set_name_server_address', 'set_name_server_domain',
                     'set_session_credentials', 'subscribe', 'set_thread_count',
                     'set_message_batch_max_size', 'set_instance_name', 'set_message_trace',
                     '_register_callback', '_unregister_callback', '__enter__', '__exit__'],
}


@pytest.mark.parametrize('module,names', SURFACE.items())
def test_module_names_of_2x(module: str, names: list) -> None:
    mod = __import__(module, fromlist=['*'])
    absent = [n for n in names if not hasattr(mod, n)]
    assert not absent


@pytest.mark.parametrize('cls,methods', METHODS.items())
def test_methods_of_2x(cls: str, methods: list) -> None:
    import rocketmq.client as client
    klass = getattr(client, cls)
    assert not [m for m in methods if not hasattr(klass, m)]


def test_enum_values_of_2x() -> None:
    from rocketmq.client import ConsumeStatus, SendStatus, TransactionStatus
    from rocketmq.consts import MessageProperty
    assert [(s.name, int(s)) for s in SendStatus] == [
        ('OK', 0), ('FLUSH_DISK_TIMEOUT', 1), ('FLUSH_SLAVE_TIMEOUT', 2),
        ('SLAVE_NOT_AVAILABLE', 3)]
    assert [(s.name, int(s)) for s in TransactionStatus] == [
        ('COMMIT', 0), ('ROLLBACK', 1), ('UNKNOWN', 2)]
    assert [(s.name, int(s)) for s in ConsumeStatus] == [
        ('CONSUME_SUCCESS', 0), ('RECONSUME_LATER', 1)]
    assert MessageProperty.UNIQ_CLIENT_MESSAGE_ID_KEYIDX.value == 'UNIQ_KEY'


def test_send_result_is_the_2x_namedtuple() -> None:
    from rocketmq.client import SendResult, SendStatus
    r = SendResult(SendStatus.OK, 'id', 3)
    status, msg_id, offset = r
    assert (status, msg_id, offset) == (SendStatus.OK, 'id', 3)
    assert SendResult._fields == ('status', 'msg_id', 'offset')


@requires_producer
def test_readme_producer_example_runs_unchanged(namesrv: str) -> None:
    program = textwrap.dedent('''
        from rocketmq.client import Producer, Message

        producer = Producer('PID-XXX')
        producer.set_name_server_address('%s')
        producer.start()

        msg = Message('YOUR-TOPIC')
        msg.set_keys('XXX')
        msg.set_tags('XXX')
        msg.set_body('XXXX')
        ret = producer.send_sync(msg)
        print(ret.status, ret.msg_id, ret.offset)
        producer.shutdown()
    ''' % namesrv)
    proc = run_python(program, timeout=60)
    out = proc.stdout.decode()
    assert proc.returncode == 0, out
    status, msg_id, offset = out.split()
    assert status in ('0', 'SendStatus.OK') and len(msg_id) == 32 and int(offset) >= 0


@requires_producer
@requires_push_consumer
def test_readme_consumer_example_runs_unchanged(namesrv: str, producer) -> None:
    topic = unique('YOUR_TOPIC')
    from rocketmq.client import Message
    producer.send_sync(Message(topic, b'for the readme consumer'))
    program = textwrap.dedent('''
        import time

        from rocketmq.client import PushConsumer, ConsumeStatus


        def callback(msg):
            print(msg.id, msg.body, flush=True)
            return ConsumeStatus.CONSUME_SUCCESS


        consumer = PushConsumer('%s')
        consumer.set_name_server_address('%s')
        consumer.subscribe('%s', callback)
        consumer.start()

        while True:
            time.sleep(3600)

        consumer.shutdown()
    ''' % (unique('CID_XXX'), namesrv, topic))
    env = dict(os.environ, PYTHONPATH=str(PACKAGE_ROOT))
    proc = subprocess.Popen([sys.executable, '-c', program], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    try:
        line = proc.stdout.readline().decode()
        assert line.endswith(" b'for the readme consumer'\n"), line
        # The example has no way out but a signal; stopping must be quick.
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@requires_producer
def test_2x_context_manager_and_transaction_patterns(namesrv: str) -> None:
    program = textwrap.dedent('''
        import threading, time
        from rocketmq.client import (Message, Producer, SendStatus, TransactionMQProducer,
                                     TransactionStatus)

        producer = Producer('ctx_group')
        producer.set_name_server_address('%(ns)s')
        with producer:                       # 2.x: __enter__ starts, __exit__ shuts down
            msg = Message('test')
            msg.set_body('XXXX')
            assert producer.send_sync(msg).status == SendStatus.OK

        checked = threading.Event()
        def on_check(msg):
            checked.set()
            return TransactionStatus.COMMIT
        def on_local_execute(msg, user_args):
            assert user_args is None and msg.body.decode('utf-8') == 'XXXX'
            return TransactionStatus.UNKNOWN
        tp = TransactionMQProducer('transactionTestGroup3', on_check)
        tp.set_name_server_address('%(ns)s')
        tp.start()
        msg = Message('test'); msg.set_keys('transaction'); msg.set_tags('XXX'); msg.set_body('XXXX')
        tp.send_message_in_transaction(msg, on_local_execute)
        assert checked.wait(60)
        tp.shutdown()
        print("done")
    ''' % {'ns': namesrv})
    proc = run_python(program, timeout=120)
    assert proc.returncode == 0 and b'done' in proc.stdout, proc.stdout.decode()
