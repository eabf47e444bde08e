"""The manager's own wheel, which the /bootstrap script installs on a Ceph server as its agent.

Where it comes from (had once per daemon start, at the first request, off the event loop, and
held in memory: about half a megabyte):
- From a checkout (this code sits beside a pyproject.toml: `python run.py`, or `pip install -e .`):
  `pip wheel --no-deps` of a copy of the checkout's packages and top-level files, through the
  project's own build backend (pip fetches it as `pip install .` would). A copy, because a build
  writes into its source tree and several daemons may share one checkout. The code may change
  while the version does not, so a build is kept by the digest of its sources (cache_dir()),
  never by version.
- From an installed distribution (a wheel installed with pip, as in the container image): its
  installed files zipped back into a wheel with a fresh RECORD: what pip unpacked, less what pip
  itself added (console scripts outside site-packages, byte code, INSTALLER, REQUESTED,
  direct_url.json). Deterministic: the same install gives the same bytes, hence the same SHA-256.
"""
from __future__ import annotations

import atexit
import base64
import hashlib
import importlib.metadata
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

DISTRIBUTION = "calamari-server"          # pyproject.toml's [project] name
CHECKOUT = Path(__file__).resolve().parents[2]
BUILD_TIMEOUT_S = 600.0
CACHED_BUILDS = 8                         # checkout builds kept (one per version of the sources)
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
    """The manager's wheel (blocking: seconds from a checkout; run it in a thread)."""
    with tempfile.TemporaryDirectory(prefix="calamari-wheel-") as scratch:
        _unfinished.add(scratch)
        try:
            if (CHECKOUT / "pyproject.toml").is_file():
                path = build_from_checkout(CHECKOUT, Path(scratch), cache_dir())
            else:
                path = rebuild_installed(installed(DISTRIBUTION), Path(scratch))
            data = path.read_bytes()
        finally:
            _unfinished.discard(scratch)
    return Wheel(path.name, data, hashlib.sha256(data).hexdigest())


# A daemon may stop in the middle of a build (its thread does not hold the exit up): the pip it
# runs and the scratch directory go with it, at exit, rather than live on.
_unfinished: set[str] = set()
_running: set[subprocess.Popen] = set()


@atexit.register
def _abandon_builds() -> None:
    for process in list(_running):
        kill_group(process)
    for scratch in list(_unfinished):
        shutil.rmtree(scratch, ignore_errors=True)


def cache_dir() -> Path | None:
    """Where checkout builds are kept, by the digest of their sources ($XDG_CACHE_HOME or
    ~/.cache, as pip's own cache): a restart, or another daemon of the same checkout (the test
    suite starts hundreds), reuses the wheel of unchanged sources instead of building it again."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return None if base.startswith("~") else Path(base) / "calamari" / "wheels"   # ~: no home


def build_from_checkout(root: Path, scratch: Path, cache: Path | None = None) -> Path:
    source = scratch / "source"
    copy_sources(root, source)
    kept = None if cache is None else cache / tree_digest(source)
    if kept is not None and len(found := sorted(kept.glob("*.whl"))) == 1:
        return found[0]
    wheel = pip_wheel(root, source, scratch / "out")
    if kept is not None:
        keep(wheel, kept)
    return wheel


def pip_wheel(root: Path, source: Path, out: Path) -> Path:
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(out), str(source)]
    # pip's own temporary files (its isolated build environment) go in the scratch directory too,
    # and pip and its build backend in a process group of their own: all of it can go at once.
    temporary = source.parent / "tmp"
    temporary.mkdir()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True,
                               env=dict(os.environ, PIP_NO_INPUT="1", PIP_DISABLE_PIP_VERSION_CHECK="1",
                                        TMPDIR=str(temporary)))
    _running.add(process)
    try:
        stdout, stderr = process.communicate(timeout=BUILD_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        kill_group(process)
        process.communicate()
        raise WheelError(f"pip wheel of {root} took more than {BUILD_TIMEOUT_S:.0f} s") from None
    finally:
        _running.discard(process)
    wheels = sorted(out.glob("*.whl"))
    if process.returncode != 0 or len(wheels) != 1:
        tail = " / ".join((stderr or stdout).strip().splitlines()[-3:])
        raise WheelError(f"pip wheel of {root} failed (exit {process.returncode}): {tail}")
    return wheels[0]


def kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:   # already gone
        pass


def tree_digest(tree: Path) -> str:
    """SHA-256 over every file's relative path and bytes: equal digests, equal sources."""
    digest = hashlib.sha256()
    for path in sorted(p for p in tree.rglob("*") if p.is_file()):
        data = path.read_bytes()
        digest.update(f"{path.relative_to(tree).as_posix()}\0{len(data)}\0".encode() + data)
    return digest.hexdigest()


def keep(wheel: Path, directory: Path) -> None:
    """The wheel into the cache as DIGEST/NAME (renamed into place whole: a daemon building the
    same sources at the same moment finds a complete one or none), and only the newest few kept.
    A cache that cannot be written is no error: the next start builds again."""
    staging = None
    try:
        directory.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=directory.parent, prefix=".new-"))
        shutil.copy2(wheel, staging / wheel.name)
        os.rename(staging, directory)
        staging = None
        builds = sorted((p for p in directory.parent.iterdir() if not p.name.startswith(".")),
                        key=lambda p: p.stat().st_mtime, reverse=True)
        for old in builds[CACHED_BUILDS:]:
            shutil.rmtree(old, ignore_errors=True)
    except OSError:   # not writable, or another daemon renamed the same digest first
        pass
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)


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
