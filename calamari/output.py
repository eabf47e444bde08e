"""Printing answers: `--output json` prints the API's JSON as it came; `--output table` (the
default) readable columns, one row a line, with sizes in binary units and ratios in per cent."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable, Iterable

import click

_UNITS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB")


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[dict], Any]      # the cell of one row


def column(header: str, key: str | None = None, show: Callable[[Any], str] | None = None) -> Column:
    """A column showing `row[key]` (key defaults to the header in lower case), through `show`."""
    name = key or header.lower()
    return Column(header, lambda row: (show or text)(row.get(name)))


def text(value: Any) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        return ",".join(map(text, value))
    return str(value)


def size(value: Any) -> str:
    """Bytes in binary units: 5732882770882 -> "5.2 TiB"."""
    if not isinstance(value, (int, float)):
        return text(value)
    amount, unit = float(value), 0
    while abs(amount) >= 1024 and unit < len(_UNITS) - 1:
        amount, unit = amount / 1024, unit + 1
    return f"{amount:.0f} {_UNITS[unit]}" if unit == 0 else f"{amount:.1f} {_UNITS[unit]}"


def when(value: Any) -> str:
    """An API time (ISO-8601 UTC) to the second: "2026-12-06 21:08:55"."""
    return value[:19].replace("T", " ") if isinstance(value, str) and len(value) >= 19 else text(value)


def number(value: Any) -> str:
    return f"{value:.1f}" if isinstance(value, float) else text(value)


def percent(ratio: Any) -> str:
    return f"{ratio * 100:.1f}%" if isinstance(ratio, (int, float)) else text(ratio)


def table(rows: Iterable[dict], columns: list[Column]) -> str:
    cells = [[c.header for c in columns]] + [[c.value(row) for c in columns] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip()
                     for line in cells)


def fields(pairs: list[tuple[str, str]]) -> str:
    """`name: value` lines, the values aligned."""
    width = max((len(name) for name, _ in pairs), default=0)
    return "\n".join(f"{name + ':':<{width + 1}} {value}" for name, value in pairs)


def as_json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def json_line(value: Any) -> str:
    """One JSON document on one line (a stream of them: JSON Lines)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def emit(fmt: str, data: Any, render: Callable[[Any], str]) -> None:
    """Print `data` as JSON or through `render` (the table view)."""
    click.echo(as_json(data) if fmt == "json" else render(data))
