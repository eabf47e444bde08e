"""The decompiled CRUSH map text (`crushtool -d`): tokenizer, section parser, rule editing.

A text is parsed into an ordered list of sections whose texts concatenate back to the exact
input: statements (tunable, device, type, bucket, rule, choose_args) plus the whitespace and
comments between them. Edits replace or insert whole rule sections found by their exact
name, leaving every other byte as it was (calamari-internals §10.3 item 22: no prefix
matching, no re-joined lines).

The grammar follows crushtool's: tokens are whitespace separated, `#` starts a comment that
runs to the end of the line, blocks are `{ … }` (with `[ … ]` lists inside choose_args).
Crushtool wants tunables, devices and types first, then buckets and rules, then choose_args;
a new rule therefore goes after the last rule (or bucket), never after a choose_args block.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

SPACE = "space"
COMMENT = "comment"
TUNABLE = "tunable"
DEVICE = "device"
TYPE = "type"
BUCKET = "bucket"
RULE = "rule"
CHOOSE_ARGS = "choose_args"
TRIVIA = (SPACE, COMMENT)

END_MARKER = "# end crush map"
INDENT = "\t"

_TOKEN = re.compile(r"(?P<space>\s+)|(?P<comment>#[^\n]*)|(?P<punct>[{}\[\]])"
                    r"|(?P<word>[^\s{}\[\]#]+)")
_INT = re.compile(r"-?\d+")


class CrushTextError(ValueError):
    """The text is not a CRUSH map crushtool could read (structurally)."""


@dataclass(frozen=True)
class Token:
    kind: str          # "space", "comment", "punct" or "word"
    text: str
    start: int
    line: int


@dataclass(frozen=True)
class Section:
    kind: str          # one of SPACE, COMMENT, TUNABLE, DEVICE, TYPE, BUCKET, RULE, CHOOSE_ARGS
    text: str          # the exact source text
    name: str | None = None   # tunable, device, type, bucket or rule name


def tokenize(text: str) -> list[Token]:
    """Every character belongs to exactly one token."""
    tokens, line = [], 1
    for match in _TOKEN.finditer(text):
        tokens.append(Token(match.lastgroup, match.group(), match.start(), line))
        line += match.group().count("\n")
    return tokens


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = tokenize(text)
        self.pos = 0
        self.type_names: set[str] = set()

    def parse(self) -> list[Section]:
        sections = []
        while self.pos < len(self.tokens):
            token = self.tokens[self.pos]
            if token.kind in TRIVIA:
                sections.append(Section(token.kind, token.text))
                self.pos += 1
                continue
            start = token.start
            kind, name = self._statement()
            end = self.tokens[self.pos - 1].start + len(self.tokens[self.pos - 1].text)
            sections.append(Section(kind, self.text[start:end], name))
        return sections

    # -- token access (skipping whitespace and comments inside a statement) ---------------

    def _peek_at(self) -> int:
        pos = self.pos
        while pos < len(self.tokens) and self.tokens[pos].kind in TRIVIA:
            pos += 1
        return pos

    def _peek(self) -> Token | None:
        pos = self._peek_at()
        return self.tokens[pos] if pos < len(self.tokens) else None

    def _next(self, what: str) -> Token:
        pos = self._peek_at()
        if pos >= len(self.tokens):
            raise CrushTextError(f"unexpected end of text: expected {what}")
        self.pos = pos + 1
        return self.tokens[pos]

    def _word(self, what: str, integer: bool = False) -> str:
        token = self._next(what)
        if token.kind != "word" or (integer and not _INT.fullmatch(token.text)):
            raise CrushTextError(f"line {token.line}: expected {what}, found {token.text!r}")
        return token.text

    # -- statements ------------------------------------------------------------------------

    def _statement(self) -> tuple[str, str | None]:
        token = self._next("a statement")
        if token.kind != "word":
            raise CrushTextError(f"line {token.line}: unexpected {token.text!r}")
        keyword = token.text
        if keyword == "tunable":
            name = self._word("a tunable name")
            self._word("a tunable value")
            return TUNABLE, name
        if keyword == "device":
            self._word("a device id", integer=True)
            name = self._word("a device name")
            following = self._peek()
            if following is not None and following.text == "class":
                self._next("class")
                self._word("a device class")
            return DEVICE, name
        if keyword == "type":
            self._word("a type id", integer=True)
            name = self._word("a type name")
            self.type_names.add(name)
            return TYPE, name
        if keyword == "rule":
            following = self._peek()
            name = self._word("a rule name") if following and following.kind == "word" else None
            self._block(f"rule {name or ''}".strip())
            return RULE, name
        if keyword == "choose_args":
            self._word("a choose_args id", integer=True)
            self._block("choose_args")
            return CHOOSE_ARGS, None
        if keyword in self.type_names:
            name = self._word("a bucket name")
            self._block(f"{keyword} {name}")
            return BUCKET, name
        raise CrushTextError(f"line {token.line}: unknown statement {keyword!r}")

    def _block(self, what: str) -> None:
        """`{ … }` with balanced braces and brackets inside."""
        opening = self._next(f"'{{' after {what}")
        if opening.text != "{":
            raise CrushTextError(f"line {opening.line}: expected '{{' after {what}")
        stack = ["{"]
        pairs = {"}": "{", "]": "["}
        while stack:
            if self.pos >= len(self.tokens):
                raise CrushTextError(f"line {opening.line}: {what} is not closed")
            token = self.tokens[self.pos]
            self.pos += 1
            if token.text in ("{", "["):
                stack.append(token.text)
            elif token.text in pairs:
                if stack.pop() != pairs[token.text]:
                    raise CrushTextError(f"line {token.line}: unbalanced {token.text!r}")


def parse(text: str) -> list[Section]:
    """The sections of a CRUSH map text; CrushTextError when it is malformed."""
    if not isinstance(text, str):
        raise CrushTextError("a CRUSH map text must be a string")
    return _Parser(text).parse()


def serialise(sections: list[Section]) -> str:
    return "".join(section.text for section in sections)


_ITEM_WEIGHT = re.compile(r"(\bitem\s+(\S+)\s+weight\s+)(-?[0-9.]+)")
PRINTED_DECIMALS = 3      # Pacific's `crushtool -d` prints weights as "%.3f"


def exact_weight(fixed: int) -> str:
    """A 16.16 fixed-point CRUSH weight as the exact decimal (finite: a multiple of 2^-16) that
    crushtool compiles back to the same fixed-point value."""
    return format(Decimal(fixed) / 0x10000, "f")


def item_weights(crush: dict) -> dict[str, dict[str, int]]:
    """Bucket name -> item name -> 16.16 weight, from a crush dump."""
    names = {d["id"]: d["name"] for d in crush.get("devices") or () if "id" in d and "name" in d}
    buckets = [b for b in crush.get("buckets") or () if "id" in b and "name" in b]
    names.update((b["id"], b["name"]) for b in buckets)
    return {b["name"]: {names[i["id"]]: i["weight"] for i in b.get("items") or ()
                        if i.get("id") in names and isinstance(i.get("weight"), int)}
            for b in buckets}


def with_exact_weights(sections: list[Section], crush: dict) -> list[Section]:
    """A copy whose bucket items carry the crush dump's exact weights where the text shows them
    as `crushtool -d` printed them. Pacific prints three decimals: compiled back as printed,
    every weight would move (an OSD under ~0.5 GiB drops to 0), so a map read, edited elsewhere
    and sent back would re-weight the cluster. A weight the text already gives exactly, or one
    it changes (beyond the printing's rounding), is left as written."""
    weights = item_weights(crush)

    def weight(match: re.Match, items: dict[str, int]) -> str:
        fixed = items.get(match.group(2))
        if fixed is None or _compiles_to(match.group(3), fixed) or not _as_printed(match.group(3), fixed):
            return match.group(0)
        return match.group(1) + exact_weight(fixed)

    def exact(section: Section) -> Section:
        items = weights.get(section.name or "")
        if section.kind != BUCKET or not items:
            return section
        return Section(section.kind, _ITEM_WEIGHT.sub(lambda m: weight(m, items), section.text), section.name)
    return [exact(section) for section in sections]


def _compiles_to(text: str, fixed: int) -> bool:
    """Whether crushtool reads `text` as `fixed`, whether it rounds or truncates."""
    scaled = float(text) * 0x10000
    return int(scaled) == round(scaled) == fixed


def _as_printed(text: str, fixed: int) -> bool:
    """Whether `text` is `fixed` as crushtool -d prints it (rounded to PRINTED_DECIMALS)."""
    return abs(float(text) - fixed / 0x10000) <= 0.5 * 10 ** -PRINTED_DECIMALS + 1e-12


def find_rule(sections: list[Section], name: str) -> int | None:
    """The index of the rule section with exactly that name."""
    for index, section in enumerate(sections):
        if section.kind == RULE and section.name == name:
            return index
    return None


def _rule_index(sections: list[Section], name: str) -> int:
    index = find_rule(sections, name)
    if index is None:
        raise KeyError(f"no CRUSH rule named {name!r}")
    return index


def replace_rule(sections: list[Section], name: str, rule_text: str) -> list[Section]:
    """A copy with the rule `name` replaced by `rule_text`; KeyError if it is absent."""
    index = _rule_index(sections, name)
    new = list(sections)
    new[index] = Section(RULE, rule_text.strip(), _rule_name(rule_text))
    return new


def insert_rule(sections: list[Section], rule_text: str) -> list[Section]:
    """A copy with a new rule after the last rule (else the last bucket), else before the first
    choose_args or the `# end crush map` comment, else at the end."""
    rule = Section(RULE, rule_text.strip(), _rule_name(rule_text))
    new = list(sections)
    for kind in (RULE, BUCKET):
        last = max((i for i, s in enumerate(new) if s.kind == kind), default=None)
        if last is not None:
            at = last + 1       # after a comment on the same line as the closing brace
            while at < len(new) and (new[at].kind == COMMENT or (
                    new[at].kind == SPACE and "\n" not in new[at].text)):
                at += 1
            new[at:at] = [Section(SPACE, "\n"), rule]
            return new
    before = next((i for i, s in enumerate(new) if s.kind == CHOOSE_ARGS
                   or (s.kind == COMMENT and s.text.strip() == END_MARKER)), None)
    if before is None:
        if new and not serialise(new).endswith("\n"):
            new.append(Section(SPACE, "\n"))
        return new + [rule, Section(SPACE, "\n")]
    prefix = [] if before == 0 or serialise(new[:before]).endswith("\n") else \
        [Section(SPACE, "\n")]
    new[before:before] = prefix + [rule, Section(SPACE, "\n")]
    return new


def _rule_name(rule_text: str) -> str | None:
    sections = [s for s in parse(rule_text) if s.kind not in TRIVIA]
    if len(sections) != 1 or sections[0].kind != RULE:
        raise CrushTextError("expected exactly one rule")
    return sections[0].name


# -- rule serialisation ----------------------------------------------------------------------

CHOOSE_OPS = ("choose_firstn", "chooseleaf_firstn", "choose_indep", "chooseleaf_indep")
SET_OPS = ("set_choose_tries", "set_chooseleaf_tries", "set_choose_local_tries",
           "set_choose_local_fallback_tries", "set_chooseleaf_vary_r", "set_chooseleaf_stable")


def format_step(step: dict) -> str:
    """One `step …` line (without indentation) for a step in the API shape.

    `take` needs `item_name` (a `name~class` shadow name becomes `take name class c`).
    """
    op = step["op"]
    if op == "take":
        name, _, device_class = step["item_name"].partition("~")
        return f"step take {name}" + (f" class {device_class}" if device_class else "")
    if op in CHOOSE_OPS:
        verb, _, mode = op.partition("_")
        return f"step {verb} {mode} {step['num']} type {step['type']}"
    if op in SET_OPS:
        return f"step {op} {step['num']}"
    if op == "emit":
        return "step emit"
    raise ValueError(f"unsupported CRUSH rule step {op!r}")


def format_rule(rule: dict) -> str:
    """A rule block from {name, ruleset, type, min_size, max_size, steps}, as crushtool prints
    it (Ceph 16 writes the ruleset as the rule's `id`)."""
    lines = [f"rule {rule['name']} {{", f"{INDENT}id {rule['ruleset']}",
             f"{INDENT}type {rule['type']}", f"{INDENT}min_size {rule['min_size']}",
             f"{INDENT}max_size {rule['max_size']}"]
    lines += [INDENT + format_step(step) for step in rule["steps"]]
    lines.append("}")
    return "\n".join(lines)
