"""The big lists over HTTP (OSDs, pools, servers): the reference's plain arrays unless `page` or
`page_size` is given, then the paged envelope with the events' rules (bounds, 400s naming the
field, absolute links keeping the other query args); filters apply before paging."""
from __future__ import annotations

import json

from actors.cluster.queries import Query
from actors.servers.directory_views import ServerList, encode_view
from tests.unit.fake_api import FSID, FakeApi, WebTestCase, done
from tests.unit.sim_helpers import make
from tests.unit.actors.cluster.query_helpers import cache_of

OSDS = f"/api/v2/cluster/{FSID}/osd"
POOLS = f"/api/v2/cluster/{FSID}/pool"
LISTS = (Query.OSDS, Query.OSDS_PAGE, Query.POOLS, Query.POOLS_PAGE, Query.OSD)
MAP = make(hosts=5, osds_per_host=5).get_cluster_object("osd_map")["data"]     # 25 OSDs, 3 pools


class ListsApi(FakeApi):
    """FakeApi whose OSD and pool reads are answered by a real QueryCache over a simulated map."""

    def __init__(self):
        super().__init__()
        self.cache = cache_of(MAP)
        views = [{"fqdn": f"s{i:02d}.example", "hostname": f"s{i:02d}", "managed": True,
                  "services": []} for i in range(23)]
        self.servers = ServerList(views, [encode_view(v) for v in views])   # as the directory answers

    def cluster_query(self, fsid, name, /, **params):
        if fsid != FSID or name not in LISTS:
            return super().cluster_query(fsid, name, **params)
        self.calls.append(("cluster_query", (fsid, name), params))
        try:
            return done(self.cache.answer(name, params))
        except Exception as exc:  # noqa: BLE001 - NotFound etc. as a failed Future
            return done(error=exc)


