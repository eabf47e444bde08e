"""The store's side of guardrails: saved per cluster, restored with it, forgotten with it."""
from __future__ import annotations

from actors.storage import messages as m
from tests import db_backends
from tests.unit.actors.storage.store_helpers import call

store = db_backends.store_on_each_backend

ON = {"refuse_unsafe_osd_changes": True, "refuse_deleting_pools_with_data": False,
      "change_window": [{"days": ["mon"], "from": "09:00", "to": "17:00"}]}


def restored(store) -> dict:
    return {c.fsid: c.guardrails for c in call(store, m.LoadState).clusters}


def test_guardrails_are_restored_with_their_cluster_replaced_by_a_put_and_forgotten_with_it(store):
    for fsid in ("f1", "f2"):
        store.tell(m.SaveCluster(fsid, "ceph", 1.0))
    store.tell(m.SaveGuardrails("f1", ON, 2.0))
    assert restored(store) == {"f1": ON, "f2": None}
    store.tell(m.SaveGuardrails("f1", {**ON, "change_window": None}, 3.0))
    assert restored(store)["f1"]["change_window"] is None
    store.tell(m.DeleteCluster("f1"))
    store.tell(m.SaveCluster("f1", "ceph", 4.0))     # the same fsid again starts with none
    assert restored(store) == {"f1": None, "f2": None}
