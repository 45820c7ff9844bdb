"""fork() and the library's Go runtime.

The runtime starts its threads when the library is loaded; a forked child
inherits none of them and hangs at its next garbage collection if it calls in.
What works, and is tested here: importing before forking (the library loads on
first use), and multiprocessing's spawn method. What does not: using the
library in a child of a process that already used it; that raises
LibraryUnusableAfterFork at once instead of hanging.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from conftest import run_python

pytestmark = pytest.mark.skipif(sys.platform == 'win32', reason='no fork on Windows')

# A child that churns enough memory to make the Go runtime collect garbage,
# which is where an inherited runtime hangs.
CHILD_WORK = textwrap.dedent('''
    def child_work():
        from rocketmq.client import Message
        body = b"x" * 100000
        for i in range(3000):
            m = Message("T", body)
            assert m.body[:1] == b"x"
        return "child ok"
''')


def test_import_then_fork_then_use_in_child() -> None:
    code = CHILD_WORK + textwrap.dedent('''
        import os, rocketmq.client, rocketmq.ffi as f
        assert not f.is_loaded()
        pid = os.fork()
        if pid == 0:
            print(child_work(), flush=True)
            os._exit(0)
        _, status = os.waitpid(pid, 0)
        print("child status", status)
        print("parent", child_work())
    ''')
    proc = run_python(code, timeout=120)
    out = proc.stdout.decode()
    assert proc.returncode == 0, out
    assert 'child ok' in out and 'child status 0' in out and 'parent child ok' in out, out


def test_use_then_fork_fails_fast_in_child() -> None:
    code = textwrap.dedent('''
        import os
        from rocketmq.client import Message
        import rocketmq.ffi as f
        kept = Message("T", b"parent")      # the child inherits it; its finalizer must not call in
        pid = os.fork()
        if pid == 0:
            try:
                Message("T")
                print("child: no error", flush=True)
            except f.LibraryUnusableAfterFork as e:
                print("child: refused:", e, flush=True)
            del kept
            import sys; sys.exit(0)         # a normal exit, with atexit handlers
        _, status = os.waitpid(pid, 0)
        print("child status", status)
        print("parent still works", kept.body)
    ''')
    proc = run_python(code, timeout=60)
    out = proc.stdout.decode()
    assert proc.returncode == 0, out
    assert 'child: refused:' in out and 'spawn' in out, out
    assert 'child status 0' in out, out
    assert "parent still works b'parent'" in out, out


def test_multiprocessing_spawn_after_use(tmp_path: Path) -> None:
    code = CHILD_WORK + textwrap.dedent('''
        import multiprocessing as mp
        from rocketmq.client import Message

        def work(_):
            return child_work()

        if __name__ == "__main__":
            Message("T", b"parent uses the library first")
            with mp.get_context("spawn").Pool(2) as pool:
                print(pool.map(work, range(2)))
    ''')
    # spawn re-imports the main module, so it must be a file.
    script = tmp_path / 'spawn_after_use.py'
    script.write_text(code)
    proc = run_python('import runpy; runpy.run_path(%r, run_name="__main__")' % str(script),
                      timeout=120)
    out = proc.stdout.decode()
    assert proc.returncode == 0, out
    assert "['child ok', 'child ok']" in out, out