class BigListTest(WebTestCase):
    def get_app(self):
        app = super().get_app()
        self.api = app.settings["api"] = ListsApi()
        return app

    def last_query(self):
        return self.api.called("cluster_query")[-1]

    def test_without_page_args_the_lists_stay_plain_arrays(self):
        osds = self.body(self.get(OSDS))
        self.assertEqual([o["id"] for o in osds], list(range(25)))
        self.assertEqual(self.last_query(), ((FSID, Query.OSDS), {"pool": None, "ids": None}))
        self.assertEqual(len(self.body(self.get(POOLS))), 3)
        self.assertEqual(self.body(self.get("/api/v2/server")), self.api.servers)

    def test_osd_pages_cover_the_list_with_links(self):
        whole = self.body(self.get(OSDS))
        first = self.body(self.get(OSDS + "?page_size=10"))
        self.assertEqual(first["count"], 25)
        self.assertIsNone(first["previous"])
        self.assertEqual(first["next"], self.get_url(OSDS + "?page_size=10&page=2"))
        self.assertEqual(self.last_query(), ((FSID, Query.OSDS_PAGE),
                                             {"pool": None, "ids": None, "offset": 0, "limit": 10}))
        results, url = list(first["results"]), first["next"]
        while url:
            page = self.body(self.fetch(url, headers={"Cookie": self.cookie()}))
            results += page["results"]
            url = page["next"]
        self.assertEqual(results, whole)
        last = self.body(self.get(OSDS + "?page=3&page_size=10"))
        self.assertEqual(last["previous"], self.get_url(OSDS + "?page_size=10&page=2"))
        self.assertEqual((len(last["results"]), last["next"]), (5, None))
        default = self.body(self.get(OSDS + "?page=1"))
        self.assertEqual(len(default["results"]), 10)      # the events' default page size

    def test_filters_combine_with_pages(self):
        query = "pool=2&id__in[]=20&id__in[]=3&id__in[]=7&id__in[]=99&id__in[]=12"
        whole = self.body(self.get(f"{OSDS}?{query}"))
        self.assertEqual([o["id"] for o in whole], [3, 7, 12, 20])
        page = self.body(self.get(f"{OSDS}?{query}&page=2&page_size=3"))
        self.assertEqual((page["count"], page["results"]), (4, whole[3:]))
        self.assertIn("pool=2", page["previous"])
        self.assertIn("id__in%5B%5D=99", page["previous"])
        self.assertNotIn("page=", page["previous"].replace("page_size", ""))
        self.assert_error(self.get(OSDS + "?pool=42&page=1"), 404)

    def test_bad_page_args_are_400_naming_the_field(self):
        for query, field in (("page=0", "page"), ("page=x", "page"), ("page=", "page"),
                             ("page=4&page_size=10", "page"), ("page_size=0", "page_size"),
                             ("page_size=1001", "page_size"), ("page_size=", "page_size"),
                             ("page=2&pool=abc", "pool")):
            for path in (OSDS, POOLS, "/api/v2/server"):
                if field == "pool" and path != OSDS:
                    continue
                with self.subTest(query=query, path=path):
                    self.assert_error(self.get(f"{path}?{query}"), 400, field=field)

    def test_empty_filtered_list_has_one_empty_page(self):
        page = self.body(self.get(OSDS + "?id__in[]=500&page=1"))
        self.assertEqual(page, {"count": 0, "next": None, "previous": None, "results": []})
        self.assert_error(self.get(OSDS + "?id__in[]=500&page=2"), 400, field="page")

    def test_page_bytes_are_the_envelope_of_the_items(self):
        response = self.get(OSDS + "?page=2&page_size=4")
        whole = self.body(self.get(OSDS))
        self.assertEqual(json.loads(response.body)["results"], whole[4:8])
        self.assertEqual(response.headers["Content-Type"], "application/json; charset=UTF-8")

    def test_pool_pages_and_defaults(self):
        pools = self.body(self.get(POOLS))
        page = self.body(self.get(POOLS + "?page=2&page_size=2"))
        self.assertEqual((page["count"], page["results"], page["next"]), (3, pools[2:], None))
        self.assertEqual(page["previous"], self.get_url(POOLS + "?page_size=2"))
        self.api.cluster_data["pool_defaults"] = {"size": 3}
        self.assertEqual(self.body(self.get(POOLS + "?defaults&page=1")), {"size": 3})

    def test_server_pages_by_fqdn(self):
        page = self.body(self.get("/api/v2/server?page=3&page_size=10"))
        self.assertEqual(page["count"], 23)
        self.assertEqual(page["results"], self.api.servers[20:])
        self.assertEqual(page["previous"], self.get_url("/api/v2/server?page_size=10&page=2"))
        self.assertIsNone(page["next"])
        self.assertEqual(len(self.body(self.get("/api/v2/server?page_size=1000"))["results"]), 23)
        joined = self.get("/api/v2/server?page=2&page_size=10").body
        self.api.servers = list(self.api.servers)          # a plain list: its slice is encoded
        self.assertEqual(self.get("/api/v2/server?page=2&page_size=10").body, joined)
        self.assertEqual(self.body(self.get("/api/v2/server")), self.api.servers)

    def cookie(self):
        return "; ".join(f"{k}={v}" for k, v in self.jar.items())


def test_the_document_declares_the_page_args_and_both_shapes():
    from web.app import ROUTES
    from web.apidoc.openapi import document
    from web.settings import WebSettings
    doc = document(ROUTES, WebSettings(cookie_secret=b"x"))
    for path, names, item in (("/cluster/{fsid}/osd", {"pool", "id__in[]", "page", "page_size"}, "Osd"),
                              ("/cluster/{fsid}/pool", {"defaults", "page", "page_size"}, "Pool"),
                              ("/server", {"page", "page_size"}, "Server")):
        get = doc["paths"][path]["get"]
        params = {p["name"]: p["schema"] for p in get["parameters"] if p["in"] == "query"}
        assert set(params) == names, path
        assert params["page_size"] == {"type": "integer", "minimum": 1, "maximum": 1000}
        schema = get["responses"]["200"]["content"]["application/json"]["schema"]
        plain, paged = schema["anyOf"][:2]
        assert plain == {"type": "array", "items": {"$ref": f"#/components/schemas/{item}"}}, path
        assert set(paged["required"]) == {"count", "next", "previous", "results"}, path
        assert paged["properties"]["results"] == plain, path
    events = doc["paths"]["/event"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert "anyOf" not in events and "results" in events["properties"]     # always paged, as before
