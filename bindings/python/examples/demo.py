"""Sends a few messages and receives them back through librocketmq (the demo's Python part).

Usage: python3 demo.py NAMESRV_HOST:PORT
"""
import sys
import threading
import time

from rocketmq.client import ConsumeStatus, Message, Producer, PushConsumer

N = 5


def main() -> int:
    namesrv = sys.argv[1]
    topic = 'PyDemoTopic'
    got = set()
    all_in = threading.Event()

    producer = Producer('PyDemoProducer')
    producer.set_name_server_address(namesrv)
    producer.start()
    # The first send creates the topic, so the consumer finds its queues at once.
    first = Message(topic)
    first.set_keys('warm-up')
    first.set_body('warm-up')
    producer.send_sync(first)

    def on_message(msg):
        body = msg.body.decode()
        if body.startswith('python demo'):
            print('received', msg.id, body)
            got.add(body)
            if len(got) == N:
                all_in.set()
        return ConsumeStatus.CONSUME_SUCCESS

    consumer = PushConsumer('PyDemoConsumer')
    consumer.set_name_server_address(namesrv)
    consumer.subscribe(topic, on_message)
    consumer.start()
    try:
        for i in range(N):
            msg = Message(topic)
            msg.set_tags('demo')
            msg.set_body('python demo message %d of %d' % (i + 1, N))
            result = producer.send_sync(msg)
            print('sent    ', result.msg_id, 'offset', result.offset)
        if not all_in.wait(30):
            print('demo: only %d of %d messages arrived within 30 s' % (len(got), N))
            return 1
        print('python demo: OK: all %d messages received' % N)
        return 0
    finally:
        consumer.shutdown()
        producer.shutdown()


if __name__ == '__main__':
    sys.exit(main())
