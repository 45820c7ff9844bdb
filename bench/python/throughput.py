"""Send and consume throughput of the Python binding over librocketmq.

    ROCKETMQ_LIBRARY=build/lib/librocketmq.so \\
        /usr/bin/python3 bench/python/throughput.py [-n 20000] [--size 100] [--json]

Starts build/bin/rocketmq-devbroker on free ports (or uses --namesrv) and
prints messages per second for each send mode, then for consuming what was
sent (push and pull consumers, when the library exports them). Each mode uses
its own topic, so counts are exact. scripts/bench.sh runs it beside Apache's Go
client and reports the ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Dict, List

REPO = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(REPO / 'bindings' / 'python'))  # this checkout's package

from rocketmq import aio, ffi  # noqa: E402
from rocketmq.client import Message, Producer, PullConsumer, PullStatus, PushConsumer  # noqa: E402


def start_devbroker() -> tuple:
    binary = os.environ.get('ROCKETMQ_DEVBROKER', str(REPO / 'build' / 'bin' / 'rocketmq-devbroker'))
    ready = Path(tempfile.mkdtemp()) / 'ready'
    proc = subprocess.Popen([binary, '-namesrv-addr', '127.0.0.1:0', '-broker-addr', '127.0.0.1:0',
                             '-ready-file', str(ready)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while not (ready.is_file() and ready.read_text().strip()):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit('the dev broker did not start (%s)' % binary)
        time.sleep(0.05)
    return proc, ready.read_text().strip()


def timed(n: int, fn: Callable[[], None]) -> float:
    start = time.perf_counter()
    fn()
    return n / (time.perf_counter() - start)


def topic(mode: str) -> str:
    return 'bench_%s_%s' % (mode, uuid.uuid4().hex[:8])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('-n', type=int, default=20000, help='messages per mode')
    parser.add_argument('--size', type=int, default=100, help='body size in bytes')
    parser.add_argument('--threads', type=int, default=4, help='threads of the threaded mode')
    parser.add_argument('--namesrv', help='use this name server instead of a dev broker')
    parser.add_argument('--json', action='store_true', help='print one JSON object')
    args = parser.parse_args()
    n, body = args.n, b'x' * args.size

    broker = None
    namesrv = args.namesrv
    if not namesrv:
        broker, namesrv = start_devbroker()
    results: Dict[str, float] = {}
    topics: Dict[str, str] = {}
    try:
        producer = Producer('bench_pg_%s' % uuid.uuid4().hex[:8], name_server_address=namesrv)
        producer.start()
        msg_topic = topics['send_sync'] = topic('sync')
        producer.send_sync(Message(msg_topic, body))  # route lookup and connection, not timed
        results['send_sync'] = timed(n, lambda: [producer.send_sync(Message(msg_topic, body))
                                                 for _ in range(n - 1)])

        t = topics['send_sync_threads'] = topic('threads')
        producer.send_sync(Message(t, body))

        def threaded() -> None:
            per = (n - 1) // args.threads
            with ThreadPoolExecutor(args.threads) as pool:
                list(pool.map(lambda _: [producer.send_sync(Message(t, body)) for _ in range(per)],
                              range(args.threads)))
        results['send_sync_%d_threads' % args.threads] = timed(n, threaded)

        t_oneway = topics['send_oneway'] = topic('oneway')
        results['send_oneway'] = timed(n, lambda: [producer.send_oneway(Message(t_oneway, body))
                                                   for _ in range(n)])

        t_async = topics['send_async'] = topic('async')

        def send_async() -> None:
            window = threading.Semaphore(1000)
            done = threading.Event()
            left = [n]
            lock = threading.Lock()

            def finished(_: object) -> None:
                window.release()
                with lock:
                    left[0] -= 1
                    if left[0] == 0:
                        done.set()
            for _ in range(n):
                window.acquire()
                producer.send_async(Message(t_async, body)).add_done_callback(finished)
            done.wait(120)
        results['send_async'] = timed(n, send_async)

        t_batch = topics['send_batch'] = topic('batch')

        def batches() -> None:
            for _ in range(n // 64):
                producer.send_batch([Message(t_batch, body) for _ in range(64)])
        results['send_batch_64'] = timed(n // 64 * 64, batches)

        t_aio = topics['aio_send'] = topic('aio')

        async def aio_sends() -> None:
            async with aio.Producer('bench_aio_%s' % uuid.uuid4().hex[:8],
                                    name_server_address=namesrv) as p:
                for start in range(0, n, 500):
                    await asyncio.gather(*(p.send(Message(t_aio, body))
                                           for _ in range(min(500, n - start))))
        results['aio_send'] = timed(n, lambda: asyncio.run(aio_sends()))
        producer.close()

        consume_topic = topics['send_sync']
        if ffi.has_symbol('CreatePushConsumer'):
            got = [0]
            all_in = threading.Event()

            def on_message(_: object) -> None:
                got[0] += 1
                if got[0] >= n:
                    all_in.set()
            consumer = PushConsumer('bench_cg_%s' % uuid.uuid4().hex[:8],
                                    name_server_address=namesrv)
            consumer.subscribe(consume_topic, on_message)

            def consume() -> None:
                consumer.start()
                all_in.wait(300)
            results['push_consume'] = timed(n, consume)
            consumer.close()
        if ffi.has_symbol('CreatePullConsumer'):
            with PullConsumer('bench_pull_%s' % uuid.uuid4().hex[:8],
                              name_server_address=namesrv) as pc:
                count = [0]

                def pull_all() -> None:
                    for mq in pc.fetch_message_queues(consume_topic):
                        offset = 0
                        while True:
                            with pc.pull(mq, '*', offset, 32) as r:
                                if r.status != PullStatus.FOUND:
                                    break
                                count[0] += len(r.messages)
                                offset = r.next_begin_offset
                results['pull_consume'] = timed(n, pull_all)
    finally:
        if broker is not None:
            broker.terminate()
            broker.wait()

    if args.json:
        print(json.dumps({'messages': n, 'body_bytes': args.size,
                          'msgs_per_s': {k: round(v) for k, v in results.items()}}))
        return
    print('%d messages of %d bytes per mode (%s)' % (n, args.size, ffi.library_path()))
    for mode, rate in results.items():
        print('  %-22s %10.0f msgs/s' % (mode, rate))
    skipped: List[str] = []
    if 'push_consume' not in results:
        skipped.append('push_consume')
    if 'pull_consume' not in results:
        skipped.append('pull_consume')
    if skipped:
        print('  not run (library lacks the consumer exports): %s' % ', '.join(skipped))


if __name__ == '__main__':
    main()
