"""Login, logout, session and XSRF cookies (calamari-internals §9, with 401 for anonymous)."""
from __future__ import annotations

from tests.unit.fake_api import ADMIN, FSID, WebTestCase

LOGIN = "/api/v2/auth/login"
LOGOUT = "/api/v2/auth/logout"
NOT_AUTHENTICATED = "Authentication credentials were not provided."
XSRF_FAILED = "CSRF Failed: missing or incorrect X-XSRF-TOKEN header"


class AnonymousTest(WebTestCase):
    login_first = False

    def test_protected_resources_answer_401_without_calling_them(self):
        for path in ("/api/v2/cluster", f"/api/v2/cluster/{FSID}/osd",
                     "/api/v2/user/me", "/api/v2/event", "/api/v2/request", "/api/v2/grains",
                     "/api/v2/key", "/api/v2/server"):
            with self.subTest(path=path):
                response = self.get(path)
                self.assert_error(response, 401, detail=NOT_AUTHENTICATED)
                self.assertIn("WWW-Authenticate", response.headers)
        called = {name for name, _, _ in self.api.calls}
        self.assertEqual(called, set())          # no session cookie: no session lookup either

    def test_info_and_login_logout_need_no_session(self):
        self.assertEqual(self.get("/api/v2/info").code, 200)
        self.assertEqual(self.get(LOGIN).code, 200)
        self.assertEqual(self.body(self.get(LOGOUT)), {"message": "Logged out"})

    def test_any_get_sets_a_readable_strict_xsrf_cookie_once(self):
        response = self.get("/api/v2/cluster")       # even a 401 answer
        morsel = self.last_cookies["XSRF-TOKEN"]
        self.assertGreaterEqual(len(morsel.value), 32)
        self.assertFalse(morsel["httponly"])
        self.assertEqual(morsel["samesite"], "Strict")
        self.assertEqual(morsel["path"], "/")
        self.assertEqual(response.code, 401)
        self.get("/api/v2/info")
        self.assertNotIn("XSRF-TOKEN", self.last_cookies)   # already present: kept
        other = self.fetch("/api/v2/info")                  # a fresh client gets its own
        self.assertNotIn(morsel.value, other.headers.get("Set-Cookie", ""))

    def test_login_get_answers_empty_object(self):
        response = self.get(LOGIN)
        self.assertEqual((response.code, self.body(response)), (200, {}))
        self.assertIn("XSRF-TOKEN", self.last_cookies)

    def test_login_success_sets_session_and_rotates_xsrf(self):
        self.get(LOGIN)
        before = self.jar["XSRF-TOKEN"]
        response = self.call("POST", LOGIN, json_body={"username": "admin", "password": "secret",
                                                       "next": "/ignored"})
        self.assertEqual((response.code, self.body(response)), (200, {}))
        session = self.last_cookies["calamari_sessionid"]
        self.assertTrue(session["httponly"])
        self.assertEqual(session["samesite"], "Strict")
        self.assertEqual(session["path"], "/")
        self.assertNotEqual(self.jar["XSRF-TOKEN"], before)
        self.assertEqual(self.api.called("authenticate"), [(("admin", "secret"), {})])
        self.assertEqual(self.api.called("create_session"), [((1,), {})])
        token = next(iter(self.api.sessions))
        self.assertNotEqual(session.value, token)           # signed, not the bare token
        self.assertEqual(self.get("/api/v2/cluster").code, 200)
        self.assertEqual(self.api.called("session_user")[-1], ((token,), {}))

    def test_login_needs_the_xsrf_double_submit_too(self):
        # Login CSRF: a cross-site form must not log a browser into the attacker's account.
        body = {"username": "admin", "password": "secret"}
        self.assert_error(self.call("POST", LOGIN, json_body=body), 403, detail=XSRF_FAILED)
        self.get(LOGIN)
        self.assert_error(self.call("POST", LOGIN, json_body=body, xsrf=False), 403, detail=XSRF_FAILED)
        self.assert_error(self.call("POST", LOGIN, json_body=body, headers={"X-XSRF-TOKEN": "forged"},
                                    xsrf=False), 403, detail=XSRF_FAILED)
        self.assertEqual(self.api.called("authenticate"), [])
        self.assertEqual(self.call("POST", LOGIN, json_body=body).code, 200)

    def test_json_bodies_need_the_json_media_type(self):
        self.get(LOGIN)
        for content_type in ("text/plain", "application/x-www-form-urlencoded", "application/jsonx", ""):
            with self.subTest(content_type=content_type):
                data = self.assert_error(self.call("POST", LOGIN, body='{"username": "admin", "password": "secret"}',
                                                   headers={"Content-Type": content_type}), 415)
                self.assertIn("application/json", data["detail"])
        self.assertEqual(self.api.called("authenticate"), [])
        ok = self.call("POST", LOGIN, body='{"username": "admin", "password": "secret"}',
                       headers={"Content-Type": "application/json; charset=utf-8"})
        self.assertEqual(ok.code, 200, ok.body)

    def test_bad_password_is_401_and_no_session(self):
        self.get(LOGIN)
        response = self.call("POST", LOGIN, json_body={"username": "admin", "password": "nope"})
        self.assert_error(response, 401, detail="User authentication failed")
        self.assertNotIn("calamari_sessionid", self.jar)
        self.assertEqual(self.api.called("create_session"), [])
        unknown = self.call("POST", LOGIN, json_body={"username": "ghost", "password": "x"})
        self.assert_error(unknown, 401, detail="User authentication failed")

    def test_missing_fields_are_400_naming_each(self):
        self.get(LOGIN)
        data = self.assert_error(self.call("POST", LOGIN, json_body={}), 400)
        self.assertEqual(set(data["errors"]), {"username", "password"})
        data = self.assert_error(self.call("POST", LOGIN, json_body={"username": "admin"}), 400,
                                 field="password")
        self.assertEqual(set(data["errors"]), {"password"})
        data = self.assert_error(
            self.call("POST", LOGIN, json_body={"username": 7, "password": "x"}), 400,
            field="username")
        self.assertEqual(set(data["errors"]), {"username"})
        self.assertEqual(self.api.called("authenticate"), [])

    def test_invalid_json_is_400(self):
        self.get(LOGIN)
        for body in ("{not json", "[1, 2]", "", "\xff"):
            with self.subTest(body=body):
                self.assert_error(self.call("POST", LOGIN, body=body), 400)
        self.assertEqual(self.api.called("authenticate"), [])

    def test_forged_session_cookie_is_ignored(self):
        self.jar["calamari_sessionid"] = "token-1-1"
        self.api.sessions["token-1-1"] = ADMIN
        self.assert_error(self.get("/api/v2/cluster"), 401)
        self.assertEqual(self.api.called("session_user"), [])


