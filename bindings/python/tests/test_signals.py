"""Process signals reach Python's threads, never the library's."""

from __future__ import annotations

import sys
import textwrap

import pytest

from conftest import run_python

pytestmark = pytest.mark.skipif(not sys.platform.startswith('linux'), reason='reads /proc')


def test_library_threads_block_the_signals_python_handles() -> None:
    code = textwrap.dedent('''
        import glob, signal, threading
        from rocketmq.client import Message
        before = signal.pthread_sigmask(signal.SIG_BLOCK, [])
        for _ in range(3000):
            Message("T", b"x" * 10000)  # keeps the runtime busy: more of its threads
        after = signal.pthread_sigmask(signal.SIG_BLOCK, [])
        python_threads = {t.native_id for t in threading.enumerate()}
        library_masks = []
        for status in glob.glob("/proc/self/task/*/status"):
            tid = int(status.split("/")[4])
            fields = dict(line.split(":", 1) for line in open(status).read().splitlines())
            if tid not in python_threads:
                library_masks.append(int(fields["SigBlk"].strip(), 16))
        sigint = 1 << (signal.SIGINT - 1)
        sigterm = 1 << (signal.SIGTERM - 1)
        print("MASK_RESTORED", before == after and signal.SIGINT not in after)
        print("LIBRARY_THREADS", len(library_masks))
        print("ALL_BLOCK", all(m & sigint and m & sigterm for m in library_masks))
    ''')
    proc = run_python(code)
    out = proc.stdout.decode()
    assert proc.returncode == 0, out
    info = dict(line.split(' ', 1) for line in out.splitlines())
    assert info['MASK_RESTORED'] == 'True', out
    assert int(info['LIBRARY_THREADS']) > 0, out
    assert info['ALL_BLOCK'] == 'True', out
