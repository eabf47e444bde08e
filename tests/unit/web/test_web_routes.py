"""Every GET route reaches the right Api call and answers its data; errors keep one JSON shape."""
from __future__ import annotations

import ast
import json
from pathlib import Path

from tornado.log import app_log
from tornado.testing import ExpectLog

from actors.cluster.queries import Query
from actors.errors import Conflict, Invalid, NotFound
from tests.unit.fake_api import ADMIN, FSID, OTHER, SYNCING_FSID, WebTestCase

C = f"/api/v2/cluster/{FSID}"

# path -> (query, params) for every per-cluster GET
CLUSTER_ROUTES = [
    ("", Query.CLUSTER, {}),
    ("/pool", Query.POOLS, {}),
    ("/pool?defaults", Query.POOL_DEFAULTS, {}),
    ("/pool/3", Query.POOL, {"pool_id": 3}),
    ("/osd", Query.OSDS, {"pool": None, "ids": None}),
    ("/osd?pool=2", Query.OSDS, {"pool": 2, "ids": None}),
    ("/osd?id__in[]=1&id__in[]=4", Query.OSDS, {"pool": None, "ids": [1, 4]}),
    ("/osd?pool=0&id__in%5B%5D=5", Query.OSDS, {"pool": 0, "ids": [5]}),
    ("/osd/command", Query.OSD_IMPLEMENTED_COMMANDS, {}),
    ("/osd/7", Query.OSD, {"osd_id": 7}),
    ("/osd/7/command", Query.OSD_COMMANDS, {"osd_id": 7}),
    ("/osd/7/command/deep_scrub", Query.OSD_COMMAND, {"osd_id": 7, "command": "deep_scrub"}),
    ("/osd_config", Query.OSD_CONFIG, {}),
    ("/mon", Query.MONS, {}),
    ("/mon/figment000", Query.MON, {"name": "figment000"}),
    ("/mon/mon.a-1/status", Query.MON_STATUS, {"name": "mon.a-1"}),
    ("/health", Query.HEALTH, {}),
    ("/usage", Query.USAGE, {}),
    ("/io", Query.IO, {}),
    ("/osd_usage", Query.OSD_USAGE, {"host": None, "utilization_gte": None}),
    ("/osd_usage?host=node1&utilization__gte=80.5", Query.OSD_USAGE, {"host": "node1", "utilization_gte": 80.5}),
    ("/config", Query.CONFIG, {}),
    ("/config/mds_bal_interval", Query.CONFIG_KEY, {"key": "mds_bal_interval"}),
    ("/sync_object", Query.SYNC_TYPES, {}),
    ("/sync_object/osd_map", Query.SYNC_OBJECT, {"sync_type": "osd_map"}),
    ("/sync_object/some-type_2", Query.SYNC_OBJECT, {"sync_type": "some-type_2"}),
    ("/crush_map", Query.CRUSH_MAP, {}),
    ("/crush_node", Query.CRUSH_NODES, {}),
    ("/crush_node/-1", Query.CRUSH_NODE, {"node_id": -1}),
    ("/crush_node/4", Query.CRUSH_NODE, {"node_id": 4}),
    ("/crush_rule", Query.CRUSH_RULES, {}),
    ("/crush_rule/-2", Query.CRUSH_RULE, {"rule_id": -2}),
    ("/crush_rule_set", Query.CRUSH_RULE_SETS, {}),
    ("/crush_type", Query.CRUSH_TYPES, {}),
    ("/crush_type/1", Query.CRUSH_TYPE, {"type_id": 1}),
    ("/server", Query.SERVERS, {}),
    ("/server/figment000.cluster0.com", Query.SERVER, {"fqdn": "figment000.cluster0.com"}),
]


PAGED = {Query.OSDS_PAGE, Query.POOLS_PAGE, Query.OSD_USAGE_PAGE}   # reached with ?page (tests/unit/web/test_web_big_lists.py)
WEB = Path(__file__).resolve().parents[3] / "web"


def test_every_query_is_some_routes_read():
    assert {query for _, query, _ in CLUSTER_ROUTES} | PAGED == set(Query)


def calls_of(method_names: set[str], *, on_api: bool) -> list[tuple[str, int, ast.expr | None]]:
    """(file, line, the argument after fsid) of every call in web/ of those methods (of `….api`
    when on_api, else of anything)."""
    found = []
    for path in sorted(WEB.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in method_names):
                continue
            if on_api and not (isinstance(node.func.value, ast.Attribute) and node.func.value.attr == "api"):
                continue
            found.append((path.name, node.lineno, node.args[1] if len(node.args) > 1 else None))
    return found


def names_a_member(argument, enum_name: str) -> bool:
    return (isinstance(argument, ast.Attribute) and isinstance(argument.value, ast.Name)
            and argument.value.id == enum_name)


