"""Paginated lists over HTTP (events, requests), list filters, OSD query params, info."""
from __future__ import annotations

from actors.events import CRITICAL, ERROR, INFO, RECOVERY, WARNING
from tests.unit.fake_api import FSID, WebTestCase

T0 = 1415308515.6      # 2014-11-06T21:15:15.6 UTC


def events(n: int) -> list[dict]:
    levels = [INFO, WARNING, RECOVERY, ERROR, CRITICAL]
    return [{"when": T0 - i, "severity": levels[i % 5], "message": f"event {i}"}
            for i in range(n)]


class EventListTest(WebTestCase):
    def test_first_page_of_events_rendered(self):
        self.api.events = events(25)
        response = self.get("/api/v2/event")
        data = self.body(response)
        self.assertEqual(data["count"], 25)
        self.assertEqual(data["next"], self.get_url("/api/v2/event?page=2"))
        self.assertIsNone(data["previous"])
        self.assertEqual(len(data["results"]), 10)
        self.assertEqual(data["results"][0], {"when": "2014-11-06T21:15:15.600000+00:00",
                                              "severity": "INFO", "message": "event 0"})
        self.assertEqual(data["results"][1]["severity"], "WARNING")
        self.assertEqual(self.api.called("list_events"), [((), dict(
            fsid=None, fqdn=None, max_severity=INFO, offset=0, limit=10))])

    def test_middle_and_last_pages(self):
        self.api.events = events(25)
        data = self.body(self.get("/api/v2/event?page=2"))
        self.assertEqual(data["previous"], self.get_url("/api/v2/event"))
        self.assertEqual(data["next"], self.get_url("/api/v2/event?page=3"))
        self.assertEqual(data["results"][0]["message"], "event 10")
        data = self.body(self.get("/api/v2/event?page=3"))
        self.assertEqual(len(data["results"]), 5)
        self.assertIsNone(data["next"])
        self.assertEqual(data["previous"], self.get_url("/api/v2/event?page=2"))

    def test_links_keep_other_query_args(self):
        self.api.events = events(25)
        data = self.body(self.get("/api/v2/event?severity=CRITICAL&page_size=2&page=2"))
        # 5 CRITICAL events, 2 a page
        self.assertEqual(data["count"], 5)
        self.assertEqual(data["next"],
                         self.get_url("/api/v2/event?severity=CRITICAL&page_size=2&page=3"))
        self.assertEqual(data["previous"],
                         self.get_url("/api/v2/event?severity=CRITICAL&page_size=2"))
        self.assertEqual(self.api.called("list_events")[-1][1],
                         dict(fsid=None, fqdn=None, max_severity=CRITICAL, offset=2, limit=2))

    def test_offset_and_limit_from_page_and_size(self):
        self.api.events = events(100)
        self.get("/api/v2/event?page=3&page_size=4")
        self.assertEqual(self.api.called("list_events")[-1][1]["offset"], 8)
        self.assertEqual(self.api.called("list_events")[-1][1]["limit"], 4)

    def test_severity_threshold_names(self):
        for name, level in (("WARNING", WARNING), ("RECOVERY", RECOVERY), ("error", ERROR),
                            ("INFO", INFO)):
            with self.subTest(severity=name):
                self.get(f"/api/v2/event?severity={name}")
                self.assertEqual(self.api.called("list_events")[-1][1]["max_severity"], level)

    def test_bad_parameters_are_400_naming_the_field(self):
        self.api.events = events(25)
        for query, field in (("severity=LOUD", "severity"), ("severity=", "severity"),
                             ("page=0", "page"), ("page=x", "page"), ("page=-1", "page"),
                             ("page=4", "page"), ("page_size=0", "page_size"),
                             ("page_size=ten", "page_size"), ("page_size=1001", "page_size")):
            with self.subTest(query=query):
                self.assert_error(self.get(f"/api/v2/event?{query}"), 400, field=field)

    def test_largest_page_size_and_empty_list(self):
        self.assertEqual(self.get("/api/v2/event?page_size=1000").code, 200)
        data = self.body(self.get("/api/v2/event"))
        self.assertEqual(data, {"count": 0, "next": None, "previous": None, "results": []})
        self.assert_error(self.get("/api/v2/event?page=2"), 400, field="page")

    def test_cluster_and_server_scopes(self):
        self.api.events = events(3)
        data = self.body(self.get(f"/api/v2/cluster/{FSID}/event?severity=RECOVERY"))
        self.assertEqual(data["count"], 2)       # WARNING and RECOVERY, not INFO
        self.assertEqual(self.api.called("list_events")[-1][1],
                         dict(fsid=FSID, fqdn=None, max_severity=RECOVERY, offset=0, limit=10))
        self.get("/api/v2/server/figment000.cluster0.com/event")
        self.assertEqual(self.api.called("list_events")[-1][1],
                         dict(fsid=None, fqdn="figment000.cluster0.com", max_severity=INFO,
                              offset=0, limit=10))
        self.assert_error(self.get("/api/v2/cluster/0123-abcd/event"), 404)


