"""What each GET (and each write that answers a body) returns, as the document's named schemas
(components/schemas) and the handlers' `answer_schema` / `Write(returns=...)` declarations.

The key lists and choices come from the views' own declarations wherever they have one (the
OSD map flags, the OSD commands, the pool and rule types, the event severities, the roles, the
request states, the client IO rates); records list every key their view writes, all required
and no other allowed (schemas.record). So a key added to a view without its schema fails
tests/system/test_openapi_document.py, which checks the answers of a real daemon against this
document for every GET route, and the fuzz test (tests/system/test_fuzz_openapi.py), which
checks every answer it provokes.

Ceph's own maps (sync objects, a mon's status, grains) are passed through as Ceph or the agent
reports them and are documented as free objects.
"""
from __future__ import annotations

from actors.accounts.roles import ROLES
from actors.cluster.views.api_crush import RULE_TYPES
from actors.cluster.views.api_osds import METADATA_FIELDS, OSD_COMMANDS
from actors.cluster.views.api_pools import POOL_TYPES
from actors.cluster.views.osd_map import FLAG_NAMES
from actors.events import SEVERITY_NAMES
from web.apidoc import capacity_answers, history_answers
from web.apidoc.shapes import (  # re-exported: the handlers declare with answers.X only
    ANY_OBJECT, BOOL, INT, NUM, STR, array, list_or_page_of, mapping, nullable, one_of_strings,
    page_of, record, ref)
from web.pagination import REQUEST_STATES

TIME = {"type": "string", "format": "date-time"}     # ISO 8601, UTC (actors/timefmt.py iso)
OPTIONAL_TIME = nullable(TIME)
OPTIONAL_STR = nullable(STR)
OPTIONAL_INT = nullable(INT)
# A pool's or rule's type: its name where Ceph's number has one, else the number itself (or
# null; OpenAPI 3.0 says so on a branch of the anyOf, where `nullable` applies).
TYPE_NAME = {"anyOf": [one_of_strings(*sorted(set(POOL_TYPES.values()) | set(RULE_TYPES.values()))),
                       OPTIONAL_INT]}

CLUSTER = record({"update_time": OPTIONAL_TIME, "id": STR, "name": OPTIONAL_STR})

_POOL_FIELDS = {
    "id": INT, "name": STR, "size": INT, "min_size": INT, "crush_ruleset": OPTIONAL_INT,
    "crash_replay_interval": INT, "pg_num": INT, "pgp_num": INT, "hashpspool": nullable(BOOL),
    "full": nullable(BOOL), "quota_max_objects": OPTIONAL_INT, "quota_max_bytes": OPTIONAL_INT,
    "type": TYPE_NAME, "erasure_code_profile": STR}
POOL = record(_POOL_FIELDS)
# `pool?defaults`: the same keys, those a new pool has no default for null.
POOL_DEFAULTS = record({name: schema if "anyOf" in schema else nullable(schema)
                        for name, schema in _POOL_FIELDS.items()})

OSD_COMMAND = one_of_strings(*OSD_COMMANDS)
OSD = record({
    "id": INT, "uuid": OPTIONAL_STR, "up": BOOL, "in": BOOL, "reweight": NUM,
    "server": OPTIONAL_STR, "pools": array(INT), "valid_commands": array(OSD_COMMAND),
    "public_addr": OPTIONAL_STR, "cluster_addr": OPTIONAL_STR,
    "crush_node_ancestry": array(array(INT)),
    **{name: OPTIONAL_STR for name in METADATA_FIELDS}})     # from the OSD's metadata
OSD_COMMANDS_OF = mapping(record({"valid_commands": array(OSD_COMMAND)}))   # {"<osd id>": ...}
OSD_COMMAND_VALID = record({"valid": BOOL})
OSD_FLAGS = record({name: BOOL for name in FLAG_NAMES})

MON = record({"name": STR, "rank": OPTIONAL_INT, "in_quorum": BOOL, "server": OPTIONAL_STR,
              "addr": OPTIONAL_STR, "leader": BOOL})
HEALTH_CHECK = record({"name": STR, "severity": OPTIONAL_STR, "summary": STR, "count": INT,
                       "muted": BOOL, "detail": array(STR)})
HEALTH = record({"status": OPTIONAL_STR, "checks": array(ref("HealthCheck")),
                 "update_time": OPTIONAL_TIME})
CONFIG_OPTION = record({"key": STR, "value": {"description": "as the mon prints it"}})

