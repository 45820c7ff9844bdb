"""The Python table of scripts/bench.sh: medians of throughput.py's rounds, beside
the figures Apache's Go client reached in the same run.

    /usr/bin/python3 bench/python/report.py OUT_DIR SIZE [MARKDOWN_FILE]

Reads OUT_DIR/python/python-SIZE-r*.json (throughput.py --json) and, for the
ratios, OUT_DIR/apache-SIZE-r*.txt (the producer benchmark) and
OUT_DIR/consumer/tput-apache-SIZE-r*.txt (the consumer benchmark). A figure
whose peer is missing gets no ratio. Python pays for the interpreter and
ctypes on every call, so these ratios say how much of a native Go client's
speed a Python program keeps, not which library is faster.
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path
from typing import Dict, List, Optional, Tuple


def key_values(path: Path) -> Dict[str, float]:
    out = {}
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) == 2:
            try:
                out[parts[0]] = float(parts[1])
            except ValueError:
                pass
    return out


def median_of(files: List[Path], key: str) -> Optional[float]:
    values = [v[key] for v in map(key_values, files) if key in v]
    return statistics.median(values) if values else None


def main() -> None:
    out, size = Path(sys.argv[1]), sys.argv[2]
    markdown = Path(sys.argv[3]) if len(sys.argv) > 3 else None
    runs = [json.loads(p.read_text()) for p in sorted((out / 'python').glob('python-%s-r*.json' % size))]
    if not runs:
        raise SystemExit('report.py: no python-%s-r*.json in %s' % (size, out / 'python'))
    modes: Dict[str, List[float]] = {}
    for run in runs:
        for mode, rate in run['msgs_per_s'].items():
            modes.setdefault(mode, []).append(rate)

    apache = sorted(out.glob('apache-%s-r*.txt' % size))
    apache_consume = sorted((out / 'consumer').glob('tput-apache-%s-r*.txt' % size))
    peers: Dict[str, Tuple[Optional[float], str]] = {
        'send_sync': (median_of(apache, 'sync1_rate'), 'sync, 1 thread'),
        'send_async': (median_of(apache, 'async_rate'), 'async'),
        'push_consume': (median_of(apache_consume, 'consume_rate'), 'push consumer'),
    }

    lines = ['Python over librocketmq: %d messages of %s B per mode, median of %d rounds' % (
        runs[0]['messages'], size, len(runs)), '',
        '| mode | Python (msgs/s) | Apache Go client, same run (msgs/s) | Python / Apache Go |',
        '|---|---:|---:|---:|']
    for mode, rates in modes.items():
        ours = statistics.median(rates)
        theirs, what = peers.get(mode, (None, ''))
        if theirs:
            lines.append('| %s | %.0f | %.0f (%s) | %.2fx |' % (mode, ours, theirs, what, ours / theirs))
        else:
            lines.append('| %s | %.0f | | |' % (mode, ours))
    text = '\n'.join(lines) + '\n'
    print(text)
    if markdown:
        markdown.write_text(text)


if __name__ == '__main__':
    main()
