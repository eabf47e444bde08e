"""Write routes: the 202 workflow (pools, OSDs, flags, CRUSH), forgetting, cancelling; and the
checks every new unsafe route shares (XSRF with a session cookie, 401 without one, Allow)."""
from __future__ import annotations

from actors.errors import Conflict, Forbidden, Invalid, NotFound, Unavailable
from actors.messages import ChangeKind
from tests.unit.fake_api import ADMIN, FSID, OTHER, SYNCING_FSID, WebTestCase

C = f"/api/v2/cluster/{FSID}"
NOT_AN_OBJECT = "Request body must be a JSON object"
FQDN = "figment000.cluster0.com"

POOL = {"name": "rbd2", "pg_num": 64}
NODE = {"name": "rack1", "bucket_type": "rack", "items": []}
RULE = {"name": "fast", "type": "replicated", "min_size": 1, "max_size": 10, "steps": []}

# (verb, path suffix, JSON body or None, Api method, its arguments after fsid; user appended):
# the kinds are ChangeKind members, and the test holds the types too
CHANGES = [
    ("POST", "/pool", POOL, "create", (ChangeKind.POOL, POOL)),
    ("PATCH", "/pool/3", {"size": 3}, "update", (ChangeKind.POOL, 3, {"size": 3})),
    ("DELETE", "/pool/3", None, "delete", (ChangeKind.POOL, 3)),
    ("PATCH", "/osd/7", {"in": False}, "update", (ChangeKind.OSD, 7, {"in": False})),
    ("POST", "/osd/7/command/deep_scrub", None, "osd_command", (7, "deep_scrub")),
    ("POST", "/osd/0/command/repair", {}, "osd_command", (0, "repair")),
    ("PATCH", "/osd_config", {"noout": True}, "update", (ChangeKind.OSD_CONFIG, None, {"noout": True})),
    ("POST", "/crush_node", NODE, "create", (ChangeKind.CRUSH_NODE, NODE)),
    ("PATCH", "/crush_node/-3", {"name": "r2"}, "update", (ChangeKind.CRUSH_NODE, -3, {"name": "r2"})),
    ("DELETE", "/crush_node/-3", None, "delete", (ChangeKind.CRUSH_NODE, -3)),
    ("POST", "/crush_rule", RULE, "create", (ChangeKind.CRUSH_RULE, RULE)),
    ("PATCH", "/crush_rule/1", {"max_size": 5}, "update", (ChangeKind.CRUSH_RULE, 1, {"max_size": 5})),
    ("DELETE", "/crush_rule/-1", None, "delete", (ChangeKind.CRUSH_RULE, -1)),
]
JSON_BODY_CHANGES = [c for c in CHANGES if c[0] != "DELETE" and "/command/" not in c[1]]
SESSION_CALLS = ("authenticate", "create_session", "session_user")


def api_calls(api) -> list[str]:
    """The names of the Api methods called, leaving out logging in and session lookups."""
    return [name for name, _, _ in api.calls if name not in SESSION_CALLS]


