"""Build hook: bundle librocketmq into the package.

pyproject.toml holds the metadata; this file only adds the library. When a
build finds one, it is copied into the built package (never into the source
tree) and the wheel is tagged for this platform (py3-none-<platform>), since
it now carries native code; otherwise the wheel is pure Python and the
package looks for the library at run time (see rocketmq/ffi.py).

Where the library is taken from, first found:
  ROCKETMQ_LIBRARY                   a path
  ../../build/lib/librocketmq.<ext>  what `cmake --build build` produces
  ../../build/librocketmq.<ext>

ROCKETMQ_BUNDLE=0 builds without the library; ROCKETMQ_BUNDLE=1 fails the
build when none is found.
"""

import os
import shutil
import sys

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))

if sys.platform == 'win32':
    LIBRARY_NAME = 'librocketmq.dll'
elif sys.platform == 'darwin':
    LIBRARY_NAME = 'librocketmq.dylib'
else:
    LIBRARY_NAME = 'librocketmq.so'


def library_to_bundle():
    mode = os.environ.get('ROCKETMQ_BUNDLE', '')
    if mode == '0':
        return None
    candidates = []
    if os.environ.get('ROCKETMQ_LIBRARY'):
        candidates.append(os.environ['ROCKETMQ_LIBRARY'])
    repo = os.path.dirname(os.path.dirname(HERE))
    candidates.append(os.path.join(repo, 'build', 'lib', LIBRARY_NAME))
    candidates.append(os.path.join(repo, 'build', LIBRARY_NAME))
    for path in candidates:
        if os.path.isfile(path):
            return path
    if mode == '1':
        raise SystemExit('ROCKETMQ_BUNDLE=1 but no library found; looked at: '
                         + ', '.join(candidates))
    return None


BUNDLE = library_to_bundle()


class build_py_with_library(build_py):
    def run(self):
        super().run()
        if BUNDLE:
            target = os.path.join(self.build_lib, 'rocketmq', LIBRARY_NAME)
            self.announce('bundling %s as %s' % (BUNDLE, target), level=2)
            shutil.copyfile(BUNDLE, target)
            os.chmod(target, 0o755)


cmdclass = {'build_py': build_py_with_library}

try:
    from wheel.bdist_wheel import bdist_wheel

    class bdist_wheel_for_platform(bdist_wheel):
        def get_tag(self):
            if not BUNDLE:
                return super().get_tag()
            # Platform-specific, but not tied to a Python version or ABI. The
            # files stay in the wheel's root (purelib): the package is Python
            # code carrying a library it loads with ctypes.
            pure, self.root_is_pure = self.root_is_pure, False
            try:
                _, _, plat = super().get_tag()
            finally:
                self.root_is_pure = pure
            return 'py3', 'none', plat

    cmdclass['bdist_wheel'] = bdist_wheel_for_platform
except ImportError:  # no `wheel`: sdists and in-place installs still work
    pass

setup(cmdclass=cmdclass)
