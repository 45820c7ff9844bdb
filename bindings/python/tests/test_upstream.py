"""rocketmq-client-python 2.x's own tests and samples, against this package and
against its own wrapper loading our library (the recipe of
python-clients.md §5, adapted).

Its source is not part of this repository. Point ROCKETMQ_PYTHON_UPSTREAM at a
checkout of apache/rocketmq-client-python, or at a bare git copy of it (its
``master`` is used; set ROCKETMQ_PYTHON_UPSTREAM_REF to choose another ref,
e.g. ``refs/tags/v2.0.0``). Without it these tests skip.

Its tests talk to 127.0.0.1:9876; the copies made here are rewritten to use
the dev broker's address. Each run is a separate pytest process with a time
limit, since its consumer tests wait forever for messages that never come.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Iterator, List

import pytest

from conftest import (
    PACKAGE_ROOT, PUSH_CONSUMER_SYMBOLS, DevBroker, devbroker_binary, missing, requires_producer,
)
from rocketmq import ffi

UPSTREAM = os.environ.get('ROCKETMQ_PYTHON_UPSTREAM', '')
REF = os.environ.get('ROCKETMQ_PYTHON_UPSTREAM_REF', 'master')

pytestmark = [
    pytest.mark.skipif(not UPSTREAM, reason='set ROCKETMQ_PYTHON_UPSTREAM to a checkout or git '
                       'copy of apache/rocketmq-client-python to run its tests here'),
    requires_producer,
]

CONSUMER_TESTS = ['tests/test_consumer.py']


@pytest.fixture(scope='module')
def upstream_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An export of the upstream source."""
    dest = tmp_path_factory.mktemp('upstream_source')
    src = Path(UPSTREAM)
    if (src / 'rocketmq' / 'ffi.py').is_file():
        shutil.copytree(src, dest, dirs_exist_ok=True, ignore=shutil.ignore_patterns('.git'))
    else:
        archive = subprocess.run(['git', '--git-dir', str(src), 'archive', REF],
                                 check=True, stdout=subprocess.PIPE).stdout
        subprocess.run(['tar', '-x', '-C', str(dest)], input=archive, check=True)
    return dest


@pytest.fixture
def upstream(upstream_source: Path, tmp_path: Path) -> Iterator[Path]:
    """A copy of the upstream source talking to a dev broker of its own: its tests
    share fixed topic and group names, so a second run on the same broker would
    first receive what the first one left (as it would on a real broker)."""
    binary = devbroker_binary()
    if binary is None:
        pytest.skip('no dev broker binary')
    broker = DevBroker(binary, tmp_path)
    dest = tmp_path / 'upstream'
    shutil.copytree(upstream_source, dest)
    for path in list(dest.glob('tests/*.py')) + list(dest.glob('samples/*.py')):
        text = path.read_text()
        path.write_text(text.replace('127.0.0.1:9876', broker.namesrv))
    # Its pytest.ini asks for pytest-timeout, which Debian's pytest may lack; the
    # subprocess time limit stands in for it.
    (dest / 'pytest.ini').write_text('[pytest]\ntestpaths = tests\n')
    yield dest
    broker.stop()


def _run_suite(cwd: Path, pythonpath: str, deselect: List[str], timeout: float) -> str:
    args = [sys.executable, '-m', 'pytest', '-v', '-p', 'no:cacheprovider', 'tests']
    for item in deselect:
        args += ['--deselect', item]
    env = dict(os.environ, PYTHONPATH=pythonpath, HOME=str(cwd))
    proc = subprocess.run(args, cwd=str(cwd), env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=timeout)
    out = proc.stdout.decode('utf-8', 'replace')
    assert proc.returncode == 0, out
    return out


def _assert_all_selected_passed(out: str) -> None:
    # master has 8 tests, v2.0.0 7; whatever was selected must have passed.
    m = re.search(r'collected (\d+) items?(?: / (\d+) deselected)?', out)
    assert m, out
    selected = int(m.group(1)) - int(m.group(2) or 0)
    assert selected > 0 and re.search(r'\b%d passed\b' % selected, out), out


def _consumer_deselection() -> List[str]:
    return CONSUMER_TESTS if missing(*PUSH_CONSUMER_SYMBOLS) else []


def test_upstream_tests_with_this_package(upstream: Path, tmp_path: Path) -> None:
    # The drop-in check: upstream's tests, our `rocketmq` package.
    work = tmp_path / 'suite'
    shutil.copytree(upstream / 'tests', work / 'tests')
    (work / 'pytest.ini').write_text('[pytest]\ntestpaths = tests\n')
    deselect = _consumer_deselection()
    out = _run_suite(work, str(PACKAGE_ROOT), deselect, timeout=600)
    _assert_all_selected_passed(out)


def test_upstream_wrapper_with_this_library(upstream: Path) -> None:
    # Its ffi.py resolves every symbol it binds at import time.
    needed = set(re.findall(r'^dll\.(\w+)', (upstream / 'rocketmq' / 'ffi.py').read_text(), re.M))
    absent = sorted(needed - {n for n in needed if ffi.has_symbol(n)})
    if absent:
        pytest.skip('its ffi.py binds functions %s does not export yet: %s'
                    % (ffi.library_path(), ', '.join(absent)))
    shutil.copy(ffi.library_path(), upstream / 'rocketmq' / 'librocketmq.so')
    try:
        out = _run_suite(upstream, str(upstream), [], timeout=600)
    finally:
        (upstream / 'rocketmq' / 'librocketmq.so').unlink()
    _assert_all_selected_passed(out)


def test_upstream_samples_with_this_package(upstream: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(PACKAGE_ROOT), HOME=str(upstream))
    proc = subprocess.run([sys.executable, '-u', 'samples/producer.py'], cwd=str(upstream),
                          env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
    out = proc.stdout.decode('utf-8', 'replace')
    assert proc.returncode == 0, out
    assert len(re.findall(r'^send message status: (0|SendStatus.OK) msgId: [0-9A-F]{32}$', out,
                          re.M)) == 10, out
    assert 'send sync message done' in out
    code = ('import producer; producer.send_orderly_with_sharding_key(3)\n'
            'if hasattr(producer, "send_message_multi_threaded"):  # not in v2.0.0\n'
            '    producer.send_message_multi_threaded(3)\n'
            'else:\n'
            '    print("send message status: skipped")\n')
    # From samples/: the upstream package next to it must not shadow ours.
    proc = subprocess.run([sys.executable, '-u', '-c', code], cwd=str(upstream / 'samples'), env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
    out = proc.stdout.decode('utf-8', 'replace')
    assert proc.returncode == 0, out
    assert 'send sync order message done' in out and out.count('send message status: ') == 4, out
    if missing(*PUSH_CONSUMER_SYMBOLS):
        return
    # samples/consumer.py consumes what samples/producer.py sent, then sleeps
    # forever: read its lines, then stop it.
    env['PYTHONPATH'] = str(PACKAGE_ROOT)
    proc = subprocess.Popen([sys.executable, '-u', 'samples/consumer.py'], cwd=str(upstream),
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    lines = []
    try:
        while len([ln for ln in lines if b"b'message body'" in ln]) < 10:
            line = proc.stdout.readline()
            assert line, b''.join(lines)
            lines.append(line)
    finally:
        proc.kill()
        proc.wait()
    assert lines[0].strip() == b'start consume message', lines
    assert re.match(rb"^[0-9A-F]{32} b'message body' b'test'$", lines[1].strip()), lines
