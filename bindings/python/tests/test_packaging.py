"""Building and installing the package offline, with the library bundled."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from conftest import PACKAGE_ROOT, run_python
from rocketmq import ffi


def _have(module: str) -> bool:
    return subprocess.run([sys.executable, '-c', 'import ' + module],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0


pytestmark = pytest.mark.skipif(not (_have('pip') and _have('setuptools') and _have('wheel')),
                                reason='needs pip, setuptools and wheel for this Python '
                                       '(Debian: python3-pip python3-wheel)')

CLEAN = {'ROCKETMQ_LIBRARY': None, 'LD_LIBRARY_PATH': None, 'PYTHONPATH': None}


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """A copy of bindings/python, so builds leave nothing in the repository."""
    dest = tmp_path / 'src'
    shutil.copytree(PACKAGE_ROOT, dest, ignore=shutil.ignore_patterns(
        'tests', 'build', '*.egg-info', '__pycache__', 'librocketmq.*'))
    return dest


def _pip(*args: str, env: dict) -> str:
    full = dict(os.environ)
    full.update(env)
    full['PIP_NO_INDEX'] = '1'  # never the network
    full['PIP_DISABLE_PIP_VERSION_CHECK'] = '1'
    proc = subprocess.run([sys.executable, '-m', 'pip'] + list(args), env=full,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
    out = proc.stdout.decode('utf-8', 'replace')
    assert proc.returncode == 0, out
    return out


def _wheel(source: Path, out: Path, env: dict) -> Path:
    _pip('wheel', '--no-build-isolation', '--no-deps', '-w', str(out), str(source), env=env)
    wheels = list(out.glob('*.whl'))
    assert len(wheels) == 1, wheels
    return wheels[0]


def test_wheel_bundles_the_library(source: Path, tmp_path: Path) -> None:
    wheel = _wheel(source, tmp_path / 'dist', {'ROCKETMQ_LIBRARY': ffi.library_path(),
                                              'ROCKETMQ_BUNDLE': '1'})
    lib_name = ffi._library_file_names()[0]
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        assert 'rocketmq/%s' % lib_name in names
        assert 'rocketmq/py.typed' in names
    assert wheel.name.startswith('rocketmq_client_python-') and '-py3-none-' in wheel.name
    assert not wheel.name.endswith('-any.whl')
    # Nothing was written into the source tree's package.
    assert not (source / 'rocketmq' / lib_name).exists()

    target = tmp_path / 'site'
    _pip('install', '--no-deps', '--target', str(target), str(wheel), env={})
    code = textwrap.dedent('''
        import rocketmq.client as c, rocketmq.ffi as f
        m = c.Message("T", b"bundled\\x00")
        print(f.library_source(), m.body)
    ''')
    proc = run_python(code, env=dict(CLEAN, PYTHONPATH=str(target)), cwd=tmp_path)
    assert proc.stdout.decode().strip() == "bundled b'bundled\\x00'", proc.stdout.decode()


def test_pure_wheel_without_library(source: Path, tmp_path: Path) -> None:
    wheel = _wheel(source, tmp_path / 'dist', {'ROCKETMQ_BUNDLE': '0'})
    assert wheel.name.endswith('-py3-none-any.whl')
    with zipfile.ZipFile(wheel) as zf:
        assert not [n for n in zf.namelist() if 'librocketmq' in n]


def test_install_from_source_offline(source: Path, tmp_path: Path) -> None:
    # The documented command, into a target directory rather than the system.
    target = tmp_path / 'site'
    _pip('install', '--no-build-isolation', '--no-deps', '--target', str(target), str(source),
         env={'ROCKETMQ_LIBRARY': ffi.library_path()})
    proc = run_python('import rocketmq.ffi as f; print(f.library_source())',
                      env=dict(CLEAN, PYTHONPATH=str(target)), cwd=tmp_path)
    assert proc.stdout.decode().strip() == 'bundled', proc.stdout.decode()
