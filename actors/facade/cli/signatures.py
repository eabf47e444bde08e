"""Ceph's command descriptions, and words typed at a `ceph` prompt matched against them. Pure.

A description (one entry of the mon's `get_command_descriptions` answer) is a signature such as
`["osd", "pool", "get", {"name": "pool", "type": "CephPoolname"}, {"name": "var", "type":
"CephChoices", "strings": "size|min_size|..."}]` plus `perm` ("r", "rw", "rx", ...) and `flags`.
Matching follows the `ceph` tool's rules: the longest literal prefix wins; the arguments after
it are positional, each word checked against its argument's type (range, choices, allowed
characters); an optional argument whose type a word does not fit is skipped; an argument with
`n=N` takes every following word that fits. The command JSON carries typed values (int, float,
bool, string, or a list for `n=N`), as the mon expects them. The mon checks everything again.
"""
from __future__ import annotations

import difflib
import errno
import math
import re
import uuid
from dataclasses import dataclass

INVALID = object()          # a word that does not fit an argument's type
FLAG_DEPRECATED, FLAG_OBSOLETE, FLAG_HIDDEN = 4, 2, 32
TRUE_WORDS, FALSE_WORDS = ("true", "yes", "1"), ("false", "no", "0")
OSD_NAME = re.compile(r"(?:osd\.)?(\d+)")
PGID = re.compile(r"\d+\.[0-9a-fA-F]+")
ENTITY_NAME = re.compile(r"(?:mon|osd|mds|mgr|client|auth)\.\S+")


@dataclass(frozen=True)
class Arg:
    name: str
    type: str
    required: bool = True
    many: bool = False                   # n=N: every following word that fits
    choices: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None
    goodchars: re.Pattern | None = None

    def convert(self, word: str):
        """The word as this argument's JSON value, or INVALID."""
        convert = _CONVERTERS.get(self.type, _as_string)
        value = convert(self, word)
        if value is INVALID or not isinstance(value, (int, float)) or isinstance(value, bool):
            return value
        if (self.low is not None and value < self.low) or (self.high is not None and value > self.high):
            return INVALID
        return value

    def usage(self) -> str:
        text = f"<{self.name}:{'|'.join(self.choices)}>" if self.choices else f"<{self.name}>"
        text += "..." if self.many else ""
        return text if self.required else f"[{text}]"


@dataclass(frozen=True)
class Signature:
    words: tuple[str, ...]
    args: tuple[Arg, ...]
    perm: str
    flags: int = 0
    module: str = ""                     # the service that owns it: "osd", "mon", "auth", "mgr", ...

    @property
    def prefix(self) -> str:
        return " ".join(self.words)

    @property
    def read_only(self) -> bool:
        return set(self.perm) <= {"r"}

    def usage(self) -> str:
        return " ".join([*self.words, *(arg.usage() for arg in self.args)])

    def match(self, words: list[str]) -> dict | None:
        """{arg name: value} when the words after this signature's prefix fit it, else None."""
        rest, values, i = words[len(self.words):], {}, 0
        for arg in self.args:
            if arg.many:
                taken = []
                while i < len(rest) and (value := arg.convert(rest[i])) is not INVALID:
                    taken.append(value)
                    i += 1
                if taken:
                    values[arg.name] = taken
                elif arg.required:
                    return None
                continue
            value = arg.convert(rest[i]) if i < len(rest) else INVALID
            if value is INVALID:
                if arg.required:
                    return None
                continue                 # an optional argument the word does not fit: skipped
            values[arg.name] = value
            i += 1
        return values if i == len(rest) else None


@dataclass(frozen=True)
class Parsed:
    """A match: the signature and the command JSON ({"prefix", **arguments})."""
    signature: Signature
    command: dict