class ChangeWorkflowTest(WebTestCase):
    def test_each_change_reaches_its_api_call_and_answers_202(self):
        for verb, suffix, body, method, args in CHANGES:
            with self.subTest(verb=verb, path=suffix):
                self.api.calls.clear()
                response = self.call(verb, C + suffix, json_body=body)
                self.assertEqual(response.code, 202, response.body)
                self.assertEqual(self.body(response),
                                 {"request_id": f"request-{self.api.request_ids}"})
                self.assertEqual(self.api.called(method), [((FSID, *args, ADMIN), {})])
                (sent, _), = self.api.called(method)
                self.assertEqual([type(a) for a in sent], [type(a) for a in (FSID, *args, ADMIN)])

    def test_trailing_slash(self):
        response = self.call("PATCH", C + "/pool/3/", json_body={"size": 2})
        self.assertEqual(response.code, 202, response.body)
        self.assertEqual(self.api.called("update"), [((FSID, ChangeKind.POOL, 3, {"size": 2}, ADMIN), {})])

    def test_user_is_the_session_user(self):
        self.jar.clear()
        self.login("default", "other")
        self.call("DELETE", C + "/pool/4")
        self.assertEqual(self.api.called("delete"), [((FSID, ChangeKind.POOL, 4, OTHER), {})])

    def test_no_op_is_304_with_empty_body(self):
        for verb, suffix, body, method, _ in CHANGES:
            with self.subTest(verb=verb, path=suffix):
                self.api.canned[method] = None
                response = self.call(verb, C + suffix, json_body=body)
                self.assertEqual((response.code, response.body), (304, b""))
                self.assertNotIn("Content-Type", response.headers)

    def test_invalid_json_is_400_without_calling_the_api(self):
        for verb, suffix, _, method, _ in JSON_BODY_CHANGES + [CHANGES[4]]:
            for raw in ("{", "not json", "{'a': 1}", b"\xff\xfe"):
                with self.subTest(verb=verb, path=suffix, body=raw):
                    response = self.call(verb, C + suffix, body=raw,
                                         headers={"Content-Type": "application/json"})
                    self.assert_error(response, 400, detail="Request body is not valid JSON")
                    self.assertEqual(self.api.called(method), [])

    def test_body_must_be_a_json_object(self):
        for verb, suffix, _, method, _ in JSON_BODY_CHANGES:
            for raw in ("[]", '[{"name": "x"}]', '"pool"', "3", "null", "true"):
                with self.subTest(verb=verb, path=suffix, body=raw):
                    response = self.call(verb, C + suffix, body=raw)
                    self.assert_error(response, 400, detail=NOT_AN_OBJECT)
                    self.assertEqual(self.api.called(method), [])

    def test_empty_body_where_an_object_is_expected_is_400(self):
        for verb, suffix, _, method, _ in JSON_BODY_CHANGES:
            with self.subTest(verb=verb, path=suffix):
                self.assert_error(self.call(verb, C + suffix, body=""), 400)
                self.assertEqual(self.api.called(method), [])

    def test_osd_command_takes_no_parameters(self):
        response = self.call("POST", C + "/osd/1/command/scrub", json_body={"deep": True})
        self.assert_error(response, 400, field="deep")
        self.assert_error(self.call("POST", C + "/osd/1/command/scrub", body="[]"), 400,
                          detail=NOT_AN_OBJECT)
        self.assertEqual(self.api.called("osd_command"), [])
        self.assertEqual(self.call("POST", C + "/osd/1/command/scrub", body=" ").code, 202)

    def test_ids_outside_the_path_patterns_are_404(self):
        for verb, suffix in (("PATCH", "/pool/-1"), ("DELETE", "/pool/x"), ("PATCH", "/osd/-2"),
                             ("POST", "/osd/1/command/scrub-2"), ("PATCH", "/crush_rule/r"),
                             ("DELETE", "/crush_node/1.5")):
            with self.subTest(verb=verb, path=suffix):
                self.assert_error(self.call(verb, C + suffix, json_body={}), 404)
        self.assertEqual(api_calls(self.api), [])

    def test_domain_errors_pass_through(self):
        cases = [(Invalid("Invalid pool", {"pg_num": ["Must be >= current pg_num"]}), 400),
                 (NotFound.of("pool", 3), 404), (Conflict("Pool with name rbd exists"), 409),
                 (Forbidden("scrub not valid on 7"), 403), (Unavailable("No mon reachable"), 503)]
        for verb, suffix, body, method, _ in CHANGES:
            for error, status in cases:
                with self.subTest(verb=verb, path=suffix, status=status):
                    self.api.fail[method] = error
                    data = self.assert_error(self.call(verb, C + suffix, json_body=body), status,
                                             detail=error.detail)
                    self.assertEqual(data["errors"], error.errors)
            self.api.fail.clear()

    def test_unknown_and_unreachable_clusters(self):
        self.assert_error(self.call("POST", "/api/v2/cluster/ffff-0000/pool", json_body=POOL),
                          404)
        self.assert_error(self.call("PATCH", f"/api/v2/cluster/{SYNCING_FSID}/osd_config",
                                    json_body={"noout": True}), 503)


