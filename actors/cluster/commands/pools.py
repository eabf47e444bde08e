"""Pool create, update and delete plans (calamari-internals §4.5.1, §4.6; bugs 7, 8, 9, 12).

Create sends `osd pool create` with pgp_num, then the attribute commands; replicated pools
always get a computed min_size. Update diffs the request against the current pool: unchanged
fields send nothing and a request with nothing left is a no-op (None → 304). Raising pg_num
is a PG growth plan whose commands end with the first `pg_num` step.
"""
from __future__ import annotations

from actors.fields import Errors, changes_text, check, require_object
from actors.cluster.commands.pool_attrs import (
    POOL_CREATE, POOL_UPDATE, attribute_commands, check_common, check_name, config_int,
    majority_min_size)
from actors.requests.pool_set import pool_set
from actors.errors import NotFound
from actors.requests.plans import OSD_MAP, PG_GROWTH, POOL_CREATED, PgGrowth, Plan
from actors.cluster.views.api_pools import api_pool
from actors.cluster.views.osd_map import OsdMapView

# Values a new pool already has: sending them would only add commands.
_NEW_POOL_VALUES = {"quota_max_objects": 0, "quota_max_bytes": 0}
_NOT_ATTRIBUTES = ("name", "pg_num", "pgp_num", "type", "erasure_code_profile")


def plan_pool_create(view: OsdMapView, config: dict | None, cluster_name: str,
                     attrs) -> Plan:
    """`POST /pool`: Conflict for a taken name, Invalid for anything else wrong."""
    body = require_object(attrs)
    erasure = body.get("type") == "erasure"
    allowed = [field for field in POOL_CREATE.allowed_fields() if not (erasure and field == "size")]
    values = check(body, POOL_CREATE.fields, "POST", allowed, POOL_CREATE.required)
    pool_type = values.get("type", "replicated")
    name, pg_num = values["name"], values["pg_num"]

    errors = Errors()
    check_name(view, name, errors)
    profile = _erasure_profile(view, values, pool_type, errors)
    check_common(view, config, values, errors, pool_type)
    errors.raise_if_any()

    post = {key: value for key, value in values.items()
            if key not in _NOT_ATTRIBUTES and _NEW_POOL_VALUES.get(key, -1) != value}
    if pool_type == "replicated":
        size = values.get("size") or config_int(config, "osd_pool_default_size")
        min_size = values.get("min_size") or config_int(config, "osd_pool_default_min_size")
        post["min_size"] = majority_min_size(size, min_size)
    elif values.get("min_size"):
        post["min_size"] = _erasure_min_size(view, profile, values["min_size"])
    else:
        post.pop("min_size", None)      # 0 on an erasure pool: keep Ceph's own (k + 1)

    commands = [("osd pool create", {
        "pool": name, "pg_num": pg_num, "pgp_num": values.get("pgp_num", pg_num),
        "pool_type": pool_type, "erasure_code_profile": profile})]
    commands += attribute_commands(view, name, pool_type, post)
    return Plan(headline=f"Creating pool '{name}'", commands=tuple(commands),
                completion=POOL_CREATED, pool_name=name)


def _erasure_profile(view: OsdMapView, values: dict, pool_type: str, errors: Errors) -> str:
    """The profile sent to Ceph: "" for replicated pools, an existing profile for erasure."""
    requested = values.get("erasure_code_profile", "")
    if pool_type == "replicated":
        if requested:
            # Ceph reads a replicated pool's profile argument as a CRUSH rule name.
            errors.add("erasure_code_profile", "Only valid for erasure pools")
        return ""
    profile = requested or "default"
    if profile not in (view.raw.get("erasure_code_profiles") or {}):
        errors.add("erasure_code_profile", f"Erasure code profile {profile} not found")
    return profile


def _erasure_min_size(view: OsdMapView, profile: str, min_size: int) -> int:
    """A requested erasure min_size, capped at k + m when the profile says what they are."""
    spec = (view.raw.get("erasure_code_profiles") or {}).get(profile) or {}
    try:
        return min(min_size, int(spec["k"]) + int(spec["m"]))
    except (KeyError, TypeError, ValueError):
        return min_size


def plan_pool_update(view: OsdMapView, config: dict | None, cluster_name: str, pool_id: int,
                     attrs) -> Plan | None:
    """`PATCH /pool/<id>`: the commands for the fields that change; None if none does."""
    if pool_id not in view.pools_by_id:
        raise NotFound.of("pool", pool_id)
    current = api_pool(view, pool_id)
    pool_type = current["type"] if current["type"] in ("replicated", "erasure") else "replicated"
    allowed = [field for field in POOL_UPDATE.allowed_fields()
               if not (pool_type == "erasure" and field == "size")]
    values = check(attrs, POOL_UPDATE.fields, "PATCH", allowed)

    errors = Errors()
    if "name" in values:
        check_name(view, values["name"], errors, pool_id)
    for field in ("pg_num", "pgp_num"):
        if field in values and values[field] < current[field]:
            errors.add(field, f"must be >= than current {field}")
    check_common(view, config, values, errors, pool_type, current["pg_num"])
    errors.raise_if_any()

    if "size" in values or "min_size" in values:
        size = values.get("size", current["size"])
        min_size = values.get("min_size", current["min_size"])
        values["min_size"] = majority_min_size(size, min_size)
    changes = {key: value for key, value in values.items() if current.get(key) != value}
    if not changes:
        return None

    name = current["name"]
    if "pg_num" not in changes:
        return Plan(headline=f"Modifying pool '{name}' ({changes_text(changes)})",
                    commands=tuple(attribute_commands(view, name, pool_type, changes)),
                    completion=OSD_MAP)
    growth = _growth(view, config, pool_id, changes.get("name", name), current, values)
    others = {key: value for key, value in changes.items() if key not in ("pg_num", "pgp_num")}
    commands = attribute_commands(view, name, pool_type, others)
    commands.append(pool_set(growth.pool_name, "pg_num", growth.first_goal()))
    return Plan(headline=f"Growing pool '{name}' to {growth.final} PGs",
                commands=tuple(commands), completion=PG_GROWTH, pg_growth=growth)


def _growth(view: OsdMapView, config: dict | None, pool_id: int, pool_name: str,
            current: dict, values: dict) -> PgGrowth:
    """Blocks of split_count × min(current pg_num, OSD count) PGs, at least 1.

    `pool_name` is the name after the request (a rename runs before the first pg_num step).
    The pgp_num target is the one requested, even if equal to the current one, else the final
    pg_num.
    """
    split_count = config_int(config, "mon_osd_max_split_count")
    block = max(1, split_count * min(current["pg_num"], len(view.osds_by_id)))
    final = values["pg_num"]
    return PgGrowth(pool_id=pool_id, pool_name=pool_name, initial=current["pg_num"],
                    final=final, block=block, pgp_num=values.get("pgp_num", final))


def plan_pool_delete(view: OsdMapView, cluster_name: str, pool_id: int) -> Plan:
    """`DELETE /pool/<id>`; NotFound for an unknown pool."""
    pool = view.pools_by_id.get(pool_id)
    if pool is None:
        raise NotFound.of("pool", pool_id)
    name = pool["pool_name"]
    # Pacific wants the name twice and the boolean; the pre-Luminous `sure` string is ignored.
    return Plan(headline=f"Deleting pool '{name}'", commands=(("osd pool delete", {
        "pool": name, "pool2": name, "yes_i_really_really_mean_it": True}),), completion=OSD_MAP)
