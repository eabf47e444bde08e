"""A cluster's guardrails (opt-in, all off by default): what they are, how a PUT body is checked,
and when the change window is open. Pure: no I/O, no clock of its own.

    {"refuse_unsafe_osd_changes": bool,        # OSD changes Ceph's ok-to-stop says no to: 409
     "refuse_deleting_pools_with_data": bool,  # deleting a pool that stores bytes or objects: 409
     "change_window": null | [{"days": ["mon", ...], "from": "HH:MM", "to": "HH:MM"}, ...]}

Both refusals give way to `?force=1` (the audit records the override); the window does not: an
administrator changes the window itself (PUT) instead. Window ranges are UTC, `from` included and
`to` excluded, `from` < `to` on the same day ("24:00" is the end of a day): a range over
midnight is written as two ranges (e.g. fri 22:00-24:00 and sat 00:00-06:00), so every range
reads the way it is written. `null` means no window (writes at any time); an empty list
would mean never and is refused.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass

from actors.errors import Invalid
from actors.fields import LIST, Body, Errors, Field, array, boolean, string

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")     # time.gmtime().tm_wday order
_CLOCK = re.compile(r"(?:[01]\d|2[0-3]):[0-5]\d|24:00")
RANGE_KEYS = ("days", "from", "to")
MAX_RANGES = 50

# Documents one range for the OpenAPI document; parse_window checks it (naming "change_window[i].key").
WINDOW_RANGE = Body({"days": array(string(*DAYS)), "from": string(), "to": string()}, required=RANGE_KEYS)
GUARDRAILS = Body({"refuse_unsafe_osd_changes": boolean(),
                   "refuse_deleting_pools_with_data": boolean(),
                   "change_window": Field(LIST, nullable=True, of=WINDOW_RANGE)},
                  required=("refuse_unsafe_osd_changes", "refuse_deleting_pools_with_data",
                            "change_window"))


@dataclass(frozen=True)
class Range:
    days: tuple[str, ...]
    start: int     # minutes after midnight UTC, included
    end: int       # excluded; 1440 is "24:00"

    def as_json(self) -> dict:
        return {"days": list(self.days), "from": clock_text(self.start), "to": clock_text(self.end)}


@dataclass(frozen=True)
class Guardrails:
    refuse_unsafe_osd_changes: bool = False
    refuse_deleting_pools_with_data: bool = False
    change_window: tuple[Range, ...] | None = None

    def as_json(self) -> dict:
        window = None if self.change_window is None else [r.as_json() for r in self.change_window]
        return {"refuse_unsafe_osd_changes": self.refuse_unsafe_osd_changes,
                "refuse_deleting_pools_with_data": self.refuse_deleting_pools_with_data,
                "change_window": window}


OFF = Guardrails()


def clock_text(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def parse(body, method: str = "PUT") -> Guardrails:
    """The guardrails a PUT body asks for, or Invalid naming every bad field ("change_window[1].to")."""
    values = GUARDRAILS.check(body, method)   # every field required: a PUT replaces them all
    window = values["change_window"]
    return Guardrails(values["refuse_unsafe_osd_changes"], values["refuse_deleting_pools_with_data"],
                      None if window is None else parse_window(window))


def parse_window(window: list) -> tuple[Range, ...]:
    """The ranges of a PUT's change_window (a list), or Invalid naming each bad one."""
    errors = Errors()
    if not window:
        errors.add("change_window", "An empty window would refuse every write: use null for no window.")
    elif len(window) > MAX_RANGES:
        errors.add("change_window", f"At most {MAX_RANGES} ranges.")
    ranges = () if errors else tuple(_parse_range(f"change_window[{index}]", entry, errors)
                                     for index, entry in enumerate(window))
    errors.raise_if_any()
    return ranges


def _parse_range(where: str, entry, errors: Errors) -> Range | None:
    if not isinstance(entry, dict):
        errors.add(where, "Must be an object {days, from, to}.")
        return None
    for key in entry:
        if key not in RANGE_KEYS:
            errors.add(f"{where}.{key}", "Unknown key: a range has days, from and to.")
    for key in RANGE_KEYS:
        if key not in entry:
            errors.add(f"{where}.{key}", "Required.")
    days = _parse_days(f"{where}.days", entry.get("days"), errors) if "days" in entry else ()
    start = _parse_clock(f"{where}.from", entry.get("from"), errors, end=False) if "from" in entry else None
    end = _parse_clock(f"{where}.to", entry.get("to"), errors, end=True) if "to" in entry else None
    if start is not None and end is not None and start >= end:
        errors.add(f"{where}.to", "Must be later than from on the same day (write a range over "
                                  "midnight as two ranges, the first ending at 24:00).")
    return Range(days, start or 0, end or 0)


def _parse_days(where: str, days, errors: Errors) -> tuple[str, ...]:
    if not isinstance(days, list) or not days:
        errors.add(where, "Must be a non-empty list of day names (mon, tue, wed, thu, fri, sat, sun).")
        return ()
    bad = [day for day in days if not isinstance(day, str) or day not in DAYS]
    if bad:
        errors.add(where, f"Unknown day names {bad!r}: use mon, tue, wed, thu, fri, sat, sun.")
    elif len(set(days)) != len(days):
        errors.add(where, "A day is listed twice.")
    return tuple(day for day in DAYS if day in days)


def _parse_clock(where: str, text, errors: Errors, *, end: bool) -> int | None:
    if not isinstance(text, str) or not _CLOCK.fullmatch(text) or (text == "24:00" and not end):
        errors.add(where, "Must be a UTC time HH:MM (00:00 to 23:59" + (", or 24:00)." if end else ")."))
        return None
    return _minutes(text)


def window_open(window: tuple[Range, ...] | None, now: float) -> bool:
    """Whether writes are allowed at `now` (epoch seconds): always without a window."""
    if window is None:
        return True
    moment = time.gmtime(now)
    day, minute = DAYS[moment.tm_wday], moment.tm_hour * 60 + moment.tm_min
    return any(day in r.days and r.start <= minute < r.end for r in window)


def window_text(window: tuple[Range, ...]) -> str:
    """'mon,tue 09:00-17:00 UTC; sat 10:00-12:00 UTC' for messages."""
    return "; ".join(f"{','.join(r.days)} {clock_text(r.start)}-{clock_text(r.end)} UTC" for r in window)


def from_stored(stored) -> Guardrails:
    """What the store held (as_json), or OFF when there is nothing (or nothing readable: a
    damaged row must not stop a restart; the guardrails start off, as for a new cluster)."""
    if not isinstance(stored, dict):
        return OFF
    try:
        return parse(stored)
    except Invalid:
        return OFF
