"""Apache RocketMQ client for Python over librocketmq (the C API), as a drop-in
for rocketmq-client-python 2.x.

``import rocketmq`` alone neither locates nor loads the library; importing
``rocketmq.client`` (or reading one of the names below from ``rocketmq``) locates
it, and the first call into it loads it. See README.md.
"""

from typing import Any

__version__ = '2.1.0'

_CLIENT_NAMES = frozenset([
    'Message', 'ReceivedMessage', 'SendResult', 'SendStatus', 'Producer', 'TransactionMQProducer',
    'TransactionStatus', 'PushConsumer', 'ConsumeStatus', 'MessageModel', 'TraceModel', 'LogLevel',
    'PullConsumer', 'PullResult', 'PullStatus', 'MessageQueue', 'MessageStream', 'MessageProperty',
])


def __getattr__(name: str) -> Any:
    # Lazy, so that `import rocketmq` works (and `rocketmq.__version__` can be read)
    # on a machine without the library.
    if name in _CLIENT_NAMES:
        from . import client
        return getattr(client, name)
    raise AttributeError('module %r has no attribute %r' % (__name__, name))
