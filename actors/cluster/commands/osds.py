"""OSD update, OSD commands and OSD map flags (calamari-internals §4.5.2–§4.5.4; bug 16).

Every builder diffs the request against the current map; nothing to do gives None (→ 304).
"""
from __future__ import annotations

from actors.fields import Body, Errors, boolean, changes_text, number
from actors.errors import Conflict, NotFound
from actors.requests.plans import JOB, OSD_MAP, Plan
from actors.cluster.views.osd_map import FLAG_NAMES, OsdMapView

OSD_UPDATE = Body({"up": boolean(), "in": boolean(),
                   "reweight": number(minimum=0.0, maximum=1.0)})
OSD_CONFIG_UPDATE = Body({flag: boolean() for flag in FLAG_NAMES})

# API command name -> Ceph prefix (the headline uses the part after "osd ").
OSD_COMMAND_PREFIXES = {"scrub": "osd scrub", "deep_scrub": "osd deep-scrub",
                        "repair": "osd repair"}

_FIXED_ONE = 0x10000      # Ceph keeps reweights in 16.16 fixed point


def _same_weight(a: float, b: float) -> bool:
    return round(a * _FIXED_ONE) == round(b * _FIXED_ONE)


def _get_osd(view: OsdMapView, osd_id: int) -> dict:
    osd = view.osds_by_id.get(osd_id)
    if osd is None:
        raise NotFound.of("osd", osd_id)
    return osd


def _current_reweight(view: OsdMapView, osd: dict) -> float:
    node = view.tree_nodes_by_id.get(osd["osd"]) or {}
    value = node.get("reweight", osd.get("weight"))
    return float(value) if value is not None else 0.0


def plan_osd_update(view: OsdMapView, cluster_name: str, osd_id: int, attrs) -> Plan | None:
    """`PATCH /osd/<id>` with up (false only), in and reweight (0..1).

    Commands: in/out, then down, then reweight. Marking an OSD in resets its reweight to 1.0
    in Ceph, marking it out to 0.0, so reweight is diffed against that value.
    """
    osd = _get_osd(view, osd_id)
    values = OSD_UPDATE.check(attrs, "PATCH")
    is_up, is_in = bool(osd.get("up")), bool(osd.get("in"))
    errors = Errors()
    if values.get("up") is True and not is_up:
        errors.add("up", "cannot mark an OSD up: it comes up by itself when its daemon runs")
    if values.get("in") is False and values.get("reweight", 0.0) != 0.0:
        errors.add("reweight", "cannot re-weight an OSD that is being marked out")
    errors.raise_if_any()

    target = f"{cluster_name}-osd.{osd_id}"
    ids = {"ids": [str(osd_id)]}
    commands, changes = [], {}
    reweight = _current_reweight(view, osd)
    if "in" in values and values["in"] != is_in:
        changes["in"] = values["in"]
        commands.append(("osd in" if values["in"] else "osd out", ids))
        reweight = 1.0 if values["in"] else 0.0
    if values.get("up") is False and is_up:
        changes["up"] = False
        commands.append(("osd down", ids))
    if "reweight" in values and not _same_weight(values["reweight"], reweight):
        changes["reweight"] = values["reweight"]
        commands.append(("osd reweight", {"id": osd_id, "weight": values["reweight"]}))
    if not commands:
        return None

    if list(changes) == ["in"]:
        headline = f"Marking {target} {'in' if changes['in'] else 'out'}"
    elif list(changes) == ["up"]:
        headline = f"Marking {target} down"
    elif list(changes) == ["reweight"]:
        headline = f"Re-weighting {target} to {changes['reweight'] * 100:.1f}%"
    else:
        headline = f"Modifying {target} ({changes_text(changes)})"
    return Plan(headline=headline, commands=tuple(commands), completion=OSD_MAP)


def plan_osd_command(view: OsdMapView, cluster_name: str, osd_id: int, command: str) -> Plan:
    """`POST /osd/<id>/command/<command>`: scrub, deep_scrub or repair on an up OSD."""
    osd = _get_osd(view, osd_id)
    prefix = OSD_COMMAND_PREFIXES.get(command)
    if prefix is None:
        raise NotFound(f"unknown OSD command {command!r}")
    if not osd.get("up"):
        raise Conflict(f"{command} not valid on OSD {osd_id}: it is down")
    return Plan(headline=f"Initiating {prefix[4:]} on {cluster_name}-osd.{osd_id}",
                commands=((prefix, {"who": str(osd_id)}),), completion=JOB, associate=False)


def plan_osd_config(view: OsdMapView, cluster_name: str, attrs) -> Plan | None:
    """`PATCH /osd_config`: `osd set`/`osd unset` for each of the 9 flags that changes."""
    values = OSD_CONFIG_UPDATE.check(attrs, "PATCH")
    changes = {flag: values[flag] for flag in FLAG_NAMES
               if flag in values and values[flag] != view.flags.get(flag, False)}
    if not changes:
        return None
    commands = tuple(("osd set" if value else "osd unset", {"key": flag})
                     for flag, value in changes.items())
    return Plan(headline=f"Modifying OSD config {cluster_name} ({changes_text(changes)})",
                commands=commands, completion=OSD_MAP)