def test_the_web_names_reads_and_changes_by_their_members_never_by_strings():
    reads = [(f, line, a) for f, line, a in calls_of({"cluster_query"}, on_api=False)
             if not (f == "base.py" and isinstance(a, ast.Name) and a.id == "query")]   # BaseHandler's own
    changes = calls_of({"create", "update", "delete"}, on_api=True)
    assert len(reads) > 25 and len(changes) >= 10
    assert [(f, line) for f, line, a in reads if not names_a_member(a, "Query")] == []
    assert [(f, line) for f, line, a in changes if not names_a_member(a, "ChangeKind")] == []


class ClusterRoutesTest(WebTestCase):
    def test_every_cluster_get_reaches_its_query(self):
        for suffix, name, params in CLUSTER_ROUTES:
            with self.subTest(path=suffix):
                self.api.calls.clear()
                response = self.get(C + suffix)
                self.assertEqual(response.code, 200, response.body)
                self.assertEqual(self.body(response),
                                 {"query": name, "fsid": FSID, "params": params})
                self.assertEqual(self.api.called("cluster_query"), [((FSID, name), params)])
                self.assertIs(self.api.called("cluster_query")[0][0][1], name)   # the member itself

    def test_trailing_slash_is_accepted(self):
        response = self.get(C + "/osd/3/")
        self.assertEqual(self.body(response)["params"], {"osd_id": 3})

    def test_crush_map_text_is_a_json_string(self):
        text = "# begin crush map\ndevice 0 osd.0\n"
        self.api.cluster_data["crush_map"] = text
        response = self.get(C + "/crush_map")
        self.assertEqual(response.code, 200)
        self.assertTrue(response.body.startswith(b'"'))
        self.assertEqual(self.body(response), text)

    def test_null_result_is_json_null(self):
        self.api.cluster_data["mon_status"] = None
        response = self.get(C + "/mon/a/status")
        self.assertEqual((response.code, response.body), (200, b"null"))

    def test_unknown_fsid_is_404_from_the_api(self):
        for suffix in ("", "/pool", "/osd/1", "/crush_map", "/mon/a/status", "/server"):
            with self.subTest(path=suffix):
                response = self.get("/api/v2/cluster/ffffffff-0000" + suffix)
                data = self.assert_error(response, 404)
                self.assertIn("ffffffff-0000", data["detail"])

    def test_known_cluster_without_maps_is_503_passthrough(self):
        response = self.get(f"/api/v2/cluster/{SYNCING_FSID}/osd")
        data = self.assert_error(response, 503)
        self.assertIn("has not reported its maps", data["detail"])

    def test_path_patterns_reject_bad_ids_with_404(self):
        for suffix in ("/osd/abc", "/pool/-1", "/crush_type/-1", "/osd/1/command/scrub-2",
                       "/config/a.b", "/crush_node/x", "/unknown"):
            with self.subTest(path=suffix):
                self.assert_error(self.get(C + suffix), 404, detail="Not found")
        self.assertEqual(self.api.called("cluster_query"), [])


class FleetRoutesTest(WebTestCase):
    def test_clusters(self):
        self.assertEqual(self.body(self.get("/api/v2/cluster")), self.api.clusters)

    def test_servers(self):
        self.assertEqual(self.body(self.get("/api/v2/server")), self.api.servers)
        one = self.get("/api/v2/server/figment000.cluster0.com")
        self.assertEqual(self.body(one), self.api.servers[0])
        grains = self.get("/api/v2/server/figment000.cluster0.com/grains")
        self.assertEqual(self.body(grains), {"fqdn": "figment000.cluster0.com",
                                             "kernel": "Linux"})
        self.assert_error(self.get("/api/v2/server/nosuch.example.com"), 404)
        self.assert_error(self.get("/api/v2/server/nosuch.example.com/grains"), 404)

    def test_manager_grains_come_from_settings(self):
        self.assertEqual(self.body(self.get("/api/v2/grains")), self.web_settings.grains)

    def test_users(self):
        self.assertEqual(self.body(self.get("/api/v2/user")), [ADMIN, OTHER])
        self.assertEqual(self.body(self.get("/api/v2/user/2")), OTHER)
        self.assertEqual(self.api.called("get_user"), [((2,), {})])
        self.assertEqual(self.body(self.get("/api/v2/user/me")), ADMIN)
        self.assert_error(self.get("/api/v2/user/99"), 404)
        self.assert_error(self.get("/api/v2/user/you"), 404, detail="Not found")

    def test_keys(self):
        self.assertEqual(self.body(self.get("/api/v2/key")), self.api.keys)
        self.assertEqual(self.body(self.get("/api/v2/key/figment000.cluster0.com")),
                         self.api.keys[0])
        self.assert_error(self.get("/api/v2/key/other.example.com"), 404)

    def test_request_detail_global_and_per_cluster(self):
        request = {"id": "34b86742-c026-484c-bba6-a60e71e06275", "state": "submitted"}
        self.api.requests.append(request)
        self.assertEqual(self.body(self.get(f"/api/v2/request/{request['id']}")), request)
        self.assertEqual(self.body(self.get(f"{C}/request/{request['id']}")), request)
        self.assert_error(self.get("/api/v2/request/0000-1111"), 404)

    def test_api_root_lists_absolute_urls(self):
        base = self.get_url("")
        for path in ("/api/v2/", "/api/v2"):
            with self.subTest(path=path):
                self.assertEqual(self.body(self.get(path)),
                                 {"user": f"{base}/api/v2/user",
                                  "cluster": f"{base}/api/v2/cluster",
                                  "docs": f"{base}/api/v2/docs",
                                  "openapi.json": f"{base}/api/v2/openapi.json",
                                  "auth/login": f"{base}/api/v2/auth/login"})


