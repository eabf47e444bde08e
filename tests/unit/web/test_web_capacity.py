"""The capacity resources over HTTP (web/resources/capacity.py): what each asks the Api for, and a
400 naming the field for every bad query parameter; read by every role."""
from __future__ import annotations

from datetime import datetime, timezone

from actors.cluster.queries import Query
from tests.unit.fake_api import FSID, VIEWER, WebTestCase

C = f"/api/v2/cluster/{FSID}"


def epoch(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp()


class HistoryTest(WebTestCase):
    def test_series_are_split_deduplicated_and_times_parsed(self):
        response = self.get(f"{C}/history?series=used_bytes,pool.2.objects&series=used_bytes"
                            "&from=2026-12-06T10:00:00Z&to=2026-12-06T11:00:00")
        self.assertEqual(response.code, 200, response.body)
        self.assertEqual(self.api.called("cluster_history"), [
            ((FSID, ("used_bytes", "pool.2.objects"), epoch("2026-12-06T10:00:00"), epoch("2026-12-06T11:00:00")), {})])
        self.assertEqual(self.body(response)["series"], {"used_bytes": [], "pool.2.objects": []})

    def test_without_times_the_facade_chooses_them(self):
        self.assertEqual(self.get(f"{C}/history?series=used_bytes").code, 200)
        self.assertEqual(self.api.called("cluster_history")[0][0][2:], (None, None))

    def test_bad_parameters_are_400s_naming_the_field(self):
        for query, field in (("", "series"), ("series=,,", "series"),
                             ("series=" + ",".join(f"s{i}" for i in range(65)), "series"),
                             ("series=used_bytes&from=yesterday", "from"),
                             ("series=used_bytes&to=12:00", "to"),
                             ("series=used_bytes&from=2026-12-06T11:00:00Z&to=2026-12-06T10:00:00Z", "from")):
            with self.subTest(query=query):
                self.assertIn(field, self.assert_error(self.get(f"{C}/history?{query}"), 400)["errors"])
        self.assertEqual(self.api.called("cluster_history"), [])

    def test_an_unknown_cluster_is_404(self):
        self.assert_error(self.get("/api/v2/cluster/nope/history?series=used_bytes"), 404)


class FleetAndOsdUsageTest(WebTestCase):
    def test_fleet_defaults_to_name_order_and_pages(self):
        page = self.body(self.get("/api/v2/fleet"))
        self.assertEqual((page["count"], page["results"][0]["fsid"]), (1, FSID))
        self.assertEqual(self.api.called("fleet_page"), [((), {"ordering": "name", "health": None,
                                                                "offset": 0, "limit": 10})])
        self.get("/api/v2/fleet?ordering=-used_ratio&health=HEALTH_ERR&page_size=50")
        self.assertEqual(self.api.called("fleet_page")[1][1], {"ordering": "-used_ratio", "health": "HEALTH_ERR",
                                                                 "offset": 0, "limit": 50})

    def test_fleet_refuses_unknown_orderings_and_health(self):
        for query, field in (("ordering=size", "ordering"), ("health=GREEN", "health"), ("page=0", "page")):
            with self.subTest(query=query):
                self.assertIn(field, self.assert_error(self.get(f"/api/v2/fleet?{query}"), 400)["errors"])

    def test_osd_usage_filters_and_pages(self):
        self.get(f"{C}/osd_usage?host=node1&utilization__gte=85")
        self.get(f"{C}/osd_usage?page=2&page_size=5")
        self.assertEqual([(a[1], k) for a, k in self.api.called("cluster_query")], [
            (Query.OSD_USAGE, {"host": "node1", "utilization_gte": 85.0}),
            (Query.OSD_USAGE_PAGE, {"offset": 5, "limit": 5, "host": None, "utilization_gte": None})])
        for bad in ("-1", "101", "nan", "inf", "high"):
            with self.subTest(bad=bad):
                self.assertIn("utilization__gte", self.assert_error(
                    self.get(f"{C}/osd_usage?utilization__gte={bad}"), 400)["errors"])


class ReadOnlyRoleTest(WebTestCase):
    login_first = False

    def test_every_capacity_resource_is_read_by_read_only_users(self):
        self.api.users[VIEWER["id"]] = VIEWER
        self.login(VIEWER["username"], "viewer-pw")
        for path in (f"{C}/usage", f"{C}/io", f"{C}/osd_usage", f"{C}/history?series=used_bytes", "/api/v2/fleet"):
            with self.subTest(path=path):
                response = self.get(path)
                self.assertEqual(response.code, 200, response.body)
                self.assertEqual(response.headers["Allow"], "GET")