def requests(n: int) -> list[dict]:
    return [{"id": f"req-{i}", "state": "complete" if i % 2 else "submitted",
             "requested_at": f"2014-11-06T21:15:{59 - i:02d}+00:00"} for i in range(n)]


class RequestListTest(WebTestCase):
    def test_global_list(self):
        self.api.requests = requests(12)
        data = self.body(self.get("/api/v2/request"))
        self.assertEqual(data["count"], 12)
        self.assertEqual(data["results"], self.api.requests[:10])
        self.assertEqual(data["next"], self.get_url("/api/v2/request?page=2"))
        self.assertEqual(self.api.called("list_requests"),
                         [((), dict(fsid=None, state=None, offset=0, limit=10))])

    def test_state_filter_and_cluster_scope(self):
        self.api.requests = requests(12)
        data = self.body(self.get(f"/api/v2/cluster/{FSID}/request?state=complete&page_size=4"))
        self.assertEqual(data["count"], 6)
        self.assertTrue(all(r["state"] == "complete" for r in data["results"]))
        self.assertEqual(data["next"], self.get_url(
            f"/api/v2/cluster/{FSID}/request?state=complete&page_size=4&page=2"))
        self.assertEqual(self.api.called("list_requests")[-1][1],
                         dict(fsid=FSID, state="complete", offset=0, limit=4))
        self.get("/api/v2/request?state=submitted")
        self.assertEqual(self.api.called("list_requests")[-1][1]["state"], "submitted")

    def test_bad_state_and_page(self):
        self.api.requests = requests(3)
        for query, field in (("state=running", "state"), ("state=", "state"),
                             ("page=2", "page"), ("page_size=1.5", "page_size")):
            with self.subTest(query=query):
                self.assert_error(self.get(f"/api/v2/request?{query}"), 400, field=field)


class OsdFilterTest(WebTestCase):
    def test_non_integer_params_are_400_naming_the_param(self):
        for query, field in (("pool=abc", "pool"), ("pool=", "pool"), ("pool=1.0", "pool"),
                             ("id__in[]=1&id__in[]=x", "id__in[]"),
                             ("pool=1&id__in%5B%5D=", "id__in[]")):
            with self.subTest(query=query):
                self.assert_error(self.get(f"/api/v2/cluster/{FSID}/osd?{query}"), 400,
                                  field=field)
        self.assertEqual(self.api.called("cluster_query"), [])

    def test_negative_pool_is_passed_on(self):
        self.get(f"/api/v2/cluster/{FSID}/osd?pool=-3")
        self.assertEqual(self.api.called("cluster_query")[-1][1], {"pool": -3, "ids": None})


class InfoTest(WebTestCase):
    login_first = False

    def test_info_fields(self):
        # A forged Host must not reach the bootstrap lines people paste into a root shell.
        response = self.fetch("/api/v2/info", headers={"Host": "evil.example.net:8000"})
        url = self.get_url("/bootstrap")
        self.assertEqual(self.body(response), {
            "version": "1.2.3", "license": "N/A", "registered": "N/A",
            "hostname": "calamari", "fqdn": "calamari.example.com", "ipaddr": "192.0.2.10",
            "bootstrap_url": url,
            "bootstrap_rhel": f"curl -fsS {url} | sudo sh",
            "bootstrap_ubuntu": f"curl -fsS {url} | sudo sh"})
        self.assertEqual(self.api.calls, [])
