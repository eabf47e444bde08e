"""A `run.py` child process for system and real-Ceph tests: started until it prints its ready
line, its output kept for failure messages, stopped with SIGTERM (killed if it hangs)."""
from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class ChildProcess:
    """Base of DaemonProcess and AgentProcess: `proc`, `output`, `stop()`, `kill()`, `log_text()`."""

    proc: subprocess.Popen | None = None
    output: list

    def launch(self, args: list[str], ready_prefix: str, what: str, timeout_s: float,
               program: list[str] | None = None) -> str:
        """Start `run.py ARGS` (or `PROGRAM ARGS`, e.g. an installed console script) and return
        its first line starting with `ready_prefix`."""
        self.output = []
        lines: queue.Queue = queue.Queue()
        self.proc = subprocess.Popen([*(program or [sys.executable, str(ROOT / "run.py")]), *args], cwd=ROOT,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     env=dict(os.environ, PYTHONUNBUFFERED="1"))
        threading.Thread(target=self._pump, args=(self.proc, lines), daemon=True).start()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                raise RuntimeError(f"{what} exited during start-up:\n" + self.log_text())
            if line.startswith(ready_prefix):
                return line
        self.kill()
        raise TimeoutError(f"{what} not ready:\n" + self.log_text())

    def _pump(self, proc: subprocess.Popen, lines: queue.Queue) -> None:
        for line in proc.stdout:
            self.output.append(line)
            lines.put(line)
        lines.put(None)

    def stop(self, timeout_s: float = 5.0) -> int:
        """SIGTERM, then the exit code (the process must exit cleanly and in time)."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.kill()
            raise

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def log_text(self) -> str:
        return "".join(self.output[-200:])
