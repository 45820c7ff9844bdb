"""The README's producer examples run as written (with the dev broker's address)."""

from __future__ import annotations

import re

from conftest import PACKAGE_ROOT, requires_producer, run_python

pytestmark = requires_producer


def _section_blocks(title: str) -> list:
    text = (PACKAGE_ROOT / 'README.md').read_text()
    section = text.split('\n## %s\n' % title, 1)[1].split('\n## ', 1)[0]
    return re.findall(r'```python\n(.*?)```', section, re.S)


def test_producing_examples(namesrv: str) -> None:
    blocks = _section_blocks('Producing')
    assert len(blocks) == 2
    code = '\n'.join(blocks).replace('127.0.0.1:9876', namesrv) + '\nprint("readme ok")\n'
    proc = run_python(code, timeout=120)
    out = proc.stdout.decode()
    assert proc.returncode == 0 and 'readme ok' in out, out
    assert re.search(r'^0 [0-9A-F]{32} \d+$', out, re.M), out
