"""Times are epoch seconds (UTC) inside; the API writes them as ISO-8601 with "+00:00"."""
from __future__ import annotations

from datetime import datetime, timezone


def iso(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, timezone.utc).isoformat()
