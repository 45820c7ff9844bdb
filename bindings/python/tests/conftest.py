"""Fixtures of the Python binding's tests.

Nothing is built here: scripts/test.sh builds the library and the dev broker
first. The tests use:

* the library given by ROCKETMQ_LIBRARY, else build/lib/librocketmq.so of this
  repository (unless a copy is bundled in the package, which wins, as it does
  for users);
* the dev broker at ROCKETMQ_DEVBROKER, else build/bin/rocketmq-devbroker,
  started once per session on free ports.

Tests of C functions the library does not export yet are skipped, naming the
missing functions.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Iterator, List, Optional

import pytest

HERE = Path(__file__).resolve().parent
PACKAGE_ROOT = HERE.parent           # bindings/python
REPO = PACKAGE_ROOT.parent.parent    # the repository

if str(PACKAGE_ROOT) not in sys.path:
    sys.path.insert(0, str(PACKAGE_ROOT))

for candidate in (REPO / 'build' / 'lib' / 'librocketmq.so', REPO / 'build' / 'librocketmq.so'):
    if not os.environ.get('ROCKETMQ_LIBRARY') and candidate.is_file():
        os.environ['ROCKETMQ_LIBRARY'] = str(candidate)

# The library reads its environment once, when loaded: keep its log out of $HOME.
_LOG_DIR = tempfile.mkdtemp(prefix='rocketmq-pytest-logs-')
os.environ.setdefault('ROCKETMQ_CLIENT_LOG_DIR', _LOG_DIR)

from rocketmq import ffi  # noqa: E402  (after the environment is set)

PRODUCER_SYMBOLS = ('CreateProducer', 'StartProducer', 'SendMessageSync', 'ShutdownProducer',
                    'DestroyProducer')
PUSH_CONSUMER_SYMBOLS = ('CreatePushConsumer', 'StartPushConsumer', 'Subscribe',
                         'RegisterMessageCallback', 'ShutdownPushConsumer')
PULL_CONSUMER_SYMBOLS = ('CreatePullConsumer', 'StartPullConsumer',
                         'FetchSubscriptionMessageQueues', 'Pull', 'ReleasePullResult')


def missing(*symbols: str) -> List[str]:
    return [s for s in symbols if not ffi.has_symbol(s)]


def requires(*symbols: str) -> pytest.MarkDecorator:
    """Skips unless the library exports every one of ``symbols``."""
    absent = missing(*symbols)
    return pytest.mark.skipif(bool(absent), reason='%s does not export %s yet' % (
        ffi.library_path(), ', '.join(absent)))


requires_producer = requires(*PRODUCER_SYMBOLS)
requires_push_consumer = requires(*PUSH_CONSUMER_SYMBOLS)
requires_pull_consumer = requires(*PULL_CONSUMER_SYMBOLS)


def pytest_report_header(config: pytest.Config) -> List[str]:
    lines = ['librocketmq: %s (found via %s)' % (ffi.library_path(), ffi.library_source())]
    absent = ffi.missing_symbols()
    if absent:
        lines.append('librocketmq: %d of %d C functions not exported yet'
                     % (len(absent), len(ffi.declared_functions())))
    env = os.environ.get('ROCKETMQ_LIBRARY')
    if ffi.library_source() == 'bundled' and env:
        lines.append('librocketmq: WARNING: the copy bundled in the package shadows '
                     'ROCKETMQ_LIBRARY=%s' % env)
    return lines


def unique(prefix: str) -> str:
    return '%s_%s' % (prefix, uuid.uuid4().hex[:10])


class DevBroker(object):
    """A dev broker of the test session's own or, given ``namesrv``, the cluster behind
    that name server (nothing started; the binary's ``admin`` still inspects it)."""

    def __init__(self, binary: Path, workdir: Path, namesrv: Optional[str] = None) -> None:
        self.binary = binary
        self.workdir = workdir
        self.log_path = workdir / 'devbroker.log'
        self.proc: Optional[subprocess.Popen] = None
        if namesrv:
            self.namesrv = namesrv
            return
        ready = workdir / 'ready'
        self._log = open(self.log_path, 'wb')
        self.proc = subprocess.Popen(
            [str(binary), '-namesrv-addr', '127.0.0.1:0', '-broker-addr', '127.0.0.1:0',
             '-ready-file', str(ready)],
            stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=str(workdir))
        deadline = time.monotonic() + 30
        while True:
            if ready.is_file():
                text = ready.read_text().strip()
                if text:
                    self.namesrv = text
                    break
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError('the dev broker did not start:\n' + self.log())
            time.sleep(0.05)

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors='replace')
        except OSError:
            return ''

    def admin(self, *args: str, check: bool = True) -> str:
        proc = subprocess.run([str(self.binary), 'admin'] + list(args) + ['-namesrv', self.namesrv],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
        out = proc.stdout.decode('utf-8', 'replace')
        if check and proc.returncode != 0:
            raise AssertionError('rocketmq-devbroker admin %s failed (%d):\n%s'
                                 % (' '.join(args), proc.returncode, out))
        return out

    def topic_message_count(self, topic: str) -> int:
        """MESSAGES column of `admin topics` for ``topic`` (0 if unknown)."""
        for line in self.admin('topics').splitlines():
            fields = line.split()
            if fields and fields[0] == topic:
                return int(fields[3])
        return 0

    def wait_topic_count(self, topic: str, count: int, timeout: float = 15) -> int:
        deadline = time.monotonic() + timeout
        while True:
            n = self.topic_message_count(topic)
            if n >= count or time.monotonic() > deadline:
                return n
            time.sleep(0.2)

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


def devbroker_binary() -> Optional[Path]:
    env = os.environ.get('ROCKETMQ_DEVBROKER')
    path = Path(env) if env else REPO / 'build' / 'bin' / 'rocketmq-devbroker'
    return path if path.is_file() else None


@pytest.fixture(scope='session')
def devbroker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevBroker]:
    binary = devbroker_binary()
    if binary is None:
        pytest.skip('no dev broker: build it with `go build -o build/bin/rocketmq-devbroker '
                    './cmd/rocketmq-devbroker` or set ROCKETMQ_DEVBROKER')
    broker = DevBroker(binary, tmp_path_factory.mktemp('devbroker'), os.environ.get('ROCKETMQ_NAMESRV'))
    yield broker
    broker.stop()


