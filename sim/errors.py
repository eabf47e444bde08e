"""A mon command that failed the way Ceph fails it: an errno name and Ceph's status text."""
from __future__ import annotations

import errno
import os


class CommandError(Exception):
    """str() is what the `ceph` CLI prints and what rados_commands reports as error_status:
    "Error ENOENT: unrecognized pool 'x'"."""

    def __init__(self, code: str, message: str):
        if not hasattr(errno, code):
            raise ValueError(f"unknown errno name {code!r}")
        super().__init__(f"Error {code}: {message}")
        self.code = code
        self.message = message

    @property
    def errno(self) -> int:
        return getattr(errno, self.code)


def strerror(code: str) -> str:
    """Ceph's cpp_strerror text for an errno name: "(39) Directory not empty"."""
    number = getattr(errno, code)
    return f"({number}) {os.strerror(number)}"
