"""Checked argparse types: a bad value is one usage line naming the flag (argparse adds the
flag's name) and exit code 2, never a traceback at start-up. The configuration file and the
environment put their values through the same types (config/sources.py)."""
from __future__ import annotations

import argparse
import math


def number(kind, minimum, inclusive: bool):
    """An argparse type: `kind` of the text, at least (or above) `minimum`."""
    def convert(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a{'n integer' if kind is int else ' number'}") from None
        if not math.isfinite(value):   # nan and inf are floats too, and no period or load
            raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
        if value < minimum or (not inclusive and value == minimum):
            raise argparse.ArgumentTypeError(f"must be {'at least' if inclusive else 'more than'} {minimum}")
        return value
    convert.kind = kind     # what a configuration file's value must be (config/sources.py)
    return convert


POSITIVE_S, POSITIVE_INT, COUNT = number(float, 0, False), number(int, 0, False), number(int, 0, True)
NON_NEGATIVE = number(float, 0, True)
INTEGER = number(int, -(1 << 63), True)


def port(text: str) -> int:
    """An argparse type: a TCP port, 0 (a free one) to 65535."""
    value = COUNT(text)
    if value > 65535:
        raise argparse.ArgumentTypeError("must be at most 65535")
    return value


port.kind = int

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def log_level(text: str) -> str:
    """An argparse type: one of LOG_LEVELS, in any case (a typo used to log at INFO silently)."""
    if text.upper() not in LOG_LEVELS:
        raise argparse.ArgumentTypeError(f"{text!r} is not one of {', '.join(LOG_LEVELS)}")
    return text.upper()


LOG_FORMATS = ("text", "json")


def log_format(text: str) -> str:
    """An argparse type: one of LOG_FORMATS."""
    if text.lower() not in LOG_FORMATS:
        raise argparse.ArgumentTypeError(f"{text!r} is not one of {', '.join(LOG_FORMATS)}")
    return text.lower()


def endpoints(text: str) -> str:
    """An argparse type: a bus endpoint, or several comma-separated (the managers of an HA group,
    in the order an agent tries them: agent/failover.py), each TRANSPORT://ADDRESS. -> the same
    list with the blanks around the commas taken out."""
    items = [item.strip() for item in text.split(",")]
    for item in items:
        transport, _, address = item.partition("://")
        if not (transport.isalnum() and address) or any(c.isspace() for c in address):
            raise argparse.ArgumentTypeError(f"{item!r} is not an endpoint like tcp://HOST:PORT")
    if len(set(items)) != len(items):
        raise argparse.ArgumentTypeError(f"an endpoint is repeated in {text!r}")
    return ",".join(items)


endpoints.kind = list   # a configuration file may give a string or an array of strings
