"""Where the library's log goes: never forced into $HOME (2.x's complaint)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from conftest import requires_producer, run_python

pytestmark = requires_producer

PROGRAM = textwrap.dedent('''
    from rocketmq.client import LogLevel, Message, Producer
    p = Producer("log_group", name_server_address="127.0.0.1:9", timeout=300)
    %s
    p.set_log_level(LogLevel.DEBUG)
    p.set_log_file_num_and_size(2, 1)
    p.start()
    try:
        p.send_sync(Message("T", b"x"))
    except Exception as e:
        print(type(e).__name__)
    p.close()
''')


def _run(tmp_path: Path, set_path: str, env: dict) -> str:
    home = tmp_path / 'home'
    home.mkdir()
    full = {'HOME': str(home), 'ROCKETMQ_CLIENT_LOG_DIR': None}
    full.update(env)
    proc = run_python(PROGRAM % set_path, env=full, timeout=60)
    out = proc.stdout.decode()
    assert proc.returncode == 0 and 'ProducerSendSyncFailed' in out, out
    return out


def _files(root: Path) -> list:
    return sorted(str(p.relative_to(root)) for p in root.rglob('*') if p.is_file())


def test_set_log_path(tmp_path: Path) -> None:
    logs = tmp_path / 'logs'
    _run(tmp_path, 'p.set_log_path(%r)' % str(logs), {})
    assert _files(logs) == ['rocketmq_client.log']
    assert (logs / 'rocketmq_client.log').stat().st_size > 0
    assert _files(tmp_path / 'home') == []


def test_log_dir_from_the_environment(tmp_path: Path) -> None:
    logs = tmp_path / 'envlogs'
    _run(tmp_path, '', {'ROCKETMQ_CLIENT_LOG_DIR': str(logs)})
    assert _files(logs) == ['rocketmq_client.log']
    assert _files(tmp_path / 'home') == []