@pytest.fixture(scope='session')
def namesrv(devbroker: DevBroker) -> str:
    return devbroker.namesrv


@pytest.fixture
def topic() -> str:
    return unique('pytopic')


@pytest.fixture(scope='session')
def producer(namesrv: str) -> Iterator[object]:
    if missing(*PRODUCER_SYMBOLS):
        pytest.skip('%s does not export %s yet' % (ffi.library_path(),
                                                   ', '.join(missing(*PRODUCER_SYMBOLS))))
    from rocketmq.client import Producer
    prod = Producer(unique('producer_group'), name_server_address=namesrv)
    prod.start()
    yield prod
    prod.close()


def run_python(code: str, env: Optional[dict] = None, timeout: float = 60,
               cwd: Optional[Path] = None) -> subprocess.CompletedProcess:
    """Runs ``code`` in a fresh interpreter (the same one as the tests), with the
    package importable."""
    full_env = dict(os.environ)
    full_env['PYTHONPATH'] = os.pathsep.join(
        [str(PACKAGE_ROOT)] + ([full_env['PYTHONPATH']] if full_env.get('PYTHONPATH') else []))
    if env:
        for key, value in env.items():
            if value is None:
                full_env.pop(key, None)
            else:
                full_env[key] = value
    return subprocess.run([sys.executable, '-c', code], env=full_env, cwd=str(cwd or HERE),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)


def compiler() -> Optional[str]:
    return shutil.which('cc') or shutil.which('gcc')
