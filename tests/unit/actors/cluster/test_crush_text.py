"""The CRUSH map text parser: verbatim round trips, exact rule lookup, rule edits, formatting."""
from __future__ import annotations

import pytest

from actors.cluster import crush_text as ct

# A Pacific `crushtool -d` output with device classes, a trailing comment and choose_args.
PACIFIC_MAP = """\
# begin crush map
tunable choose_local_tries 0
tunable choose_local_fallback_tries 0
tunable choose_total_tries 50
tunable chooseleaf_descend_once 1
tunable chooseleaf_vary_r 1
tunable chooseleaf_stable 1
tunable straw_calc_version 1
tunable allowed_bucket_algs 54

# devices
device 0 osd.0 class hdd
device 1 osd.1 class ssd

# types
type 0 osd
type 1 host
type 11 root

# buckets
host node1 {
\tid -3\t\t# do not change unnecessarily
\tid -4 class hdd\t\t# do not change unnecessarily
\t# weight 2.00000
\talg straw2
\thash 0\t# rjenkins1
\titem osd.0 weight 1.00000
\titem osd.1 weight 1.00000
}
root default {
\tid -1\t\t# do not change unnecessarily
\t# weight 2.00000
\talg straw2
\thash 0\t# rjenkins1
\titem node1 weight 2.00000
}

# rules
rule foobar {
\tid 0
\ttype replicated
\tmin_size 1
\tmax_size 10
\tstep take default
\tstep chooseleaf firstn 0 type host
\tstep emit
}  # the original rule
# a comment line right after a rule
rule foo {
\tid 1
\ttype replicated
\tmin_size 1
\tmax_size 10
\tstep take default class ssd
\tstep choose firstn 0 type osd
\tstep emit
}

# choose_args
choose_args 18446744073709551615 {
  {
    bucket_id -1
    weight_set [
      [ 2.000 ]
    ]
  }
}

# end crush map
"""

NEW_RULE = {"name": "fast", "ruleset": 2, "type": "replicated", "min_size": 1, "max_size": 10,
            "steps": [{"op": "take", "item_name": "default"},
                      {"op": "chooseleaf_firstn", "num": 0, "type": "host"},
                      {"op": "emit"}]}
NEW_RULE_TEXT = ("rule fast {\n\tid 2\n\ttype replicated\n\tmin_size 1\n\tmax_size 10\n"
                 "\tstep take default\n\tstep chooseleaf firstn 0 type host\n\tstep emit\n}")
FOO_BLOCK = PACIFIC_MAP[PACIFIC_MAP.index("rule foo {"):PACIFIC_MAP.index("\n\n# choose_args")]


# -- tokenizing and parsing ------------------------------------------------------------------

def test_every_character_is_in_exactly_one_token():
    tokens = ct.tokenize(PACIFIC_MAP)
    assert "".join(token.text for token in tokens) == PACIFIC_MAP
    assert [t.text for t in ct.tokenize("a{b}#c d\n[e]")] == \
        ["a", "{", "b", "}", "#c d", "\n", "[", "e", "]"]


@pytest.mark.parametrize("text", [
    PACIFIC_MAP,
    PACIFIC_MAP.rstrip("\n"),                                       # no final newline
    PACIFIC_MAP.replace("\n", "\r\n"),                              # CRLF
    "tunable a 1 tunable b 2\ntype 0 osd type 1 host host h{id -2 alg straw2}rule r{id 0}",
    "",
    "# only a comment",
])
def test_parse_then_serialise_gives_back_the_identical_text(text):
    assert ct.serialise(ct.parse(text)) == text


def test_sections_are_typed_and_named_in_order():
    statements = [(s.kind, s.name) for s in ct.parse(PACIFIC_MAP) if s.kind not in ct.TRIVIA]
    assert statements[:2] == [("tunable", "choose_local_tries"),
                              ("tunable", "choose_local_fallback_tries")]
    assert statements[8:] == [
        ("device", "osd.0"), ("device", "osd.1"), ("type", "osd"), ("type", "host"),
        ("type", "root"), ("bucket", "node1"), ("bucket", "default"), ("rule", "foobar"),
        ("rule", "foo"), ("choose_args", None)]
    comments = [s.text for s in ct.parse(PACIFIC_MAP) if s.kind == ct.COMMENT]
    assert comments[0] == "# begin crush map" and comments[-1] == "# end crush map"
    assert "# a comment line right after a rule" in comments


