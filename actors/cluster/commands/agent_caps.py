"""The cephx capabilities the agent needs for what the planners beside this module send: what it
reads, and exactly the changes the API makes. (Here, not under agent/: the web tier prints them
in the bootstrap script, and the agent itself never reads them.)

`ceph auth get-or-create client.calamari mon '<MON_CAPS>' mgr '<MGR_CAPS>'` makes a user the
agent can run as (`run.py agent --ceph-name client.calamari --keyring …`) instead of
client.admin. With it Ceph itself refuses what the manager never does: `auth …` (keys),
`config-key …`, `config set`, monitor membership, and every change not listed here. Commands
the API sends are listed by prefix.

Reads need no listing: mon `allow r` covers them all, including the mgr commands the agent
reads through the mon (`pg dump`, and for the stats `df`, `osd df`, `osd perf`,
`osd pool stats`, and a dry run's safety verdicts `osd ok-to-stop` and `osd safe-to-destroy`);
checked on Pacific as this user (tests/real_ceph/test_agent_stats.py, test_osd_checks.py).
"""
from __future__ import annotations

MON_COMMANDS = (
    "osd pool create", "osd pool set", "osd pool set-quota", "osd pool rename", "osd pool delete",
    "osd out", "osd in", "osd down", "osd reweight", "osd set", "osd unset",
    "osd crush add-bucket", "osd crush move", "osd crush unlink", "osd crush remove", "osd crush rm",
    "osd crush rename-bucket", "osd crush set", "osd crush rule rm", "osd setcrushmap",
    "osd scrub", "osd deep-scrub", "osd repair")
# Scrubs are mgr commands: the mon checks its own capabilities before it forwards them (the
# agent sends every command to the mon over librados), and the mgr checks its own.
MGR_COMMANDS = ("osd scrub", "osd deep-scrub", "osd repair")


def _caps(commands: tuple[str, ...]) -> str:
    return ", ".join(["allow r", *(f'allow command "{prefix}"' for prefix in commands)])


MON_CAPS = _caps(MON_COMMANDS)
MGR_CAPS = _caps(MGR_COMMANDS)


def get_or_create_words(name: str = "client.calamari") -> list[str]:
    """The `ceph` words that make the agent's user (an operator runs them once, as admin)."""
    return ["auth", "get-or-create", name, "mon", MON_CAPS, "mgr", MGR_CAPS]
