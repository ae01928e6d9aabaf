"""Build the optional compiled record reader; everything else is in pyproject.toml.

``ianaports._treewalk`` reads lxml's tree through libxml2's C structures, which
makes parsing about twice as fast (docs/performance.md).  It is optional: on a
machine with no C compiler, or with ``IANAPORTS_PURE_PYTHON=1`` set at build
time, the install goes on without it and the parser uses its pure-Python loop,
which gives the same results.
"""

from __future__ import annotations

import os

from setuptools import Extension, setup


def _extensions() -> list[Extension]:
    if os.environ.get("IANAPORTS_PURE_PYTHON", "").strip().lower() not in {"", "0", "false", "no", "off"}:
        return []
    # Imported here: both are build requirements, needed only for the extension.  A build
    # without isolation may lack them; it then goes on without the extension, as with no compiler.
    try:
        import lxml  # noqa: PLC0415
        from Cython.Build import cythonize  # noqa: PLC0415
    except ImportError:
        return []

    include_dirs = lxml.get_include()
    extension = Extension("ianaports._treewalk", ["src/ianaports/_treewalk.pyx"], include_dirs=include_dirs)
    extensions: list[Extension] = cythonize(
        [extension], include_path=include_dirs, compiler_directives={"language_level": "3"}
    )
    for built in extensions:
        # A failed compile leaves the pure-Python parser, not a failed install.
        # (Set after cythonize, which makes new Extensions without this flag.)
        built.optional = True
    return extensions


setup(ext_modules=_extensions())