class CrushMapUploadTest(WebTestCase):
    TEXT = "# begin crush map\ndevice 0 osd.0\n# end crush map\n"

    def post(self, body, content_type):
        return self.call("POST", C + "/crush_map", body=body,
                         headers={"Content-Type": content_type})

    def test_text_plain_is_202_not_200(self):
        for content_type in ("text/plain", "text/plain; charset=utf-8", "TEXT/PLAIN"):
            with self.subTest(content_type=content_type):
                self.api.calls.clear()
                response = self.post(self.TEXT, content_type)
                self.assertEqual(response.code, 202, response.body)
                self.assertIn("request_id", self.body(response))
                self.assertEqual(self.api.called("replace_crush_map"),
                                 [((FSID, self.TEXT, ADMIN), {})])

    def test_json_text_field_is_accepted(self):
        response = self.call("POST", C + "/crush_map", json_body={"text": self.TEXT})
        self.assertEqual(response.code, 202, response.body)
        self.assertEqual(self.api.called("replace_crush_map"), [((FSID, self.TEXT, ADMIN), {})])

    def test_utf8_text_arrives_decoded(self):
        text = "# carte crush \u00e9t\u00e9\n"
        self.post(text.encode("utf-8"), "text/plain")
        self.assertEqual(self.api.called("replace_crush_map")[0][0][1], text)

    def test_other_content_types_are_415(self):
        for content_type in ("application/x-www-form-urlencoded", "application/octet-stream",
                             "text/html", "application/xml"):
            with self.subTest(content_type=content_type):
                self.assert_error(self.post(self.TEXT, content_type), 415)
        self.assertEqual(self.api.called("replace_crush_map"), [])

    def test_empty_or_missing_text_is_400_naming_text(self):
        for body, content_type in (("", "text/plain"), (" \n\t", "text/plain"),
                                   ("{}", "application/json"), ('{"text": ""}', "application/json"),
                                   ('{"text": 7}', "application/json"),
                                   (b"\xff\xfe", "text/plain")):
            with self.subTest(body=body, content_type=content_type):
                self.assert_error(self.post(body, content_type), 400, field="text")
        self.assertEqual(self.api.called("replace_crush_map"), [])

    def test_bad_json_is_400(self):
        self.assert_error(self.post("{", "application/json"), 400)
        self.assert_error(self.post('["x"]', "application/json"), 400, detail=NOT_AN_OBJECT)

    def test_no_op_and_errors(self):
        self.api.canned["replace_crush_map"] = None
        self.assertEqual(self.post(self.TEXT, "text/plain").code, 304)
        self.api.fail["replace_crush_map"] = Invalid("Bad map", {"text": ["line 2: syntax"]})
        self.assert_error(self.post(self.TEXT, "text/plain"), 400, field="text")


class ForgetTest(WebTestCase):
    def test_delete_cluster_is_204(self):
        response = self.call("DELETE", C)
        self.assertEqual((response.code, response.body), (204, b""))
        self.assertEqual(self.api.called("delete_cluster"), [((FSID,), {})])

    def test_delete_unknown_cluster_is_404(self):
        self.assert_error(self.call("DELETE", "/api/v2/cluster/ffff-0000"), 404)

    def test_delete_server_is_204(self):
        response = self.call("DELETE", f"/api/v2/server/{FQDN}")
        self.assertEqual((response.code, response.body), (204, b""))
        self.assertEqual(self.api.called("delete_server"), [((FQDN,), {})])
        self.assert_error(self.call("DELETE", f"/api/v2/server/{FQDN}"), 404)