class SessionTest(WebTestCase):
    def token(self) -> str:
        (token,) = self.api.sessions
        return token

    def test_user_me_is_the_session_user(self):
        self.assertEqual(self.body(self.get("/api/v2/user/me")), ADMIN)

    def test_session_ended_by_the_api_is_not_cached(self):
        self.assertEqual(self.get("/api/v2/cluster").code, 200)
        self.api.sessions.clear()
        self.assert_error(self.get("/api/v2/cluster"), 401, detail=NOT_AUTHENTICATED)

    def test_every_request_asks_the_api(self):
        self.api.calls.clear()
        self.get("/api/v2/cluster")
        self.get("/api/v2/cluster")
        self.assertEqual(len(self.api.called("session_user")), 2)

    def test_unsafe_method_with_session_needs_matching_xsrf_header(self):
        token = self.token()
        response = self.call("POST", LOGOUT, xsrf=False)
        self.assert_error(response, 403)
        self.assertIn("CSRF", self.body(response)["detail"])
        response = self.call("POST", LOGOUT, xsrf=False, headers={"X-XSRF-TOKEN": "forged"})
        self.assert_error(response, 403)
        self.assertIn(token, self.api.sessions)            # still logged in
        response = self.call("POST", LOGIN, xsrf=False,
                             json_body={"username": "admin", "password": "secret"})
        self.assert_error(response, 403)
        self.assertEqual(self.api.called("authenticate")[1:], [])
        response = self.call("POST", LOGOUT)                # header echoes the cookie
        self.assertEqual(self.body(response), {"message": "Logged out"})

    def test_safe_method_with_session_needs_no_xsrf_header(self):
        self.assertEqual(self.get("/api/v2/cluster", xsrf=False).code, 200)

    def test_logout_ends_the_session_and_clears_the_cookie(self):
        token = self.token()
        response = self.get(LOGOUT)
        self.assertEqual((response.code, self.body(response)), (200, {"message": "Logged out"}))
        self.assertEqual(self.api.called("end_session"), [((token,), {})])
        self.assertEqual(self.last_cookies["calamari_sessionid"].value, "")
        self.assertNotIn("calamari_sessionid", self.jar)
        self.assertNotIn(token, self.api.sessions)
        self.assert_error(self.get("/api/v2/cluster"), 401)

    def test_old_cookie_is_useless_after_logout(self):
        cookie = self.jar["calamari_sessionid"]
        self.get(LOGOUT)
        self.jar["calamari_sessionid"] = cookie             # a replayed copy
        self.assert_error(self.get("/api/v2/user/me"), 401)

    def test_logout_without_session_does_not_call_the_api(self):
        self.jar.pop("calamari_sessionid")
        self.assertEqual(self.get(LOGOUT).code, 200)
        self.assertEqual(self.api.called("end_session"), [])