class Signatures:
    """One cluster's commands, indexed by first word (about 600 in Pacific)."""

    def __init__(self, signatures: list[Signature]):
        self.by_first: dict[str, list[Signature]] = {}
        for signature in signatures:
            self.by_first.setdefault(signature.words[0], []).append(signature)
        for group in self.by_first.values():      # longest prefix first, as the `ceph` tool tries
            group.sort(key=lambda s: -len(s.words))

    @classmethod
    def from_descriptions(cls, descriptions: dict) -> "Signatures":
        """From a `get_command_descriptions` answer; entries that are not signatures are skipped."""
        signatures = []
        for entry in (descriptions or {}).values():
            signature = _signature(entry)
            if signature is not None:
                signatures.append(signature)
        return cls(signatures)

    def __len__(self) -> int:
        return sum(len(group) for group in self.by_first.values())

    def parse(self, words: list[str]) -> Parsed | None:
        candidates = [s for s in self.by_first.get(words[0], []) if tuple(words[:len(s.words)]) == s.words] \
            if words else []
        for signature in candidates:
            values = signature.match(words)
            if values is not None:
                return Parsed(signature, {"prefix": signature.prefix, **values})
        return None

    def known_words(self, words: list[str]) -> int:
        """How many leading words are command words of some signature."""
        return max((_common_length(s.words, words) for s in self.by_first.get(words[0], [])), default=0) \
            if words else 0

    def closest(self, words: list[str], limit: int = 10) -> list[str]:
        """Usages of the signatures sharing the longest run of leading words (the `ceph` tool's
        "N closest matches"), hidden and obsolete ones left out."""
        best, shown = 0, []
        for signature in self.by_first.get(words[0], []) if words else []:
            if signature.flags & (FLAG_HIDDEN | FLAG_OBSOLETE):
                continue
            common = _common_length(signature.words, words)
            if common > best:
                best, shown = common, []
            if common == best:
                shown.append(signature)
        typed = " ".join(words)
        shown.sort(key=lambda s: -difflib.SequenceMatcher(None, typed, s.prefix).ratio())
        return [signature.usage() for signature in shown[:limit]]


def unknown_command_answer(signatures: Signatures, words: list[str]) -> dict:
    """What `ceph` prints for words no signature fits: 200 with status 22 (EINVAL), as Calamari
    answered a command Ceph did not know."""
    matches = signatures.closest(words)
    text = f"no valid command found; {len(matches)} closest matches:\n" + "".join(m + "\n" for m in matches)
    return {"out": "", "err": text + "Error EINVAL: invalid command\n", "status": errno.EINVAL}


def _common_length(a: tuple[str, ...], b: list[str]) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def _signature(entry) -> Signature | None:
    if not isinstance(entry, dict) or not isinstance(entry.get("sig"), list):
        return None
    words = tuple(w for w in entry["sig"] if isinstance(w, str))
    args = tuple(_arg(a) for a in entry["sig"] if isinstance(a, dict))
    if not words or None in args or len(words) + len(args) != len(entry["sig"]):
        return None
    perm = entry.get("perm") if isinstance(entry.get("perm"), str) else "rwx"
    flags = entry.get("flags") if isinstance(entry.get("flags"), int) else 0
    module = entry.get("module") if isinstance(entry.get("module"), str) else ""
    return Signature(words, args, perm, flags, module)


def _arg(desc: dict) -> Arg | None:
    name, kind = desc.get("name"), desc.get("type")
    if not isinstance(name, str) or not isinstance(kind, str):
        return None
    low, high = _range(str(desc.get("range", "")))
    goodchars = desc.get("goodchars")
    return Arg(name=name, type=kind, required=str(desc.get("req", "true")).lower() != "false",
               many=str(desc.get("n", "1")) == "N",
               choices=tuple(str(desc["strings"]).split("|")) if desc.get("strings") else (),
               low=low, high=high,
               goodchars=re.compile(f"{goodchars}*") if isinstance(goodchars, str) else None)


def _range(text: str) -> tuple[float | None, float | None]:
    bounds = [float(b) for b in text.split("|") if _is_number(b)]
    return (bounds[0] if bounds else None), (bounds[1] if len(bounds) > 1 else None)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# ---- one converter per Ceph argument type ----------------------------------------------------

def _as_string(arg: Arg, word: str):
    if not word or (arg.goodchars is not None and not arg.goodchars.fullmatch(word)):
        return INVALID
    return word


def _as_int(arg: Arg, word: str):
    return int(word) if re.fullmatch(r"-?\d+", word) else INVALID


def _as_float(arg: Arg, word: str):
    try:
        value = float(word)
    except ValueError:
        return INVALID
    return value if math.isfinite(value) else INVALID


def _as_bool(arg: Arg, word: str):
    lowered = word.lower()
    return True if lowered in TRUE_WORDS else False if lowered in FALSE_WORDS else INVALID


def _as_choice(arg: Arg, word: str):
    return word if word in arg.choices else INVALID


def _as_osd_name(arg: Arg, word: str):
    found = OSD_NAME.fullmatch(word)
    return int(found.group(1)) if found else INVALID


def _matching(pattern: re.Pattern):
    return lambda arg, word: word if pattern.fullmatch(word) else INVALID


def _as_uuid(arg: Arg, word: str):
    try:
        return str(uuid.UUID(word))
    except ValueError:
        return INVALID


_CONVERTERS = {"CephInt": _as_int, "CephFloat": _as_float, "CephBool": _as_bool,
               "CephChoices": _as_choice, "CephOsdName": _as_osd_name, "CephUUID": _as_uuid,
               "CephPgid": _matching(PGID), "CephName": _matching(ENTITY_NAME)}