class CancelTest(WebTestCase):
    REQUEST = {"id": "34b86742-c026-484c-bba6-a60e71e06275", "state": "submitted"}

    def test_cancel_answers_the_request(self):
        self.api.requests.append(dict(self.REQUEST))
        response = self.call("POST", f"/api/v2/request/{self.REQUEST['id']}/cancel")
        self.assertEqual(response.code, 200, response.body)
        self.assertEqual(self.body(response)["state"], "complete")
        self.assertEqual(self.body(response)["id"], self.REQUEST["id"])
        self.assertEqual(self.api.called("cancel_request"), [((self.REQUEST["id"],), {})])

    def test_cancel_unknown_is_404(self):
        self.assert_error(self.call("POST", "/api/v2/request/0000-1111/cancel"), 404)


class RevertAndHistoryTest(WebTestCase):
    REQUEST = {"id": "34b86742-c026-484c-bba6-a60e71e06275", "state": "complete"}

    def test_revert_is_a_202_write_with_dry_run_and_a_404_for_an_unknown_request(self):
        self.api.requests.append(dict(self.REQUEST))
        response = self.call("POST", f"/api/v2/request/{self.REQUEST['id']}/revert")
        self.assertEqual(response.code, 202, response.body)
        self.assertEqual([args[0] for args, _ in self.api.called("revert")], [self.REQUEST["id"]])
        self.assert_error(self.call("POST", "/api/v2/request/0000-1111/revert"), 404)
        self.assert_error(self.call("POST", f"/api/v2/request/{self.REQUEST['id']}/revert",
                                    json_body={"x": 1}), 400)

    def test_request_list_filters_are_parsed_and_bad_ones_named(self):
        from actors.requests.messages import RequestFilter
        self.assertEqual(self.get("/api/v2/request?requested_by=bob&kind=update_pool&fsid=f"
                                  "&since=1970-01-01T00:01:40Z&until=1970-01-01T00:03:20").code, 200)
        where, = [k for _, k in self.api.called("list_requests")]
        self.assertEqual(where["where"], RequestFilter(fsid="f", requested_by="bob", kind="update_pool",
                                                       since=100.0, until=200.0))
        for query, field in (("since=yesterday", "since"), ("until=12", "until"),
                             ("since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z", "since")):
            with self.subTest(query=query):
                data = self.assert_error(self.get(f"/api/v2/request?{query}"), 400)
                self.assertIn(field, data["errors"])
        data = self.assert_error(self.get(f"{C}/request?fsid=another"), 400)
        self.assertIn("fsid", data["errors"])

    def test_cluster_changes_are_paged(self):
        body = self.body(self.get(f"{C}/changes?page_size=5"))
        self.assertEqual((body["count"], body["results"]), (0, []))
        self.assertEqual(self.api.called("list_changes")[-1], ((FSID,), {"offset": 0, "limit": 5}))


# Every unsafe route added with the write tier: (verb, path, keyword arguments for call()).
UNSAFE_ROUTES = [(verb, C + suffix, {"json_body": body}) for verb, suffix, body, _, _ in CHANGES]
UNSAFE_ROUTES += [
    ("POST", C + "/crush_map", {"body": "x", "headers": {"Content-Type": "text/plain"}}),
    ("DELETE", C, {}),
    ("DELETE", f"/api/v2/server/{FQDN}", {}),
    ("POST", "/api/v2/request/0000-1111/cancel", {}),
    ("POST", "/api/v2/request/0000-1111/revert", {}),
    ("POST", C + "/cli", {"json_body": {"command": "status"}}),
    ("POST", f"/api/v2/server/{FQDN}/debug_job", {"json_body": {"cmd": "selftest_wait"}}),
    ("PATCH", "/api/v2/key/figment001.cluster0.com", {"json_body": {"status": "accepted"}}),
    ("DELETE", "/api/v2/key/figment001.cluster0.com", {}),
    ("PATCH", "/api/v2/key", {"json_body": [{"id": "figment001.cluster0.com",
                                            "status": "accepted"}]}),
    ("DELETE", "/api/v2/key", {"json_body": [{"id": "figment001.cluster0.com"}]}),
    ("POST", "/api/v2/user", {"json_body": {"username": "u", "password": "p", "email": "e"}}),
    ("PUT", "/api/v2/user/me", {"json_body": {"email": "a@b"}}),
    ("PATCH", "/api/v2/user/1", {"json_body": {"email": "a@b"}}),
    ("DELETE", "/api/v2/user/2", {}),
]


