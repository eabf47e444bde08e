"""`GET cluster/<fsid>/health`: the checks of Ceph's `health detail`, most severe first. Pure.

Pacific's map (docs/sync-objects.md `health`) keys checks by code, each with a severity, a summary
`{"message", "count"}`, `detail` lines and `muted`. The API lists them instead, ordered by
severity (HEALTH_ERR, then HEALTH_WARN, then anything else) and then by name, so a client shows
the worst first without knowing Ceph's severity names. The facade adds `update_time`.
"""
from __future__ import annotations

from actors.errors import Unavailable

SEVERITY_ORDER = {"HEALTH_ERR": 0, "HEALTH_WARN": 1}


def api_health(health: dict | None, fsid: str) -> dict:
    """{"status", "checks": [{name, severity, summary, count, muted, detail}]}; 503 before the
    first copy of the cluster's health has arrived."""
    if not isinstance(health, dict):
        raise Unavailable(f"The health of cluster {fsid} has not arrived yet")
    checks = [_check(name, check) for name, check in (health.get("checks") or {}).items()
              if isinstance(check, dict)]
    checks.sort(key=lambda c: (SEVERITY_ORDER.get(c["severity"], len(SEVERITY_ORDER)), c["name"]))
    return {"status": health.get("status"), "checks": checks}


def _check(name: str, check: dict) -> dict:
    summary = check.get("summary") if isinstance(check.get("summary"), dict) else {}
    detail = check.get("detail") if isinstance(check.get("detail"), list) else []
    return {"name": name, "severity": check.get("severity"), "summary": summary.get("message", ""),
            "count": summary.get("count", 0), "muted": bool(check.get("muted", False)),
            "detail": [d.get("message", "") for d in detail if isinstance(d, dict)]}
