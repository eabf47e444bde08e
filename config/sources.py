"""The layers under the command line: the configuration file (TOML) and the CALAMARI_*
environment. Every flag has a key, named as the flag with underscores (`--http-port` is
`http_port`, environment CALAMARI_HTTP_PORT), and its value goes through the flag's own checked
type (config/types.py). Precedence: flags > environment > file > defaults (config/cli.py)."""
from __future__ import annotations

import argparse
import datetime
import difflib
import tomllib
from pathlib import Path

from config.print_config import MASK

ENV_PREFIX = "CALAMARI_"
NOT_SETTINGS = {"help", "version", "config", "print_config", "print_fingerprint"}   # one-off actions
TRUE_WORDS, FALSE_WORDS = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


class ConfigError(Exception):
    """A setting that cannot be used: its message is one line naming the key and its source."""


def key_of(action: argparse.Action) -> str | None:
    """`--http-port` -> `http_port`; None for positionals and short-only options."""
    long = [o for o in action.option_strings if o.startswith("--")]
    key = long[0][2:].replace("-", "_") if long else None
    return None if key in NOT_SETTINGS else key


def settings_of(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    """The parser's settable flags by key, in --help's order."""
    return {key: action for action in parser._actions if (key := key_of(action)) is not None}


def is_switch(action: argparse.Action) -> bool:
    """A flag without a value (`--no-sim`): a boolean in a file."""
    return action.nargs == 0 and isinstance(action.const, bool)


def from_file(path: Path, settings: dict[str, argparse.Action]) -> dict:
    """Every key of the TOML file, checked; ConfigError for the first unusable one."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: not a TOML file: {exc}") from None
    values = {}
    for key, raw in data.items():
        action = settings.get(key)
        if action is None:
            near = difflib.get_close_matches(key, settings, n=1)
            raise ConfigError(f"{path}: unknown key {key!r}" + (f" (did you mean {near[0]!r}?)" if near else ""))
        if isinstance(raw, str) and MASK in raw:   # pasted back from --print-config as it was
            raise ConfigError(f"{path}: {key}: holds {MASK}, the mask --print-config shows in place of a "
                              "secret: write the real value (or use the key's _file twin)")
        try:
            values[key] = file_value(action, raw)
        except (argparse.ArgumentTypeError, ValueError) as exc:
            raise ConfigError(f"{path}: {key}: {exc}") from None
    return values


def file_value(action: argparse.Action, raw):
    """A TOML value as its flag would take it: TOML's own type must fit (no "8002" for a port,
    no "yes" for a switch), then the flag's type checks the value itself."""
    if is_switch(action):
        if isinstance(raw, bool):
            return raw
        raise ValueError(f"must be true or false, not {toml_kind(raw)}")
    kind = getattr(action.type, "kind", action.type if action.type in (int, float) else str)
    if kind is list:   # a string, or an array of strings (`connect = ["tcp://m1:8003", ...]`)
        if isinstance(raw, list) and raw and all(isinstance(item, str) for item in raw):
            raw = ",".join(raw)
        elif not isinstance(raw, str):
            raise ValueError(f"must be a string or an array of strings, not {toml_kind(raw)}")
        return action.type(raw)
    fits = (isinstance(raw, str) if kind is str else
            isinstance(raw, int) and not isinstance(raw, bool) if kind is int else
            isinstance(raw, (int, float)) and not isinstance(raw, bool))
    if not fits:
        wanted = {str: "a string", int: "an integer"}.get(kind, "a number")
        raise ValueError(f"must be {wanted}, not {toml_kind(raw)}")
    return action.type(str(raw)) if action.type is not None else raw


def toml_kind(raw) -> str:
    if isinstance(raw, bool):
        return f"the boolean {str(raw).lower()}"
    if isinstance(raw, (int, float)):
        return f"the number {raw}"
    if isinstance(raw, str):
        return f"the string {raw!r}"
    return {list: "an array", dict: "a table"}.get(type(raw), "a date" if isinstance(
        raw, (datetime.date, datetime.time)) else type(raw).__name__)


def from_environment(environ, settings: dict[str, argparse.Action]) -> dict:
    """CALAMARI_<KEY> for every key, checked as the flag's text; others are not ours to judge."""
    values = {}
    for key, action in settings.items():
        name = ENV_PREFIX + key.upper()
        if name not in environ:
            continue
        text = environ[name]
        try:
            if is_switch(action):
                if text.strip().lower() not in TRUE_WORDS | FALSE_WORDS:
                    raise ValueError(f"must be one of {', '.join(sorted(TRUE_WORDS | FALSE_WORDS))}")
                values[key] = text.strip().lower() in TRUE_WORDS
            else:
                values[key] = action.type(text) if action.type is not None else text
        except (argparse.ArgumentTypeError, ValueError) as exc:
            raise ConfigError(f"environment variable {name}: {exc}") from None
    return values


def layered(layers: list[tuple[dict, callable]], given: set[str], alternatives: list[set[str]]):
    """-> (values, sources) from `layers`, highest precedence first, each (values, label_of_key).
    A key the command line `given` wins; so does its alternative (`--server-key-file` over a
    file's `server_key`); two alternatives in one layer are an error."""
    values, sources, claimed = {}, {}, set(given)
    for layer, label in layers:
        for group in alternatives:
            both = sorted(group & layer.keys())
            if len(both) > 1:
                raise ConfigError(f"{label(both[0])}: {' and '.join(both)}: give one of them")
        taken = {key for key in layer if key not in claimed
                 and not any(key in group and (group - {key}) & claimed for group in alternatives)}
        for key in taken:
            values[key], sources[key] = layer[key], label(key)
        claimed |= taken
    return values, sources