class WriteSecurityTest(WebTestCase):

    def test_every_unsafe_route_needs_the_xsrf_header_with_a_session(self):
        for verb, path, kw in UNSAFE_ROUTES:
            for header in (None, "forged"):
                with self.subTest(verb=verb, path=path, header=header):
                    headers = dict(kw.get("headers", {}))
                    if header:
                        headers["X-XSRF-TOKEN"] = header
                    response = self.call(verb, path, xsrf=False,
                                         **{**kw, "headers": headers})
                    data = self.assert_error(response, 403)
                    self.assertIn("CSRF", data["detail"])
        self.assertEqual(api_calls(self.api), [])

    def test_every_unsafe_route_succeeds_with_the_header(self):
        self.api.requests.append({"id": "0000-1111", "state": "submitted"})
        for verb, path, kw in UNSAFE_ROUTES:
            with self.subTest(verb=verb, path=path):
                response = self.call(verb, path, **kw)
                self.assertLess(response.code, 400, response.body)
                self.assertIn(response.code, (200, 201, 202, 204))
                self.api.servers = [{"fqdn": FQDN}]   # DELETE server forgot it: bring it back
                self.api.keys = [{"id": "figment001.cluster0.com", "status": "pre"}]
                self.api.users = {1: ADMIN, 2: OTHER}

    def test_every_unsafe_route_is_401_without_a_session(self):
        self.jar.pop("calamari_sessionid")
        self.api.calls.clear()
        for verb, path, kw in UNSAFE_ROUTES:
            with self.subTest(verb=verb, path=path):
                response = self.call(verb, path, **kw)
                self.assert_error(response, 401)
                self.assertIn("WWW-Authenticate", response.headers)
        self.assertEqual(self.api.calls, [])

    def test_new_get_routes_are_401_without_a_session(self):
        self.jar.pop("calamari_sessionid")
        self.api.calls.clear()
        for path in (C + "/log", f"/api/v2/server/{FQDN}/log",
                     f"/api/v2/server/{FQDN}/log/ceph/ceph.log"):
            with self.subTest(path=path):
                self.assert_error(self.get(path), 401)
        self.assertEqual(self.api.calls, [])

    def test_allow_lists_exactly_the_defined_verbs(self):
        for path, allow in (
                (C, "GET, DELETE"), (C + "/pool", "GET, POST"),
                (C + "/pool/1", "GET, PATCH, DELETE"), (C + "/osd/1", "GET, PATCH"),
                (C + "/osd/1/command/scrub", "GET, POST"), (C + "/osd_config", "GET, PATCH"),
                (C + "/crush_map", "GET, POST"), (C + "/crush_node", "GET, POST"),
                (C + "/crush_node/-1", "GET, PATCH, DELETE"), (C + "/crush_rule", "GET, POST"),
                (C + "/crush_rule/0", "GET, PATCH, DELETE"), (C + "/cli", "POST"),
                (C + "/log", "GET"), (C + "/osd", "GET"), (C + "/crush_type/1", "GET"),
                (f"/api/v2/server/{FQDN}", "GET, DELETE"),
                (f"/api/v2/server/{FQDN}/log", "GET"),
                (f"/api/v2/server/{FQDN}/log/a/b.log", "GET"),
                (f"/api/v2/server/{FQDN}/debug_job", "POST"),
                ("/api/v2/request/0000-1111/cancel", "POST"), ("/api/v2/request/0000", "GET"),
                ("/api/v2/request/0000-1111/revert", "POST"), (C + "/changes", "GET"),
                ("/api/v2/key", "GET, PATCH, DELETE"), ("/api/v2/key/k1", "GET, PATCH, DELETE"),
                ("/api/v2/user", "GET, POST"), ("/api/v2/user/me", "GET, PUT, PATCH, DELETE")):
            with self.subTest(path=path):
                response = self.call("BREW", path)
                self.assert_error(response, 405)
                self.assertEqual(response.headers["Allow"], allow)
