"""The answers of the capacity resources (web/resources/capacity.py): usage, osd_usage, io,
history and the fleet's rows. Byte counts and rates are numbers, ratios 0..1, `percent_used` and
`utilization` 0..100; figures not known yet (no stats from the cluster) are null. The rate and
recovery keys are the views' own lists (actors/cluster/views/stats_fields.py, io.py)."""
from __future__ import annotations

from actors.cluster.views.io import RECOVERY_COUNT_KEYS
from actors.cluster.views.stats_fields import CLIENT_KEYS, RECOVERY_RATE_KEYS
from web.apidoc.shapes import (
    BOOL, INT, NUM, STR, array, mapping, nullable, record)

OPTIONAL_NUM = nullable(NUM)
OPTIONAL_INT = nullable(INT)
OPTIONAL_STR = nullable(STR)
OPTIONAL_TIME = nullable({"type": "string", "format": "date-time"})
CLIENT_RATES = record({key: NUM for key in CLIENT_KEYS})
_TOTALS = {"total_bytes": NUM, "used_bytes": NUM, "avail_bytes": NUM, "used_ratio": NUM}

USAGE = record({
    **_TOTALS, "stored_bytes": NUM, "objects": NUM, "nearfull_ratio": NUM, "full_ratio": NUM,
    "days_until_full": OPTIONAL_NUM,
    "host_failure_headroom": nullable(record({"host": STR, "host_used_bytes": INT, "fits": BOOL,
                                              "margin_bytes": INT})),
    "device_classes": array(record({"name": STR, **_TOTALS})),
    "pools": array(record({
        "id": INT, "name": OPTIONAL_STR, "stored_bytes": NUM, "objects": NUM, "used_bytes": NUM,
        "percent_used": NUM, "max_avail_bytes": NUM, "quota_max_bytes": NUM,
        "quota_max_objects": NUM, "quota_bytes_ratio": OPTIONAL_NUM,
        "quota_objects_ratio": OPTIONAL_NUM, "days_until_full": OPTIONAL_NUM})),
    "update_time": OPTIONAL_TIME})

OSD_USAGE = record({
    "id": INT, "host": OPTIONAL_STR, "device_class": OPTIONAL_STR, "total_bytes": NUM,
    "used_bytes": NUM, "avail_bytes": NUM, "utilization": NUM, "var": NUM, "pgs": NUM,
    "status": OPTIONAL_STR, "reweight": NUM, "crush_weight": NUM})

IO = record({
    "client": CLIENT_RATES,
    "recovery": record({key: NUM for key in (*RECOVERY_RATE_KEYS, *RECOVERY_COUNT_KEYS)}),
    "pgs": record({"total": INT, "active_clean": INT, "by_state": mapping(INT)}),
    "pools": array(record({
        "id": INT, "name": OPTIONAL_STR, "client": CLIENT_RATES,
        "recovery": record({key: NUM for key in (*RECOVERY_RATE_KEYS, "degraded_objects")})})),
    "osd_latency": array(record({"id": INT, "commit_latency_ms": NUM, "apply_latency_ms": NUM})),
    "update_time": OPTIONAL_TIME})

HISTORY = record({
    "step_s": NUM,
    "series": mapping(array({"type": "array", "minItems": 2, "maxItems": 2,
                             "description": "[ISO 8601 time, value]",
                             "items": {"anyOf": [STR, OPTIONAL_NUM]}}))})

FLEET_ROW = record({
    "fsid": STR, "name": OPTIONAL_STR, "health": OPTIONAL_STR,
    "checks": record({"HEALTH_ERR": INT, "HEALTH_WARN": INT}),
    "total_bytes": OPTIONAL_NUM, "used_bytes": OPTIONAL_NUM, "used_ratio": OPTIONAL_NUM,
    "days_until_full": OPTIONAL_NUM,
    "osds": record({"total": OPTIONAL_INT, "up": OPTIONAL_INT, "in": OPTIONAL_INT}),
    "mons": record({"total": OPTIONAL_INT, "in_quorum": OPTIONAL_INT}),
    "pgs": record({"total": OPTIONAL_INT, "active_clean": OPTIONAL_INT}),
    "client_io": nullable(CLIENT_RATES),
    "update_time": OPTIONAL_TIME,
    "servers": record({"managed": INT, "late": INT})})

COMPONENTS = {"Usage": USAGE, "OsdUsage": OSD_USAGE, "Io": IO, "History": HISTORY,
              "FleetRow": FLEET_ROW}
