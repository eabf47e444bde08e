"""The manager's own wheel, which the /bootstrap script installs on a Ceph server as its agent.

Where it comes from (built once per daemon start, off the event loop, held in memory: about a
megabyte, and no data-dir state to go stale):
- From a checkout (this code sits beside a pyproject.toml: `python run.py`, or `pip install -e .`):
  `pip wheel --no-deps` of a copy of the checkout's packages and top-level files, through the
  project's own build backend (pip fetches it as `pip install .` would). A copy, because a build
  writes into its source tree and several daemons may share one checkout; once per start,
  because the code may have changed since the last start while the version did not.
- From an installed distribution (a wheel installed with pip, as in the container image): its
  installed files zipped back into a wheel with a fresh RECORD: what pip unpacked, less what pip
  itself added (console scripts outside site-packages, byte code, INSTALLER, REQUESTED,
  direct_url.json). Deterministic: the same install gives the same bytes, hence the same SHA-256.
"""
from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

DISTRIBUTION = "calamari-server"          # pyproject.toml's [project] name
CHECKOUT = Path(__file__).resolve().parents[2]
BUILD_TIMEOUT_S = 600.0
# A checkout's top-level files a build never needs (databases, editor and tool litter).
SKIPPED = ("*.sqlite3", "*.sqlite3-*", "*.db", "*.pyc", "__pycache__", "*.egg-info", "build", "dist")
# What pip writes into an installed distribution's dist-info; never part of the wheel itself.
INSTALLER_FILES = {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"}
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)         # the earliest a zip can say: a fixed date, stable bytes


class WheelError(RuntimeError):
    """The wheel cannot be had; the message says why (pip's last lines, a missing file)."""


@dataclass(frozen=True)
class Wheel:
    name: str       # its file name, e.g. calamari_server-0.16.0-py3-none-any.whl
    data: bytes
    sha256: str     # hex


def agent_wheel() -> Wheel:
    """The manager's wheel (blocking: seconds from a checkout; run it in an executor)."""
    with tempfile.TemporaryDirectory(prefix="calamari-wheel-") as scratch:
        if (CHECKOUT / "pyproject.toml").is_file():
            path = build_from_checkout(CHECKOUT, Path(scratch))
        else:
            path = rebuild_installed(installed(DISTRIBUTION), Path(scratch))
        data = path.read_bytes()
    return Wheel(path.name, data, hashlib.sha256(data).hexdigest())


def build_from_checkout(root: Path, scratch: Path) -> Path:
    source, out = scratch / "source", scratch / "out"
    copy_sources(root, source)
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(out), str(source)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S,
                              env=dict(os.environ, PIP_NO_INPUT="1", PIP_DISABLE_PIP_VERSION_CHECK="1"))
    except subprocess.TimeoutExpired:
        raise WheelError(f"pip wheel of {root} took more than {BUILD_TIMEOUT_S:.0f} s") from None
    wheels = sorted(out.glob("*.whl"))
    if done.returncode != 0 or len(wheels) != 1:
        tail = " / ".join((done.stderr or done.stdout).strip().splitlines()[-3:])
        raise WheelError(f"pip wheel of {root} failed (exit {done.returncode}): {tail}")
    return wheels[0]


def copy_sources(root: Path, target: Path) -> None:
    """The checkout's top-level files and its Python packages (directories holding a .py file):
    what a build reads, without .git, virtualenvs or data dirs."""
    ignore = shutil.ignore_patterns(*SKIPPED)
    target.mkdir()
    skipped = set(ignore(str(root), [p.name for p in root.iterdir()]))
    for entry in root.iterdir():
        if entry.name in skipped or entry.name.startswith("."):
            continue
        if entry.is_file():
            shutil.copy2(entry, target / entry.name)
        elif entry.is_dir() and any(entry.glob("*.py")):
            shutil.copytree(entry, target / entry.name, ignore=ignore)


def installed(name: str) -> importlib.metadata.Distribution:
    try:
        return importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        raise WheelError(f"this code is neither a checkout nor the installed {name}: no wheel to serve") from None


def rebuild_installed(dist: importlib.metadata.Distribution, out: Path) -> Path:
    """The wheel `dist` was installed from, zipped again from its installed files into `out`."""
    files = sorted(f for f in dist.files or () if wheel_member(f))
    dist_info = next((f.parts[0] for f in files if f.name == "METADATA" and len(f.parts) == 2), None)
    if dist_info is None:
        raise WheelError(f"the installed {dist.name} has no METADATA")
    path = out / f"{dist_info.removesuffix('.dist-info')}-{wheel_tag(dist)}.whl"
    records = []
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in files:
            if member.parts[0] == dist_info and member.name in INSTALLER_FILES:
                continue
            data = Path(str(member.locate())).read_bytes()
            archive.writestr(zip_info(member.as_posix()), data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            records.append(f"{member.as_posix()},sha256={digest},{len(data)}")
        records.append(f"{dist_info}/RECORD,,")
        archive.writestr(zip_info(f"{dist_info}/RECORD"), "\n".join(records) + "\n")
    return path


def wheel_member(path: PurePosixPath) -> bool:
    """Whether an installed file came out of the wheel (not a script pip generated elsewhere,
    not byte code compiled since)."""
    return path.parts[0] != ".." and "__pycache__" not in path.parts and path.suffix != ".pyc"


def wheel_tag(dist) -> str:
    tags = [line.split(":", 1)[1].strip() for line in (dist.read_text("WHEEL") or "").splitlines()
            if line.startswith("Tag:")]
    return tags[0] if len(tags) == 1 else "py3-none-any"


def zip_info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, ZIP_EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info
