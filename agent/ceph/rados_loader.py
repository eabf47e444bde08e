"""Import the `rados` binding from the distribution's packages into any CPython of its version.

Debian ships librados' Python binding (python3-rados) for its own /usr/bin/python3 only. The
agent runs in the project's virtualenv, whose interpreter is a CPython of the same minor version,
so the very same extension module loads there. We load that one file by path rather than putting
all of /usr/lib/python3/dist-packages on sys.path, which would shadow the venv's own packages.
"""
from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

DIST_PACKAGE_DIRS = ("/usr/lib/python3/dist-packages", "/usr/lib64/python3/site-packages",
                     "/usr/local/lib/python3/dist-packages")
INSTALL_HINT = ("the librados Python binding is missing: install it with "
                "`apt-get install -y python3-rados` (Debian/Ubuntu); the agent must run on a "
                f"CPython {sys.version_info.major}.{sys.version_info.minor} like the distribution's")


class RadosUnavailable(ImportError):
    pass


def load_rados() -> ModuleType:
    """The `rados` module: the normal import if it works, else the distribution's file."""
    try:
        import rados
        return rados
    except ImportError:
        pass
    for directory in DIST_PACKAGE_DIRS:
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            path = Path(directory) / f"rados{suffix}"
            if path.is_file():
                return _load_extension(path)
    raise RadosUnavailable(INSTALL_HINT)


def _load_extension(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("rados", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except ImportError as exc:
        raise RadosUnavailable(f"{INSTALL_HINT} ({path}: {exc})") from exc
    sys.modules["rados"] = module
    return module
