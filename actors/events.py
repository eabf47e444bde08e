"""The event record and its severities (calamari-internals §6.1)."""
from __future__ import annotations

from dataclasses import dataclass

CRITICAL, ERROR, WARNING, RECOVERY, INFO = 1, 2, 3, 4, 5
SEVERITY_NAMES = {CRITICAL: "CRITICAL", ERROR: "ERROR", WARNING: "WARNING",
                  RECOVERY: "RECOVERY", INFO: "INFO"}
SEVERITY_BY_NAME = {name: level for level, name in SEVERITY_NAMES.items()}


@dataclass(frozen=True)
class Event:
    when: float          # epoch seconds, UTC
    severity: int        # lower is more severe
    message: str
    fsid: str | None = None
    fqdn: str | None = None
    service_type: str | None = None
    service_id: str | None = None
    audit: bool = False  # an audit entry: kept under its own retention (actors/storage/retention.py)