CRUSH_ITEM = record({"id": INT, "weight": NUM, "pos": OPTIONAL_INT})
CRUSH_NODE = record({"bucket_type": OPTIONAL_STR, "name": OPTIONAL_STR, "id": INT, "weight": NUM,
                     "alg": OPTIONAL_STR, "hash": OPTIONAL_STR, "items": array(CRUSH_ITEM)})
CRUSH_RULE = record({"id": INT, "name": OPTIONAL_STR, "ruleset": OPTIONAL_INT, "type": TYPE_NAME,
                     "min_size": OPTIONAL_INT, "max_size": OPTIONAL_INT,
                     "steps": array({"type": "object", "description": "a step of Ceph's rule dump"}),
                     "osd_count": INT})
CRUSH_RULE_SET = record({"id": INT, "rules": array(ref("CrushRule"))})
CRUSH_TYPE = record({"id": INT, "name": OPTIONAL_STR})

SERVICE = record({"fsid": OPTIONAL_STR, "type": STR, "id": STR, "running": BOOL})
_SERVER_FIELDS = {"fqdn": STR, "hostname": STR, "managed": BOOL, "last_contact": OPTIONAL_TIME,
                  "boot_time": OPTIONAL_TIME, "ceph_version": OPTIONAL_STR,
                  "services": array(ref("Service"))}
SERVER = record(_SERVER_FIELDS)
CLUSTER_SERVER = record({**_SERVER_FIELDS, "frontend_addr": OPTIONAL_STR, "backend_addr": OPTIONAL_STR,
                         "frontend_iface": OPTIONAL_STR, "backend_iface": OPTIONAL_STR})

EVENT = record({"when": TIME, "severity": one_of_strings(*SEVERITY_NAMES.values()),
                "message": STR})
REQUEST = record({"id": STR, "state": one_of_strings(*REQUEST_STATES), "error": BOOL,
                  "error_message": STR, "headline": STR, "status": OPTIONAL_STR,
                  "requested_at": TIME, "completed_at": OPTIONAL_TIME})

USER = record({"id": INT, "username": STR, "email": STR, "is_admin": BOOL,
               "role": one_of_strings(*ROLES)})
_TOKEN_FIELDS = {"id": STR, "name": STR, "created_at": TIME, "expires_at": OPTIONAL_TIME,
                 "last_used_at": OPTIONAL_TIME, "expired": BOOL}
TOKEN = record(_TOKEN_FIELDS)
NEW_TOKEN = record({**_TOKEN_FIELDS, "token": {**STR, "description": "the secret, shown this once"}})
KEY = record({"id": STR, "status": STR, "fingerprint": OPTIONAL_STR,
              "refused_fingerprint": OPTIONAL_STR})

INFO = record({name: STR for name in ("version", "license", "registered", "hostname", "fqdn",
                                      "ipaddr", "bootstrap_url", "bootstrap_rhel",
                                      "bootstrap_ubuntu")})
LINK = {"type": "string", "format": "uri"}
POINTERS = ("docs", "openapi.json", "auth/login")       # the API root's links for anyone
SIGNED_IN = ("user", "cluster")                         # and those for a logged-in caller
API_ROOT = record({name: LINK for name in (*SIGNED_IN, *POINTERS)}, optional=SIGNED_IN)
LOG_LINES = record({"lines": STR})
CLI_ANSWER = record({"out": STR, "err": STR, "status": INT})
LOGGED_OUT = record({"message": STR})
NOTHING = record({})

# The named schemas of the document's components/schemas.
COMPONENTS = {
    "Cluster": CLUSTER, "Pool": POOL, "PoolDefaults": POOL_DEFAULTS, "Osd": OSD, "Mon": MON,
    "HealthCheck": HEALTH_CHECK, "Health": HEALTH, "ConfigOption": CONFIG_OPTION,
    "CrushNode": CRUSH_NODE, "CrushRule": CRUSH_RULE, "CrushRuleSet": CRUSH_RULE_SET,
    "CrushType": CRUSH_TYPE, "Service": SERVICE, "Server": SERVER, "ClusterServer": CLUSTER_SERVER,
    "Event": EVENT, "Request": REQUEST, "User": USER, "Token": TOKEN, "NewToken": NEW_TOKEN,
    "Key": KEY, "Info": INFO, "ApiRoot": API_ROOT, **capacity_answers.COMPONENTS,
    "RequestDetail": history_answers.request_detail(REQUEST), "ClusterChange": history_answers.CLUSTER_CHANGE,
}


def listed(name: str) -> dict:
    return array(ref(name))


def paged(name: str) -> dict:
    return page_of(ref(name))


def listed_or_paged(name: str) -> dict:
    return list_or_page_of(ref(name))