class ErrorShapeTest(WebTestCase):
    def test_unknown_url_is_json_404_for_any_verb(self):
        for method, path in (("GET", "/api/v2/nothing"), ("POST", "/api/v2/nothing"),
                             ("DELETE", "/api/v2/cluster/x/y/z"), ("GET", "/favicon.ico")):
            with self.subTest(method=method, path=path):
                self.assert_error(self.call(method, path), 404, detail="Not found")

    def test_listed_but_unimplemented_verbs_are_json_405_with_allow(self):
        for method, path, allow in (
                ("POST", "/api/v2/cluster", "GET"), ("PUT", C, "GET, DELETE"),
                ("PUT", C + "/pool/1", "GET, PATCH, DELETE"),
                ("PATCH", C + "/osd/1/command/scrub", "GET, POST"),
                ("DELETE", C + "/osd/1", "GET, PATCH"),
                ("POST", "/api/v2/user/me", "GET, PUT, PATCH, DELETE"),
                ("POST", "/api/v2/key/k1", "GET, PATCH, DELETE"),
                ("GET", C + "/cli", "POST"), ("POST", C + "/log", "GET"),
                ("POST", "/api/v2/info", "GET"), ("HEAD", "/api/v2/cluster", "GET")):
            with self.subTest(method=method, path=path):
                response = self.call(method, path)
                self.assertEqual(response.code, 405)
                self.assertEqual(response.headers["Allow"], allow)
                if method != "HEAD":
                    self.assert_error(response, 405)
        self.assertEqual(self.api.called("cluster_query"), [])

    def test_405_does_not_depend_on_being_logged_in(self):
        self.jar.clear()
        self.assert_error(self.call("PUT", C), 405)

    def test_nonstandard_verb_is_json_405(self):
        response = self.call("BREW", "/api/v2/cluster")
        self.assert_error(response, 405)

    def test_login_allows_get_and_post(self):
        response = self.call("DELETE", "/api/v2/auth/login")
        self.assert_error(response, 405)
        self.assertEqual(response.headers["Allow"], "GET, POST")

    def test_domain_error_keeps_status_detail_and_field_errors(self):
        self.api.fail["get_server"] = Invalid("Bad server", {"fqdn": ["Too long"]})
        data = self.assert_error(self.get("/api/v2/server/a.b"), 400, field="fqdn")
        self.assertEqual(data, {"detail": "Bad server", "errors": {"fqdn": ["Too long"]}})
        self.api.fail["get_server"] = Conflict("Busy")
        self.assert_error(self.get("/api/v2/server/a.b"), 409, detail="Busy")
        self.api.fail["get_server"] = NotFound.of("server", "a.b")
        self.assert_error(self.get("/api/v2/server/a.b"), 404, detail="server 'a.b' not found")

    def test_unexpected_exception_is_500_without_leaking(self):
        self.api.fail["list_clusters"] = RuntimeError("db password is hunter2")
        with ExpectLog(app_log, "Uncaught exception"):
            response = self.get("/api/v2/cluster")
        self.assert_error(response, 500, detail="Internal server error")
        self.assertNotIn(b"hunter2", response.body)
        self.assertNotIn(b"Traceback", response.body)

    def test_success_is_json_too(self):
        response = self.get("/api/v2/cluster")
        self.assertTrue(response.headers["Content-Type"].startswith("application/json"))
        json.loads(response.body)


class TimeoutTest(WebTestCase):
    ask_timeout_s = 0.05

    def test_future_that_never_completes_is_504(self):
        self.api.hang.add("cluster_query")
        data = self.assert_error(self.get(C + "/osd"), 504)
        self.assertIn("0.05", data["detail"])

    def test_session_lookup_that_never_completes_is_504(self):
        self.api.hang.add("session_user")
        self.assert_error(self.get("/api/v2/cluster"), 504)

    def test_late_answer_after_timeout_does_not_break_later_requests(self):
        self.api.hang.add("list_servers")
        self.assert_error(self.get("/api/v2/server"), 504)
        self.api.hang.clear()
        self.assertEqual(self.get("/api/v2/server").code, 200)
