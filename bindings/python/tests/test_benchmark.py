"""The throughput benchmark runs (briefly), so it does not rot."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import PACKAGE_ROOT, REPO, requires_producer

pytestmark = requires_producer


def test_benchmark_runs(namesrv: str) -> None:
    proc = subprocess.run([sys.executable, str(REPO / 'bench' / 'python' / 'throughput.py'),
                           '-n', '256', '--namesrv', namesrv, '--json'],
                          env=dict(os.environ, PYTHONPATH=str(PACKAGE_ROOT)),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
    out = proc.stdout.decode()
    assert proc.returncode == 0, out
    report = json.loads(out.strip().splitlines()[-1])
    rates = report['msgs_per_s']
    for mode in ('send_sync', 'send_oneway', 'send_async', 'send_batch_64', 'aio_send'):
        assert rates[mode] > 0, report
