"""The one "a name has no control, format or separator characters" rule (actors/fields.py name_problem) and the fields
that use it (issue 12): control, bidi and invisible characters are a 400 naming the field."""
from __future__ import annotations

import re

import pytest

from actors.accounts.api_tokens import check_new
from actors.cluster.commands.crush_rules import STEP
from actors.fields import check_record, name_pattern, name_problem
from actors.cluster.commands.pool_attrs import POOL_CREATE, POOL_UPDATE
from actors.errors import Invalid

REFUSED = ["\x00", "a\x00b", "\u202etxt.exe", "\u2066x\u2069", "zero\u200bwidth", "line\nbreak",
           "tab\t", "\x1b[31mred", "del\x7f", "nb\u00a0sp", "para\u2029", "\ue000private",
           "\ud800", "bom\ufeff", "ideographic\u3000space"]
ACCEPTED = ["rbd", "my pool", "données", "名前", "пул-\U0001F419", "e\u0301", "a.b-c_d",
            "unassigned\u0378", "\U000e0001tag"]   # see fields.NAME_REFUSED_CATEGORIES


@pytest.mark.parametrize("text", REFUSED)
def test_control_format_and_separator_characters_are_refused_saying_which(text):
    problem = name_problem(text)
    assert problem is not None and "U+" in problem


@pytest.mark.parametrize("text", ACCEPTED)
def test_printable_names_of_any_script_are_accepted(text):
    assert name_problem(text) is None


def test_the_published_pattern_says_what_the_check_does():
    pattern = re.compile(name_pattern())
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            continue         # left out of the pattern (see name_pattern), refused by the check
        text = f"a{chr(cp)}"
        assert (pattern.fullmatch(text) is not None) == (name_problem(text) is None), hex(cp)


@pytest.mark.parametrize("text", REFUSED)
def test_name_fields_refuse_them_naming_the_field(text):
    with pytest.raises(Invalid) as raised:
        POOL_CREATE.check({"name": text, "pg_num": 8}, "POST")
    assert list(raised.value.errors) == ["name"]
    with pytest.raises(Invalid) as raised:
        POOL_UPDATE.check({"name": text}, "PATCH")
    assert list(raised.value.errors) == ["name"]
    with pytest.raises(Invalid) as raised:
        check_new({"name": text}, 0.0)
    assert list(raised.value.errors) == ["name"]
    _, problems = check_record({"op": "take", "item_name": text}, STEP.fields)
    assert problems and problems[0].startswith("item_name:")
