"""Reading mon command arguments the way a Pacific mon does.

The mon turns the command's JSON into a typed map (strings, int64, doubles, bools, lists of
strings) and every handler reads each argument with the type its MonCommands.h signature
declares. A value of another JSON type is not converted: the read fails and the command answers
EINVAL "bad or missing field '<name>'" (so `"val": 2` for `osd pool set`, `"id": "0"` for
`osd reweight` or `"weight": 1` for a CephFloat are refused). Checked against Ceph 16.2.15.

Numbers inside strings (`osd pool set … val`, quotas) are parsed with Ceph's own rules and
error texts: strict_strtoll, strict_iecstrtoll (bytes: K, M, G… powers of 1024) and
strict_si_cast (objects: powers of 1000).
"""
from __future__ import annotations

import re
from typing import Any

from sim.errors import CommandError

MISSING = object()
_IEC_SHIFTS = {"K": 10, "M": 20, "G": 30, "T": 40, "P": 50, "E": 60, "B": 0}
_SI_POWERS = {"K": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18, "B": 0}


def bad_field(name: str) -> CommandError:
    return CommandError("EINVAL", f"bad or missing field '{name}'")


def _typed(args: dict, name: str, default: Any, accepts) -> Any:
    value = args.get(name, MISSING)
    if value is MISSING or value is None:
        if default is MISSING:
            raise CommandError("EINVAL", f"missing required parameter {name}")
        return default
    if not accepts(value):
        raise bad_field(name)
    return value


def str_arg(args: dict, name: str, default: Any = MISSING) -> str:
    """A CephString (also CephPoolname, CephChoices)."""
    return _typed(args, name, default, lambda v: isinstance(v, str))


def int_arg(args: dict, name: str, default: Any = MISSING) -> int:
    """A CephInt: a JSON integer (a bool or a float is another type)."""
    return _typed(args, name, default, lambda v: isinstance(v, int) and not isinstance(v, bool))


def float_arg(args: dict, name: str, default: Any = MISSING) -> float:
    """A CephFloat: a JSON number with a fraction part (`1` is an int64 to the mon, `1.0` not)."""
    return _typed(args, name, default, lambda v: isinstance(v, float))


def bool_arg(args: dict, name: str) -> bool:
    """A CephBool flag: absent means false."""
    return _typed(args, name, False, lambda v: isinstance(v, bool))


def str_list_arg(args: dict, name: str, default: Any = MISSING) -> list[str]:
    """A CephString with n=N: a JSON list of strings (a bare string is refused)."""
    return _typed(args, name, default,
                  lambda v: isinstance(v, list) and all(isinstance(i, str) for i in v))


def strict_strtoll(text: str) -> int:
    """A decimal integer, or ValueError with the option parser's complaint."""
    if not re.fullmatch(r"\s*[-+]?\d+", text):    # strtoll skips leading blanks only
        raise ValueError(f"Expected option value to be integer, got '{text}'")
    return int(text)


def parse_int(text: str) -> int:
    """An `osd pool set` integer value ("error parsing integer value …" otherwise)."""
    try:
        return strict_strtoll(text)
    except ValueError as exc:
        raise CommandError("EINVAL", f"error parsing integer value '{text}': {exc}") from None


def strict_iec(text: str) -> int:
    """strict_iecstrtoll for an unsigned value: "10", "1K", "1Ki", "1MB" (only the unit's first
    letter counts), or ValueError with Ceph's message."""
    if not text:
        raise ValueError("strict_iecstrtoll: value not specified")
    digits = re.match(r"[0-9+-]*", text).group()
    unit, shift = text[len(digits):], 0
    if unit:
        if unit.endswith("i") and unit.startswith("B"):
            raise ValueError('strict_iecstrtoll: illegal prefix "Bi"')
        if len(unit) > 2:
            raise ValueError("strict_iecstrtoll: illegal prefix (length > 2)")
        if unit[0] not in _IEC_SHIFTS:
            raise ValueError("strict_iecstrtoll: unit prefix not recognized")
        shift = _IEC_SHIFTS[unit[0]]
    value = strict_strtoll(digits)
    if value < 0:
        raise ValueError("strict_iecstrtoll: value should not be negative")
    return value << shift


def strict_si(text: str) -> int:
    """strict_si_cast for an unsigned value: "10", "1K" (= 1000), or ValueError."""
    if not text:
        raise ValueError("strict_sistrtoll: value not specified")
    power = 0
    if re.search(r"[^0-9+-]", text):
        if text[-1] not in _SI_POWERS:
            raise ValueError("strict_si_cast: unit prefix not recognized")
        if text[-1] != "B":     # Ceph keeps a trailing B in the number, which then fails
            text, power = text[:-1], _SI_POWERS[text[-1]]
    value = strict_strtoll(text)
    if value < 0:
        raise ValueError("strict_sistrtoll: value should not be negative")
    return value * 10 ** power