def test_a_rule_section_spans_its_block_exactly():
    (foo,) = [s for s in ct.parse(PACIFIC_MAP) if s.name == "foo"]
    assert foo.text == FOO_BLOCK
    (node1,) = [s for s in ct.parse(PACIFIC_MAP) if s.name == "node1"]
    assert node1.text.startswith("host node1 {") and node1.text.endswith("}")
    assert "# do not change unnecessarily" in node1.text       # comments inside stay inside


def test_anonymous_rule_has_no_name():
    sections = ct.parse("rule { id 0 }")
    assert [(s.kind, s.name) for s in sections] == [("rule", None)]


@pytest.mark.parametrize("text, message", [
    ("rule foo {\n id 0\n", "not closed"),
    ("rule foo { id 0 ]", "unbalanced"),
    ("}\n", "unexpected '}'"),
    ("tunable choose_total_tries", "end of text"),
    ("device x osd.0", "expected a device id"),
    ("type 0 osd\nrack r1 { id -2 }", "unknown statement 'rack'"),
    ("bogus statement", "unknown statement 'bogus'"),
    ("choose_args 0 [ ]", "expected '{'"),
])
def test_malformed_texts_are_rejected_with_a_line(text, message):
    with pytest.raises(ct.CrushTextError, match=message):
        ct.parse(text)


def test_non_text_is_rejected():
    with pytest.raises(ct.CrushTextError):
        ct.parse(b"rule x {}")


# -- finding and editing rules ----------------------------------------------------------------

def test_rules_are_found_by_exact_name_not_prefix():
    sections = ct.parse(PACIFIC_MAP)
    assert sections[ct.find_rule(sections, "foo")].text == FOO_BLOCK
    assert sections[ct.find_rule(sections, "foobar")].text.startswith("rule foobar {")
    assert ct.find_rule(sections, "fo") is None
    assert ct.find_rule(sections, "node1") is None          # a bucket, not a rule


def test_replace_rule_changes_only_that_block():
    new_foo = NEW_RULE_TEXT.replace("rule fast", "rule foo")
    edited = ct.serialise(ct.replace_rule(ct.parse(PACIFIC_MAP), "foo", new_foo))
    assert edited == PACIFIC_MAP.replace(FOO_BLOCK, new_foo)
    assert "# a comment line right after a rule\nrule foo {" in edited


def test_replacing_the_prefix_named_rule_keeps_the_comment_and_the_next_rule():
    foobar = PACIFIC_MAP[PACIFIC_MAP.index("rule foobar {"):PACIFIC_MAP.index("  # the original")]
    new = NEW_RULE_TEXT.replace("rule fast", "rule foobar")
    edited = ct.serialise(ct.replace_rule(ct.parse(PACIFIC_MAP), "foobar", new))
    assert edited == PACIFIC_MAP.replace(foobar, new)
    assert edited.count("rule foo {") == 1 and FOO_BLOCK in edited
    assert "}  # the original rule\n# a comment line right after a rule\nrule foo {" in edited


def test_replace_rule_can_rename_and_unknown_rules_raise():
    sections = ct.replace_rule(ct.parse(PACIFIC_MAP), "foo", NEW_RULE_TEXT)
    assert ct.find_rule(sections, "fast") is not None and ct.find_rule(sections, "foo") is None
    with pytest.raises(KeyError):
        ct.replace_rule(ct.parse(PACIFIC_MAP), "nope", NEW_RULE_TEXT)
    with pytest.raises(ct.CrushTextError):
        ct.replace_rule(ct.parse(PACIFIC_MAP), "foo", "tunable a 1")


def test_insert_rule_goes_after_the_last_rule_before_choose_args():
    edited = ct.serialise(ct.insert_rule(ct.parse(PACIFIC_MAP), NEW_RULE_TEXT))
    assert edited == PACIFIC_MAP.replace(FOO_BLOCK, FOO_BLOCK + "\n" + NEW_RULE_TEXT)
    assert edited.index("rule fast") < edited.index("choose_args 1844")


def test_insert_rule_after_a_rule_with_a_trailing_comment_keeps_the_comment_in_place():
    text = "type 0 osd\nrule a {\n\tid 0\n}  # note\n# end crush map\n"
    edited = ct.serialise(ct.insert_rule(ct.parse(text), NEW_RULE_TEXT))
    assert edited == ("type 0 osd\nrule a {\n\tid 0\n}  # note\n" + NEW_RULE_TEXT
                      + "\n# end crush map\n")


