"""rocketmq.ffi against the C headers and the library."""

from __future__ import annotations

import ctypes
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, compiler
from rocketmq import ffi

HEADERS = sorted((REPO / 'include').glob('*.h'))
SYMBOLS_SCRIPT = REPO / 'scripts' / 'header_symbols.py'

needs_headers = pytest.mark.skipif(not HEADERS or not SYMBOLS_SCRIPT.is_file(),
                                   reason='needs the repository (include/, scripts/)')


@needs_headers
def test_every_declared_c_function_is_bound_and_nothing_else() -> None:
    out = subprocess.run([sys.executable, str(SYMBOLS_SCRIPT), 'list'] + [str(h) for h in HEADERS],
                         check=True, stdout=subprocess.PIPE).stdout.decode()
    declared = sorted(out.split())
    assert ffi.declared_functions() == declared


def test_library_exports_only_declared_functions() -> None:
    nm = shutil.which('nm')
    if nm is None or sys.platform != 'linux':
        pytest.skip('needs nm on Linux')
    out = subprocess.run([nm, '-D', '--defined-only', ffi.library_path()], check=True,
                         stdout=subprocess.PIPE).stdout.decode()
    exported = {f[2] for f in (line.split() for line in out.splitlines())
                if len(f) == 3 and f[1] == 'T'}
    api = exported & set(ffi.declared_functions())
    assert api == set(ffi.declared_functions()) - set(ffi.missing_symbols())


LAYOUT_PROGRAM = r'''
#include <stddef.h>
#include <stdio.h>
#include "CCommon.h"
#include "CSendResult.h"
#include "CMessageQueue.h"
#include "CMQException.h"
#include "CPullResult.h"
#define F(t, f) printf(#t "." #f " %lu\n", (unsigned long)offsetof(t, f))
#define S(t) printf(#t " %lu\n", (unsigned long)sizeof(t))
int main(void) {
  S(CSendResult); F(CSendResult, sendStatus); F(CSendResult, msgId); F(CSendResult, offset);
  S(CMessageQueue); F(CMessageQueue, topic); F(CMessageQueue, brokerName); F(CMessageQueue, queueId);
  S(CMQException); F(CMQException, error); F(CMQException, line); F(CMQException, file);
  F(CMQException, msg); F(CMQException, type);
  S(CPullResult); F(CPullResult, pullStatus); F(CPullResult, nextBeginOffset);
  F(CPullResult, minOffset); F(CPullResult, maxOffset); F(CPullResult, msgFoundList);
  F(CPullResult, size); F(CPullResult, pData);
  return 0;
}
'''


@needs_headers
@pytest.mark.skipif(compiler() is None, reason='needs a C compiler')
def test_struct_layouts_match_the_headers(tmp_path: Path) -> None:
    src = tmp_path / 'layout.c'
    src.write_text(LAYOUT_PROGRAM)
    exe = tmp_path / 'layout'
    subprocess.run([compiler(), '-I', str(REPO / 'include'), '-o', str(exe), str(src)], check=True)
    c_layout = dict(line.split() for line in
                    subprocess.run([str(exe)], check=True, stdout=subprocess.PIPE)
                    .stdout.decode().splitlines())
    structs = {'CSendResult': ffi._CSendResult, 'CMessageQueue': ffi._CMessageQueue,
               'CMQException': ffi._CMQException, 'CPullResult': ffi._CPullResult}
    py_layout = {}
    for name, struct in structs.items():
        py_layout[name] = str(ctypes.sizeof(struct))
        for field, _ in struct._fields_:
            py_layout['%s.%s' % (name, field)] = str(getattr(struct, field).offset)
    assert py_layout == c_layout


def test_enums_match_ccommon() -> None:
    assert int(ffi._CStatus.PRODUCER_SEND_TRANSACTION_FAILED) == 16
    assert int(ffi._CStatus.NOT_SUPPORT) == 500
    assert (int(ffi.MessageModel.BROADCASTING), int(ffi.MessageModel.CLUSTERING)) == (0, 1)
    assert (int(ffi.TraceModel.OPEN), int(ffi.TraceModel.CLOSE)) == (0, 1)


def test_unknown_attribute_is_not_a_c_function() -> None:
    with pytest.raises(AttributeError, match='not a function'):
        ffi.dll.NoSuchFunction


def test_repr_names_the_library() -> None:
    assert ffi.library_path() in repr(ffi.dll)
