"""Where the package finds librocketmq, and when it loads it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import PACKAGE_ROOT, compiler, run_python
from rocketmq import ffi

LIB = ffi.library_path()

REPORT = textwrap.dedent('''
    import rocketmq.ffi as f
    print("SOURCE", f.library_source())
    print("PATH", f.library_path())
''')

# Nothing may leak in from the machine's configuration.
CLEAN = {'ROCKETMQ_LIBRARY': None, 'LD_LIBRARY_PATH': None, 'LIBRARY_PATH': None,
         'DYLD_LIBRARY_PATH': None}


def _parse(proc: subprocess.CompletedProcess) -> dict:
    out = proc.stdout.decode()
    assert proc.returncode == 0, out
    result = {}
    for line in out.splitlines():
        key, _, value = line.partition(' ')
        result[key] = value
    return result


@pytest.fixture
def package_copy(tmp_path: Path) -> Path:
    """A copy of the package without any bundled library, importable from tmp_path."""
    dest = tmp_path / 'rocketmq'
    shutil.copytree(PACKAGE_ROOT / 'rocketmq', dest,
                    ignore=shutil.ignore_patterns('librocketmq.*', '__pycache__'))
    return tmp_path


def _run_copy(copy: Path, code: str, env: dict) -> subprocess.CompletedProcess:
    full = dict(CLEAN)
    full.update(env)
    full['PYTHONPATH'] = str(copy)
    return run_python(code, env=full, cwd=copy)


def test_environment_variable_is_used(package_copy: Path) -> None:
    info = _parse(_run_copy(package_copy, REPORT, {'ROCKETMQ_LIBRARY': LIB}))
    assert info['SOURCE'] == 'ROCKETMQ_LIBRARY'
    assert info['PATH'] == os.path.abspath(LIB)


def test_bundled_copy_wins_over_environment(package_copy: Path, tmp_path: Path) -> None:
    bundled = package_copy / 'rocketmq' / ffi._library_file_names()[0]
    shutil.copy(LIB, bundled)
    other = tmp_path / 'elsewhere.so'
    shutil.copy(LIB, other)
    info = _parse(_run_copy(package_copy, REPORT + 'import rocketmq.client as c\n'
                            'c.Message("T"); print("LOADED", f.is_loaded())\n',
                            {'ROCKETMQ_LIBRARY': str(other)}))
    assert info['SOURCE'] == 'bundled'
    assert info['PATH'] == str(bundled)
    assert info['LOADED'] == 'True'


def test_environment_variable_pointing_nowhere_is_an_import_error(package_copy: Path) -> None:
    proc = _run_copy(package_copy, 'import rocketmq.client',
                     {'ROCKETMQ_LIBRARY': '/nonexistent/librocketmq.so'})
    out = proc.stdout.decode()
    assert proc.returncode != 0
    assert 'LibraryNotFound' in out and 'ROCKETMQ_LIBRARY' in out and '/nonexistent' in out, out
    from rocketmq.ffi import LibraryNotFound
    assert issubclass(LibraryNotFound, ImportError)


@pytest.mark.skipif(sys.platform != 'linux', reason='uses LD_LIBRARY_PATH')
def test_system_library_through_find_library(package_copy: Path, tmp_path: Path) -> None:
    libdir = tmp_path / 'lib'
    libdir.mkdir()
    shutil.copy(LIB, libdir / 'librocketmq.so')
    # find_library itself drops such a library (no SONAME); ffi searches the
    # LD_LIBRARY_PATH directories after it.
    code = REPORT + 'import rocketmq.client as c\nc.Message("T"); print("LOADED", f.is_loaded())\n'
    info = _parse(_run_copy(package_copy, code, {'LD_LIBRARY_PATH': str(libdir)}))
    assert info['SOURCE'] == 'system'
    assert info['PATH'] == str(libdir / 'librocketmq.so')
    assert info['LOADED'] == 'True'


def test_nothing_found_names_all_three_places(package_copy: Path) -> None:
    probe = run_python('import ctypes.util; print(ctypes.util.find_library("rocketmq"))',
                       env=CLEAN)
    if probe.stdout.decode().strip() != 'None':
        pytest.skip('this machine has a system librocketmq: %s' % probe.stdout.decode().strip())
    if os.path.isfile('/usr/local/lib/librocketmq.so'):
        pytest.skip('/usr/local/lib/librocketmq.so exists')
    proc = _run_copy(package_copy, 'import rocketmq.client', {})
    out = proc.stdout.decode()
    assert proc.returncode != 0
    assert 'LibraryNotFound' in out, out
    assert 'bundled' in out and 'ROCKETMQ_LIBRARY' in out and 'find_library' in out, out
    # The package itself still imports: only the client needs the library.
    ok = _run_copy(package_copy, 'import rocketmq; print(rocketmq.__version__)', {})
    assert ok.returncode == 0, ok.stdout.decode()


def test_import_does_not_load_the_library() -> None:
    code = textwrap.dedent('''
        import rocketmq.client, rocketmq.aio, rocketmq.ffi as f
        def mapped():
            with open("/proc/self/maps") as maps:
                return "librocketmq" in maps.read()
        print("LOADED", f.is_loaded(), mapped() if __import__("os").path.exists("/proc/self/maps") else False)
        rocketmq.client.Message("T")
        print("AFTER", f.is_loaded())
    ''')
    info = _parse(run_python(code))
    assert info['LOADED'] == 'False False'
    assert info['AFTER'] == 'True'


@pytest.mark.parametrize('platform,name', [('linux', 'librocketmq.so'),
                                           ('darwin', 'librocketmq.dylib'),
                                           ('win32', 'librocketmq.dll')])
def test_library_file_names(monkeypatch: pytest.MonkeyPatch, platform: str, name: str) -> None:
    monkeypatch.setattr(sys, 'platform', platform)
    assert ffi._library_file_names()[0] == name


@pytest.mark.skipif(compiler() is None, reason='needs a C compiler to build a stub library')
def test_missing_function_fails_when_used_not_at_import(tmp_path: Path,
                                                        package_copy: Path) -> None:
    # An old or partial library: rocketmq-client-python 2.x could not even be
    # imported with one (issue #115); here only the missing function fails.
    src = tmp_path / 'stub.c'
    src.write_text('const char* GetLatestErrorMessage(void) { return "stub"; }\n'
                   'void* CreateMessage(const char* t) { (void)t; return (void*)4096; }\n')
    stub = tmp_path / 'librocketmq.so'
    subprocess.run([compiler(), '-shared', '-fPIC', '-o', str(stub), str(src)], check=True)
    code = textwrap.dedent('''
        import rocketmq.client as c, rocketmq.ffi as f
        try:
            c.Producer("g")
        except f.MissingSymbol as e:
            print("MISSING", e)
        print("HAS", f.has_symbol("CreateMessage"), f.has_symbol("CreateProducer"))
    ''')
    info = _parse(_run_copy(package_copy, code, {'ROCKETMQ_LIBRARY': str(stub)}))
    assert 'CreateProducer' in info['MISSING']
    assert info['HAS'] == 'True False'
