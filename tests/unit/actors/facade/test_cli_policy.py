"""actors/facade/cli: words matched against command signatures, the role policy and the audit text."""
from __future__ import annotations

import pytest

from actors.facade.cli import policy
from actors.facade.cli.signatures import Signatures, unknown_command_answer
from sim.commands.table import command_descriptions

# A few of Pacific's descriptions the simulator does not serve, in the mon's own shape.
EXTRA = {
    "x1": {"sig": ["auth", "get-key", {"name": "entity", "type": "CephString"}], "perm": "rx", "module": "auth", "flags": 0},
    "x2": {"sig": ["config-key", "get", {"name": "key", "type": "CephString"}], "perm": "r", "module": "config-key", "flags": 0},
    "x3": {"sig": ["config", "set", {"name": "who", "type": "CephString"}, {"name": "name", "type": "CephString"},
                   {"name": "value", "type": "CephString"}, {"name": "force", "req": "false", "type": "CephBool"}],
           "perm": "rw", "module": "config", "flags": 0},
    "x4": {"sig": ["restful", "list-keys"], "perm": "r", "module": "mgr", "flags": 8},
    "x5": {"sig": ["balancer", "status"], "perm": "r", "module": "mgr", "flags": 8},
    "x6": {"sig": ["fs", "authorize", {"name": "fs", "type": "CephString"}], "perm": "rw", "module": "auth", "flags": 0},
    "x7": {"sig": ["osd", "destroy", {"name": "id", "type": "CephOsdName"}], "perm": "rw", "module": "osd", "flags": 0},
    "x8": {"sig": ["pg", "dump", {"n": "N", "name": "dumpcontents", "req": "false",
                                  "strings": "all|summary|pgs|pgs_brief", "type": "CephChoices"}],
           "perm": "r", "module": "pg", "flags": 8},
    "x9": {"sig": ["mon", "remove", {"name": "name", "type": "CephString"}], "perm": "rw", "module": "mon", "flags": 0},
    "bad": {"sig": "not a list"},
}
SIGNATURES = Signatures.from_descriptions({**command_descriptions(), **EXTRA})


def parse(text: str):
    return SIGNATURES.parse(text.split())


@pytest.mark.parametrize("text, command", [
    ("osd dump", {"prefix": "osd dump"}),
    ("osd dump 7", {"prefix": "osd dump", "epoch": 7}),
    ("osd pool ls detail", {"prefix": "osd pool ls", "detail": "detail"}),
    ("osd tree up in", {"prefix": "osd tree", "states": ["up", "in"]}),
    ("osd tree 3 down", {"prefix": "osd tree", "epoch": 3, "states": ["down"]}),
    ("osd pool create p 8 8 replicated", {"prefix": "osd pool create", "pool": "p", "pg_num": 8, "pgp_num": 8,
                                          "pool_type": "replicated"}),
    ("osd pool create p erasure", {"prefix": "osd pool create", "pool": "p", "pool_type": "erasure"}),
    ("osd reweight 2 0.25", {"prefix": "osd reweight", "id": 2, "weight": 0.25}),
    ("osd down 1 2 true", {"prefix": "osd down", "ids": ["1", "2", "true"]}),
    ("osd crush add-bucket r1 rack root=default", {"prefix": "osd crush add-bucket", "name": "r1", "type": "rack",
                                                   "args": ["root=default"]}),
    ("pg dump pgs_brief", {"prefix": "pg dump", "dumpcontents": ["pgs_brief"]}),
    ("config set osd osd_max_backfills 2", {"prefix": "config set", "who": "osd", "name": "osd_max_backfills",
                                            "value": "2"}),
    ("config set osd a b true", {"prefix": "config set", "who": "osd", "name": "a", "value": "b", "force": True}),
])
def test_words_become_the_mons_command_json(text, command):
    assert parse(text).command == command


@pytest.mark.parametrize("text", [
    "osd reweight 1 1.5",             # out of range
    "osd reweight x 0.5",             # not an OSD name
    "osd dump -1", "osd dump x",      # below range / not an integer
    "osd pool get rbd nonsense",      # not a choice
    "osd crush add-bucket b@d host",  # characters a CRUSH name may not have
    "osd set noout extra words",      # words left over
    "osd pool create",                # required argument missing
    "osd reweight 1 nan", "frobnicate", "osd",
])
def test_words_that_fit_no_signature(text):
    assert parse(text) is None


def test_the_longest_prefix_wins_and_unknown_words_get_cephs_answer():
    assert parse("osd crush rule rm r1").signature.prefix == "osd crush rule rm"
    answer = unknown_command_answer(SIGNATURES, ["osd", "reweight", "1"])
    assert (answer["out"], answer["status"]) == ("", 22)
    assert answer["err"].startswith("no valid command found; 1 closest matches:\nosd reweight <id> <weight>\n")
    assert SIGNATURES.known_words(["osd", "pool", "frob", "x"]) == 2
    assert SIGNATURES.known_words(["nothing"]) == 0


