"""Who may run which cli command, and how a command is written into the audit log. Pure.

Operators may run what only reads (the description's `perm` is "r") and the changes the API
itself makes (API_CHANGES), plus `config set`/`config rm` of options that do not touch security.
Whatever hands out the cluster is for administrators only, even where Ceph calls it a read:
keys (`auth …`), the config-key store (it holds the mgr modules' credentials), monitor
membership, commands sent on to daemons (`tell`, `injectargs`) and deleting pools or OSDs outside
the request workflow. Those are refused by their leading words before anything is parsed, so a
command the cluster does not even describe is refused all the same.
"""
from __future__ import annotations

import re

from actors.accounts import roles
from actors.facade.cli.signatures import Parsed

# Leading words refused below administrator, whatever follows.
ADMIN_ONLY = tuple(tuple(p.split()) for p in (
    "auth", "config-key", "tell", "daemon", "injectargs", "config assimilate-conf",
    "mon add", "mon remove", "mon rm", "mon set-addrs", "mon set-rank", "mon set-weight",
    "mon set", "mon feature", "mon enable-msgr2", "mon enable_stretch_mode",
    "mon disable_stretch_mode", "mon set_location", "mon sync", "mon scrub", "mon compact",
    "osd pool delete", "osd pool rm", "osd rm", "osd destroy", "osd purge", "osd purge-new",
    "osd lost", "osd new", "osd create", "osd setcrushmap", "osd crush rm", "osd crush remove",
    "fs rm", "fs fail", "mds rm", "mgr module", "mgr fail"))

# The changes POST/PATCH/DELETE of the API make (actors/cluster/commands), less the admin-only ones above
# (the API deletes pools and CRUSH items itself, inside its request workflow).
API_CHANGES = frozenset({
    "osd pool create", "osd pool set", "osd pool set-quota", "osd pool rename",
    "osd out", "osd in", "osd down", "osd reweight", "osd scrub", "osd deep-scrub", "osd repair",
    "osd set", "osd unset", "osd crush add-bucket", "osd crush move", "osd crush unlink",
    "osd crush rename-bucket", "osd crush set", "osd crush rule rm"})
OPERATOR_CONFIG = frozenset({"config set", "config rm"})
ADMIN_MODULES = frozenset({"auth", "config-key"})      # keys however a command is spelt (`fs authorize`)
# Commands of mgr modules are declared by each module, their `perm` by its author: a module that
# keeps credentials (restful's keys, dashboard's users) may call their listing a read. Operators
# get the reads of the modules known to hold none.
OPERATOR_MGR_MODULES = frozenset({"balancer", "crash", "device", "healthcheck", "iostat", "progress",
                                  "osd", "pg", "fs", "mgr"})

# Options whose change weakens authentication or encryption, lifts a safety lock, or points a
# daemon at a file or a plugin (a path option is a way to run code): administrators only.
SECURITY_OPTION = re.compile(
    r"(auth|cephx|ms_|mon_allow_pool|keyring|key$|keyfile|admin_socket|log_file|plugin|erasure_code_dir"
    r"|osd_class|_dir$|_path$|_file$|password|secret|token|crypt|ssl|tls|mon_host|mgr/|nodelete"
    r"|mon_dns_srv_name|rgw_keystone)", re.IGNORECASE)
SECRET_ARG = re.compile(r"(password|secret|token|passphrase)", re.IGNORECASE)
SECRET_VALUE_OF = {"config-key set": "val", "config-key put": "val"}   # the stored value may be a key
REDACTED = "***"


def refused_words(words: list[str], role: str) -> str | None:
    """The admin-only prefix `words` start with when `role` is below admin, else None."""
    if roles.allows(role, roles.ADMIN):
        return None
    for prefix in ADMIN_ONLY:
        if tuple(words[:len(prefix)]) == prefix:
            return " ".join(prefix)
    return None


def refused_command(parsed: Parsed, role: str) -> str | None:
    """Why `role` may not run this parsed command (a sentence naming its prefix), or None."""
    if roles.allows(role, roles.ADMIN):
        return None
    signature = parsed.signature
    prefix = signature.prefix
    if refused_words(prefix.split(), role) or signature.module in ADMIN_MODULES:
        return f"'{prefix}' is for administrators only"
    if signature.module == "mgr" and signature.words[0] not in OPERATOR_MGR_MODULES:
        return f"'{prefix}' belongs to a manager module whose commands are for administrators only"
    if prefix in OPERATOR_CONFIG:
        option = str(parsed.command.get("name", ""))
        if SECURITY_OPTION.search(option):
            return f"'{prefix}' of the security option '{option}' is for administrators only"
        return None
    if signature.read_only or prefix in API_CHANGES:
        return None
    return f"'{prefix}' is not among the commands operators may run (reads and the API's own changes)"


def audit_text(parsed: Parsed | None, words: list[str], known: int = 0) -> str:
    """The command for the audit event, secrets redacted: "cli config-key set key=k val=***".
    Of words that were not parsed only the first `known` (command words the cluster or the
    refusal named) are shown: the rest may be anything, a password typed in the wrong place."""
    if parsed is None:
        more = len(words) - known
        return " ".join(["cli", *words[:known], *([f"(+{more} more words)"] if more else [])])
    parts = [parsed.signature.prefix]
    secret_value = SECURITY_OPTION.search(str(parsed.command.get("name", ""))) is not None
    for name, value in parsed.command.items():
        if name in ("prefix", "format"):
            continue
        hidden = SECRET_ARG.search(name) or SECRET_VALUE_OF.get(parsed.signature.prefix) == name \
            or (name == "value" and secret_value)
        parts.append(f"{name}={REDACTED if hidden else value}")
    return "cli " + " ".join(parts)
