"""Each cluster's guardrails (actors/cluster/guardrails.py), one JSON row per cluster that set
any; the cluster actor holds them and saves them through the store actor."""
from __future__ import annotations

import json

from store.models import ClusterGuardrails


def save_guardrails(fsid: str, settings: dict, saved_at: float) -> None:
    text = json.dumps(settings, sort_keys=True)
    ClusterGuardrails.insert(fsid=fsid, settings=text, updated_at=saved_at).on_conflict(
        conflict_target=[ClusterGuardrails.fsid],
        update={ClusterGuardrails.settings: text, ClusterGuardrails.updated_at: saved_at}).execute()


def load_guardrails() -> dict[str, dict | None]:
    """fsid -> the settings saved (None for a row that is not JSON: read as all off)."""
    loaded = {}
    for row in ClusterGuardrails.select():
        try:
            loaded[row.fsid] = json.loads(row.settings)
        except ValueError:
            loaded[row.fsid] = None
    return loaded


def delete_guardrails(fsid: str) -> None:
    ClusterGuardrails.delete().where(ClusterGuardrails.fsid == fsid).execute()