@pytest.mark.parametrize("words", [
    "auth get-key client.admin", "auth ls", "auth get-or-create client.x mon allow", "config-key dump",
    "config-key set k v", "config-key get k", "tell mon.a config set mon_allow_pool_delete true",
    "daemon osd.0 config show", "injectargs x", "mon remove a", "mon add b 127.0.0.1",
    "osd pool delete rbd rbd", "osd pool rm rbd", "osd destroy 1", "osd purge 1"])
def test_admin_only_words_are_refused_below_admin_before_any_parse(words):
    refused = policy.refused_words(words.split(), "operator")
    assert refused is not None and words.startswith(refused)
    assert policy.refused_words(words.split(), "admin") is None


@pytest.mark.parametrize("text, reason", [
    ("auth get-key client.admin", "'auth get-key' is for administrators only"),
    ("config-key get k", "'config-key get' is for administrators only"),
    ("fs authorize a", "'fs authorize' is for administrators only"),
    ("restful list-keys", "'restful list-keys' belongs to a manager module"),
    ("osd destroy 1", "'osd destroy' is for administrators only"),
    ("osd crush rule create-replicated r default host", "'osd crush rule create-replicated' is not among"),
    ("config set mon auth_allow_insecure_global_id_reclaim true", "security option 'auth_allow_insecure"),
    ("config set mon mon_allow_pool_delete true", "security option 'mon_allow_pool_delete'"),
    ("config set osd osd_class_dir /tmp/x", "security option 'osd_class_dir'"),
    ("config set mgr mgr/dashboard/password x", "security option 'mgr/dashboard/password'"),
    ("mon remove a", "'mon remove' is for administrators only"),
])
def test_operators_are_refused_what_hands_out_the_cluster(text, reason):
    parsed = parse(text)
    assert parsed is not None, text
    assert reason in policy.refused_command(parsed, "operator")
    assert policy.refused_command(parsed, "admin") is None


@pytest.mark.parametrize("text", [
    "status", "health detail", "df", "osd tree", "osd dump", "osd pool ls", "osd pool get rbd size",
    "pg dump", "balancer status", "mon stat", "versions" if parse("versions") else "version",
    "osd pool create p 8", "osd pool set rbd size 2", "osd pool set-quota rbd max_bytes 10", "osd out 1",
    "osd in 1", "osd reweight 1 0.5", "osd scrub 1", "osd set noout", "osd unset noout",
    "osd crush move h1 root=default", "config set osd osd_max_backfills 2"])
def test_operators_run_reads_and_the_apis_own_changes(text):
    assert policy.refused_command(parse(text), "operator") is None


def test_every_change_the_api_makes_is_allowed_or_deliberately_admin_only():
    from sim.commands.executor import COMMANDS             # the simulator models exactly the API's changes
    changes = {s.prefix for group in SIGNATURES.by_first.values() for s in group if not s.read_only}
    api_sent = changes & set(COMMANDS)
    admin_only = {p for p in api_sent if policy.refused_words(p.split(), "operator")}
    assert policy.API_CHANGES <= api_sent
    assert api_sent - policy.API_CHANGES - admin_only == {
        "osd crush add", "osd crush reweight", "osd crush rule create-replicated",
        "osd crush rule create-erasure", "osd crush rule rename", "osd erasure-code-profile set",
        "osd erasure-code-profile rm"}      # the simulator's extras: the API edits rules as CRUSH text


def test_audit_text_names_the_command_and_hides_secrets():
    assert policy.audit_text(parse("osd pool set rbd size 3"), []) == "cli osd pool set pool=rbd var=size val=3"
    assert policy.audit_text(parse("config-key get k"), []) == "cli config-key get key=k"
    secret = SIGNATURES.parse(["config", "set", "mgr", "mgr/dashboard/password", "hunter2"])
    assert policy.audit_text(secret, []) == "cli config set who=mgr name=mgr/dashboard/password value=***"
    assert policy.audit_text(None, ["auth", "get-key", "x"], 1) == "cli auth (+2 more words)"
    assert policy.audit_text(None, ["hunter2"], 0) == "cli (+1 more words)"
    assert policy.audit_text(parse("config-key set k hunter2"), []) == "cli config-key set key=k val=***"


def test_the_agents_narrow_cephx_user_may_make_every_change_the_api_makes():
    from actors.cluster.commands import agent_caps as caps
    granted = set(caps.MON_COMMANDS) | set(caps.MGR_COMMANDS)
    assert policy.API_CHANGES <= granted
    assert {"osd pool delete", "osd crush remove", "osd setcrushmap"} <= granted
    assert not any(p.startswith(("auth", "config", "mon ")) for p in granted)
    assert caps.get_or_create_words()[:3] == ["auth", "get-or-create", "client.calamari"]
