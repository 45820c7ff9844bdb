#!/usr/bin/env python3
"""Lists the functions declared in the public headers, and checks a library
against them.

The list is read from the headers themselves (every declaration marked
ROCKETMQCLIENT_API), and the list of implemented functions from the
library's dynamic symbol table, so the checks follow the code as functions
are declared and exported; nothing is kept by hand.

While the C API is being written, the headers declare more functions than
the library exports. The checks then hold the library to what it does
export (each export must be a declared function, each declared function it
exports must link with C linkage) and report the rest. With --require-all,
or the environment variable RMQ_REQUIRE_ALL_SYMBOLS set to a true value
(1, ON, YES, TRUE), a declared function that is not exported is a failure.

  header_symbols.py list HEADER...
      print one declared function name per line
  header_symbols.py gen-c [--exported NM LIBRARY] OUT [OUT...] -- HEADER...
      write a C source (valid C89 and C++) that includes every header and
      takes the address of every declared function; it defines
      `int rmq_referenced_symbols(void)`, which returns how many it holds,
      and `int rmq_declared_symbols(void)`, the number declared. Linking it
      proves each function resolves with C linkage. With --exported, only
      the functions LIBRARY exports are referenced; the others are only
      named in sizeof expressions, which the compiler checks but which
      emit no reference.
  header_symbols.py check-nm [--require-all] NM LIBRARY HEADER...
      run `NM -D --defined-only LIBRARY`; fail if it exports a symbol that
      is neither a declared function nor part of the Go runtime, or a
      declared name as something other than a function; list the declared
      functions it does not export (a failure with --require-all)
  header_symbols.py check-dll [--require-all] [--def OUT] OBJDUMP DLL HEADER...
      the same checks against a Windows DLL's export table, read with
      `OBJDUMP -p DLL` (a PE export table does not say which names are
      functions); with --def, and only when the checks pass, write the
      module-definition file of the DLL's exports to OUT, from which
      dlltool makes the MinGW import library and MSVC's lib.exe a .lib
  header_symbols.py covered SOURCE... -- HEADER...
      fail unless every declared function is called (its name followed by
      "(") in at least one of the C SOURCEs, comments aside: the bad-input
      tests must reach every function of the API

Standard library only; runs with the system's python3.
"""

import os
import re
import subprocess
import sys

API_MACRO = "ROCKETMQCLIENT_API"


def strip_noise(text):
    """Removes comments, preprocessor lines and extern "C" braces."""
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    text = re.sub(r"\\\n", " ", text)  # join continued lines
    text = re.sub(r"^[ \t]*#[^\n]*", " ", text, flags=re.M)
    text = re.sub(r'extern\s*"C"\s*\{', " ", text)
    return text


def top_level_statements(text):
    """Splits at ';' outside braces; unbalanced '}' (of extern "C") are dropped."""
    depth, cur = 0, []
    for ch in text:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth = max(0, depth - 1)
        if ch == ";" and depth == 0:
            yield " ".join("".join(cur).split())
            cur = []
        else:
            cur.append(ch)


DECL = re.compile(r"\b" + API_MACRO + r"\b[^()]*?\b([A-Za-z_]\w*)\s*\(")


def declared_functions(paths):
    names, problems = [], []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            text = strip_noise(f.read())
        for stmt in top_level_statements(text):
            stmt = stmt.lstrip("} ")
            if not stmt or stmt.startswith("typedef") or "(" not in stmt:
                continue
            m = DECL.search(stmt)
            if m:
                names.append(m.group(1))
            else:
                problems.append("%s: function declared without %s: %s" % (path, API_MACRO, stmt))
    if problems:
        sys.exit("\n".join(problems))
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        sys.exit("declared more than once: " + ", ".join(dupes))
    return names


# Symbols that every Go c-shared library exports: the cgo runtime's C side
# and the stubs behind each //export. They are not part of the C API.
GO_RUNTIME = re.compile(r"^(_cgo_|_cgoexp_|x_cgo_|x_crosscall|crosscall\d|fatalf$)")

# Go functions of the library that its own C code calls (an //export cannot be
# hidden). They are not part of the C API either.
INTERNAL = re.compile(r"^rmqInternal")

# Exported by the C++ library without being declared in any header; a
# reimplementation may export it too.
UNDECLARED_UPSTREAM = {"SetProducerCompressMsgBodyOverHowmuch"}

FUNCTION_TYPES = ("T", "W", "i")


def exported_symbols(nm, library):
    """Returns {name: nm type letter} of the library's defined dynamic symbols."""
    out = subprocess.run([nm, "-D", "--defined-only", library],
                         check=True, capture_output=True, text=True).stdout
    exported = {}
    for line in out.splitlines():
        fields = line.split()
        if len(fields) >= 2:
            exported[fields[-1]] = fields[-2]
    return exported


def exported_symbols_pe(objdump, dll):
    """Returns {name: "T"} for the names in the DLL's export table."""
    out = subprocess.run([objdump, "-p", dll], check=True, capture_output=True, text=True).stdout
    exported, in_table = {}, False
    for line in out.splitlines():
        if "[Ordinal/Name Pointer] Table" in line:
            in_table = True
            continue
        if in_table:
            m = re.match(r"\s*\[\s*\d+\]\s+(\S+)\s*$", line)
            if not m:
                break
            exported[m.group(1)] = "T"
    if not in_table:
        sys.exit("%s: %s -p shows no export table" % (dll, objdump))
    return exported