def test_insert_rule_without_rules_goes_after_the_last_bucket():
    text = "type 1 host\nhost h {\n\tid -2\n}\n\n# end crush map\n"
    edited = ct.serialise(ct.insert_rule(ct.parse(text), NEW_RULE_TEXT))
    assert edited == "type 1 host\nhost h {\n\tid -2\n}\n" + NEW_RULE_TEXT + "\n\n# end crush map\n"


def test_insert_rule_before_the_end_marker_or_at_the_end():
    text = "tunable a 1\n# end crush map\n"
    assert ct.serialise(ct.insert_rule(ct.parse(text), NEW_RULE_TEXT)) == \
        "tunable a 1\n" + NEW_RULE_TEXT + "\n# end crush map\n"
    assert ct.serialise(ct.insert_rule(ct.parse("tunable a 1"), NEW_RULE_TEXT)) == \
        "tunable a 1\n" + NEW_RULE_TEXT + "\n"
    assert ct.serialise(ct.insert_rule(ct.parse(""), NEW_RULE_TEXT)) == NEW_RULE_TEXT + "\n"


def test_edits_do_not_modify_the_parsed_sections():
    sections = ct.parse(PACIFIC_MAP)
    ct.insert_rule(sections, NEW_RULE_TEXT)
    ct.replace_rule(sections, "foobar", NEW_RULE_TEXT)
    assert ct.serialise(sections) == PACIFIC_MAP


# -- formatting -------------------------------------------------------------------------------

def test_format_rule_writes_crushtool_style():
    assert ct.format_rule(NEW_RULE) == NEW_RULE_TEXT
    assert ct.serialise(ct.parse(NEW_RULE_TEXT)) == NEW_RULE_TEXT


@pytest.mark.parametrize("step, line", [
    ({"op": "take", "item_name": "default", "item": -1}, "step take default"),
    ({"op": "take", "item_name": "default~hdd"}, "step take default class hdd"),
    ({"op": "choose_firstn", "num": 3, "type": "rack"}, "step choose firstn 3 type rack"),
    ({"op": "chooseleaf_firstn", "num": 0, "type": "host"}, "step chooseleaf firstn 0 type host"),
    ({"op": "choose_indep", "num": -1, "type": "osd"}, "step choose indep -1 type osd"),
    ({"op": "chooseleaf_indep", "num": 0, "type": "host"}, "step chooseleaf indep 0 type host"),
    ({"op": "set_chooseleaf_tries", "num": 5}, "step set_chooseleaf_tries 5"),
    ({"op": "set_choose_tries", "num": 100}, "step set_choose_tries 100"),
    ({"op": "emit"}, "step emit"),
])
def test_format_step(step, line):
    assert ct.format_step(step) == line


def test_format_step_rejects_unknown_ops():
    with pytest.raises(ValueError, match="unsupported"):
        ct.format_step({"op": "noop"})


# -- weights ----------------------------------------------------------------------------------

@pytest.mark.parametrize("fixed, text", [(26, "0.000396728515625"), (0x10000, "1"), (119237, "1.8194122314453125"),
                                         (0, "0")])
def test_exact_weight_is_the_whole_fixed_point_value(fixed, text):
    assert ct.exact_weight(fixed) == text
    assert int(float(text) * 0x10000) == fixed


def test_with_exact_weights_rewrites_only_item_weights_rounded_by_printing():
    text = ("host node1 {\n\tid -3\n\t# weight 0.000\n\talg straw2\n\titem osd.0 weight 0.000\n"
            "\titem osd.1 weight 1.00000\n}\nrule r {\n\tid 0\n\tstep emit\n}\n")
    sections = ct.parse("type 0 osd\ntype 1 host\n" + text)
    crush = {"devices": [{"id": 0, "name": "osd.0"}, {"id": 1, "name": "osd.1"}],
             "buckets": [{"id": -3, "name": "node1", "items": [{"id": 0, "weight": 26},
                                                               {"id": 1, "weight": 0x10000}]}]}
    fixed = ct.with_exact_weights(sections, crush)
    assert ct.serialise(fixed) == "type 0 osd\ntype 1 host\n" + text.replace(
        "item osd.0 weight 0.000", "item osd.0 weight 0.000396728515625")
    assert ct.serialise(sections) == "type 0 osd\ntype 1 host\n" + text     # a copy
