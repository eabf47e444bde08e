"""Request bounds over HTTP: bodies over their limit are 413, JSON nested too deep or with NaN is
400, always in the one error shape and before any Api call; the docs are served without login."""
from __future__ import annotations

import dataclasses
import json

from sim.crush.model import crush_text
from sim.model import SimCluster
from tests.unit.fake_api import FSID, WebTestCase
from web.limits import LONE_SURROGATE, MAX_JSON_DEPTH, body_cap, depth, parse_json
from web.settings import WebSettings

C = f"/api/v2/cluster/{FSID}"
LIMIT, CRUSH_LIMIT = 1000, 5000


def nested(levels: int) -> str:
    return "[" * levels + "]" * levels


class LimitsTest(WebTestCase):
    def get_app(self):
        app = super().get_app()
        app.settings["web"] = dataclasses.replace(self.web_settings, max_body_bytes=LIMIT,
                                                  max_crush_map_bytes=CRUSH_LIMIT)
        return app

    def test_a_body_over_the_limit_is_413_and_reaches_nothing(self):
        name = "p" * (LIMIT - len('{"name": "", "pg_num": 8}'))
        fits = json.dumps({"name": name, "pg_num": 8})
        self.assertEqual(len(fits), LIMIT)
        self.assertEqual(self.call("POST", C + "/pool", body=fits).code, 202)
        self.api.calls.clear()
        data = self.assert_error(self.call("POST", C + "/pool", body=fits + " "), 413)
        self.assertIn(f"at most {LIMIT}", data["detail"])
        self.assertEqual(self.api.called("create"), [])

    def test_the_limit_holds_before_the_session_is_checked(self):
        self.jar.clear()
        self.assert_error(self.call("PATCH", C + "/osd/1", body="x" * (LIMIT + 1)), 413)
        self.assert_error(self.call("PATCH", C + "/osd/1", body="{}"), 401)

    def test_the_crush_map_has_its_own_larger_limit(self):
        text = "# " + "x" * (CRUSH_LIMIT - 3) + "\n"
        headers = {"Content-Type": "text/plain"}
        self.assertEqual(self.call("POST", C + "/crush_map", body=text, headers=headers).code, 202)
        self.assert_error(self.call("POST", C + "/crush_map", body=text + "#",
                                    headers=headers), 413)
        self.assert_error(self.call("POST", C + "/pool", body=text), 413)


class JsonTest(WebTestCase):
    def test_deep_nesting_is_400_not_a_recursion_error(self):
        for body in (nested(10_000), nested(100_000), '{"cmd": "selftest_wait", "args": '
                     + nested(MAX_JSON_DEPTH) + "}"):
            with self.subTest(length=len(body)):
                response = self.call("POST", f"/api/v2/server/{FSID}/debug_job", body=body)
                data = self.assert_error(response, 400)
                self.assertIn("nested", data["detail"])
        self.assertEqual(self.api.called("debug_job"), [])

    def test_lone_surrogate_escapes_are_400(self):
        for body in ('{"command": "status \\ud800"}', '{"\\udfff": 1}',
                     '{"command": ["a", ["\\udc00"]]}'):
            with self.subTest(body=body):
                self.assert_error(self.call("POST", C + "/cli", body=body), 400,
                                  detail=LONE_SURROGATE)
        response = self.call("POST", C + "/cli", body='{"command": "osd pool get \\ud83d\\ude00 size"}')
        self.assertEqual(response.code, 200, response.body)     # a whole pair is text
        self.assertEqual(self.api.called("run_cli"),
                         [((FSID, {"prefix": "osd pool get", "pool": "\U0001F600", "var": "size"}), {})])

    def test_non_standard_json_constants_are_400(self):
        for body in ('{"reweight": NaN}', '{"reweight": Infinity}', '{"reweight": -Infinity}'):
            with self.subTest(body=body):
                self.assert_error(self.call("PATCH", C + "/osd/1", body=body), 400,
                                  detail="Request body is not valid JSON")


class DocsTest(WebTestCase):
    login_first = False

    def test_the_document_and_the_page_need_no_session(self):
        response = self.get("/api/v2/openapi.json")
        self.assertEqual(response.code, 200)
        doc = self.body(response)
        self.assertEqual(doc["openapi"], "3.0.3")
        self.assertEqual(doc["info"]["version"], "1.2.3")
        page = self.get("/api/v2/docs")
        self.assertEqual(page.code, 200)
        self.assertTrue(page.headers["Content-Type"].startswith("text/html"))
        html = page.body.decode()
        for path in doc["paths"]:
            self.assertIn(f"<code>{path}</code>", html)
        # Self-contained: no script and nothing fetched from elsewhere.
        self.assertNotIn("<script", html)
        self.assertNotIn("src=", html)
        self.assertIn("default-src 'none'", page.headers["Content-Security-Policy"])

    def test_other_resources_still_need_one(self):
        self.assert_error(self.get(C + "/pool"), 401)


def test_depth_counts_containers_without_recursing():
    assert depth(1) == 0 and depth([]) == 1 and depth({"a": [1, {"b": []}]}) == 4
    assert depth(parse_json(nested(MAX_JSON_DEPTH).encode())) == MAX_JSON_DEPTH


def test_a_ten_thousand_osd_crush_map_fits_the_default_limit():
    """Why the CRUSH map has its own limit: the text of a big cluster's map exceeds 1 MiB."""
    settings = WebSettings(cookie_secret=b"x")
    text = crush_text(SimCluster(hosts=2000, osds_per_host=10)._crush.dump())
    assert settings.max_body_bytes < len(text.encode()) < settings.max_crush_map_bytes
    assert body_cap(settings) == 2 * settings.max_crush_map_bytes