def write_def(out, dll, exported):
    lines = ["; Generated by scripts/header_symbols.py from the export table of %s." % os.path.basename(dll),
             "; MSVC: lib /def:%s /machine:x64 /out:librocketmq.lib" % os.path.basename(out),
             "LIBRARY %s" % os.path.basename(dll), "EXPORTS"]
    # The library's internal exports (called by its own C code) stay out of
    # the import library: no program should link them.
    lines += ["    %s" % n for n in sorted(exported) if not INTERNAL.match(n)]
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with open(out, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def require_all_from_env():
    return os.environ.get("RMQ_REQUIRE_ALL_SYMBOLS", "").strip().upper() in ("1", "ON", "YES", "TRUE", "Y")


def gen_c(outs, headers, exported=None):
    names = declared_functions(headers)
    if exported is None:
        linked, pending = names, []
    else:
        linked = [n for n in names if exported.get(n) in FUNCTION_TYPES]
        pending = [n for n in names if n not in linked]
    lines = [
        "/* Generated by scripts/header_symbols.py from the public headers. Do not edit. */",
        "",
    ]
    lines += ['#include "%s"' % os.path.basename(h) for h in sorted(headers)]
    lines += [
        "",
        "typedef void (*rmq_any_fn)(void);",
        "",
        "static const rmq_any_fn rmq_functions[] = {",
    ]
    lines += ["  (rmq_any_fn)%s," % n for n in linked]
    lines += [
        "  0",
        "};",
        "",
        "int rmq_referenced_symbols(void);",
        "int rmq_referenced_symbols(void) {",
        "  int n = 0;",
        "  while (rmq_functions[n] != 0) n++;",
        "  return n == %d ? n : -1;" % len(linked),
        "}",
        "",
        "/* Declared but not exported by the library this file was generated",
        "   against (%d): named only inside sizeof, so the compiler checks each" % len(pending),
        "   declaration, but no reference is emitted for the linker. */",
        "int rmq_declared_symbols(void);",
        "int rmq_declared_symbols(void) {",
        "  unsigned long size = 0;",
    ]
    lines += ["  size += (unsigned long)sizeof(&%s);" % n for n in pending]
    lines += [
        "  return size == %d * (unsigned long)sizeof(rmq_any_fn) ? %d : -1;" % (len(pending), len(names)),
        "}",
        "",
    ]
    text = "\n".join(lines)
    for out in outs:
        os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
        with open(out, "w", encoding="utf-8") as f:
            f.write(text)


def check_nm(nm, library, headers, require_all):
    return check_exports(exported_symbols(nm, library), library, headers, require_all)


def check_exports(exported, library, headers, require_all):
    names = declared_functions(headers)
    declared = set(names)
    failed = False
    for sym in sorted(exported):
        if sym in declared or sym in UNDECLARED_UPSTREAM or GO_RUNTIME.match(sym) or INTERNAL.match(sym):
            continue
        print("FAIL exported, but declared in no header: %s (%s)" % (sym, exported[sym]))
        failed = True
    implemented = []
    for n in names:
        if n not in exported:
            continue
        if exported[n] in FUNCTION_TYPES:
            implemented.append(n)
        else:
            print("FAIL exported, but not as a function (%s): %s" % (exported[n], n))
            failed = True
    missing = [n for n in names if n not in exported]
    for n in missing:
        print("%s declared, not exported yet: %s" % ("FAIL" if require_all else "TODO", n))
    print("%d of %d declared functions exported by %s; %d not yet%s"
          % (len(implemented), len(names), os.path.basename(library), len(missing),
             " (required: RMQ_REQUIRE_ALL_SYMBOLS)" if require_all else ""))
    if missing and require_all:
        failed = True
    return 1 if failed else 0


def check_covered(sources, headers):
    names = declared_functions(headers)
    called = set()
    for path in sources:
        with open(path, encoding="utf-8") as f:
            text = strip_noise(f.read())
        called.update(re.findall(r"\b([A-Za-z_]\w*)\s*\(", text))
    missing = [n for n in names if n not in called]
    for n in missing:
        print("FAIL not called by any of the tests: %s" % n)
    print("%d of %d declared functions called by %s"
          % (len(names) - len(missing), len(names), ", ".join(os.path.basename(p) for p in sources)))
    return 1 if missing else 0


def main(argv):
    if len(argv) >= 3 and argv[0] == "covered" and "--" in argv:
        sep = argv.index("--")
        return check_covered(argv[1:sep], argv[sep + 1:])
    if len(argv) >= 2 and argv[0] == "list":
        print("\n".join(declared_functions(argv[1:])))
        return 0
    if len(argv) >= 3 and argv[0] == "gen-c" and "--" in argv:
        sep = argv.index("--")
        outs, exported = argv[1:sep], None
        if outs[:1] == ["--exported"]:
            if len(outs) < 4:
                sys.stderr.write(__doc__)
                return 2
            exported = exported_symbols(outs[1], outs[2])
            outs = outs[3:]
        gen_c(outs, argv[sep + 1:], exported)
        return 0
    if len(argv) >= 1 and argv[0] == "check-nm":
        args = argv[1:]
        require_all = require_all_from_env()
        if args[:1] == ["--require-all"]:
            require_all, args = True, args[1:]
        if len(args) >= 3:
            return check_nm(args[0], args[1], args[2:], require_all)
    if len(argv) >= 1 and argv[0] == "check-dll":
        args, require_all, def_out = argv[1:], require_all_from_env(), None
        while args[:1] in (["--require-all"], ["--def"]):
            if args[0] == "--require-all":
                require_all, args = True, args[1:]
            elif len(args) >= 2:
                def_out, args = args[1], args[2:]
            else:
                break
        if len(args) >= 3:
            exported = exported_symbols_pe(args[0], args[1])
            status = check_exports(exported, args[1], args[2:], require_all)
            if status == 0 and def_out:
                write_def(def_out, args[1], exported)
            return status
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
