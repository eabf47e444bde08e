"""How a write is asked to run: `?dry_run=` (plan and preview, submit nothing) and `?force=`
(go ahead although a guardrail refuses; read by the guardrails). Parsed once, from the query
string, by web/base.py `change_options`, and carried by PlanChange to the cluster's actor."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from actors.errors import Invalid

_TRUE, _FALSE = ("1", "true"), ("0", "false")
PARAMETERS = ("dry_run", "force")


@dataclass(frozen=True)
class ChangeOptions:
    dry_run: bool = False     # answer the preview (200) instead of submitting the change (202)
    force: bool = False       # override a guardrail's refusal (audited)


def flag(name: str, values: Sequence[str]) -> bool:
    """One query flag: 1/true/0/false (any case); a repeated flag must say one thing."""
    words = {value.strip().lower() for value in values}
    meanings = {word in _TRUE for word in words}
    if words and words <= {*_TRUE, *_FALSE} and len(meanings) == 1:
        return meanings.pop()
    raise Invalid(f"Query parameter {name} must be one of 1, true, 0, false",
                  {name: ["must be one of 1, true, 0, false"]})


def parse_change_options(query: Mapping[str, Sequence[str]]) -> ChangeOptions:
    """The write options of a query ({name: [values]}); Invalid naming a bad one."""
    return ChangeOptions(**{name: flag(name, query[name]) for name in PARAMETERS if name in query})


NO_OPTIONS = ChangeOptions()
