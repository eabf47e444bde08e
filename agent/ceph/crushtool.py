"""CRUSH maps between Ceph's binary form and the text form, with the `crushtool` program."""
from __future__ import annotations

import subprocess
import tempfile

from agent.backend import JobError

CRUSHTOOL = "crushtool"
TIMEOUT_S = 30


def decompile(binary: bytes) -> str:
    return _run("-d", binary).decode()


def compile_text(text: str) -> bytes:
    """The binary map for `text`; JobError with crushtool's message if it does not compile."""
    return _run("-c", text.encode())


def _run(mode: str, data: bytes) -> bytes:
    """crushtool reads a real file (it cannot decode from a pipe); the output goes to stdout."""
    with tempfile.NamedTemporaryFile(prefix="crushmap-") as source:
        source.write(data)
        source.flush()
        return _crushtool([mode, source.name, "-o", "/dev/stdout"])


def _crushtool(args: list[str]) -> bytes:
    try:
        done = subprocess.run([CRUSHTOOL, *args], capture_output=True, timeout=TIMEOUT_S)
    except FileNotFoundError:
        raise JobError("crushtool is not installed (package ceph-base)") from None
    except subprocess.TimeoutExpired:
        raise JobError(f"crushtool {args[0]} took longer than {TIMEOUT_S}s") from None
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip() or f"exit status {done.returncode}"
        raise JobError(f"Error EINVAL: crushtool {args[0]}: {message}")
    return done.stdout
