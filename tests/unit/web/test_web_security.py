"""The web tier's security: Bearer tokens, roles, token resources, audit, delays, headers, TLS."""
from __future__ import annotations

import dataclasses
import ssl
import time

from tornado.testing import AsyncHTTPSTestCase, gen_test

from tests.tls import self_signed
from tests.unit.fake_api import ADMIN, FSID, OTHER, VIEWER, WebTestCase
from web.security import tls_context

TOKEN = "cal_0123456789ab_" + "s" * 43
POOL = f"/api/v2/cluster/{FSID}/pool"
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
                    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
                    "Referrer-Policy": "no-referrer"}


# Account and token administration: a login session only, never an API token.
SESSION_ONLY_CALLS = (("POST", "/api/v2/user", {"username": "x", "password": "y" * 8}),
                      ("PUT", "/api/v2/user/2", {"email": "e@example.com"}),
                      ("PATCH", "/api/v2/user/2", {"password": "another-Secret-42"}),
                      ("PATCH", "/api/v2/user/me", {"email": "e@example.com"}),
                      ("PATCH", "/api/v2/user/me", {"password": "another-Secret-42", "current_password": "secret"}),
                      ("DELETE", "/api/v2/user/2", None),
                      ("POST", "/api/v2/user/2/unlock", None),
                      ("POST", "/api/v2/user/me/token", {"name": "spare"}),
                      ("DELETE", "/api/v2/user/me/token/00000000beef", None),   # a sibling of TOKEN
                      ("DELETE", "/api/v2/user/2/token/00000000beef", None))


def bearer(token: str = TOKEN) -> dict:
    return {"Authorization": f"Bearer {token}"}


class BearerTest(WebTestCase):
    login_first = False

    def setUp(self):
        super().setUp()
        self.api.tokens[TOKEN] = OTHER

    def test_a_token_works_everywhere_without_cookies_or_xsrf(self):
        self.assertEqual(self.body(self.get("/api/v2/user/me", headers=bearer())), OTHER)
        response = self.call("POST", POOL, json_body={"name": "p", "pg_num": 8}, headers=bearer())
        self.assertEqual(response.code, 202, response.body)
        self.assertEqual(self.api.called("token_user")[-1], ((TOKEN,), {}))
        self.assertEqual(self.api.called("create")[-1][0][3], OTHER)
        self.assertEqual(self.api.called("session_user"), [])

    def test_bad_tokens_and_other_schemes_are_401_with_a_bearer_challenge(self):
        for header in ("Bearer cal_0123456789ab_" + "x" * 43, "Bearer ", "Basic YWRtaW46c2VjcmV0",
                       "Token " + TOKEN, TOKEN):
            with self.subTest(header=header):
                response = self.get("/api/v2/cluster", headers={"Authorization": header})
                self.assert_error(response, 401, detail="Invalid, expired or revoked API token.")
                self.assertIn("Bearer", response.headers["WWW-Authenticate"])

    def test_a_bearer_header_wins_over_a_session_cookie(self):
        self.login()
        self.assert_error(self.get("/api/v2/cluster", headers=bearer("Bearer-less")), 401)
        self.assertEqual(self.get("/api/v2/cluster").code, 200)            # the cookie alone still works

    def test_public_resources_ignore_the_header(self):
        self.assertEqual(self.get("/api/v2/info", headers={"Authorization": "Basic x"}).code, 200)

    def test_a_token_may_read_accounts_but_never_administer_them(self):
        self.api.tokens[TOKEN] = ADMIN          # even an administrator's token
        for method, path, body in SESSION_ONLY_CALLS:
            with self.subTest(method=method, path=path):
                data = self.assert_error(self.call(method, path, json_body=body, headers=bearer()), 403)
                self.assertIn("login session", data["detail"])
        self.assertEqual([name for name, _, _ in self.api.calls if name != "token_user"], [])
        for path in ("/api/v2/user", "/api/v2/user/me", "/api/v2/user/2", "/api/v2/user/me/token"):
            with self.subTest(path=path):
                self.assertEqual(self.get(path, headers=bearer()).code, 200)

    def test_a_token_may_revoke_itself_and_nothing_else(self):
        response = self.call("DELETE", "/api/v2/user/me/token/0123456789ab", headers=bearer())
        self.assertEqual(response.code, 204, response.body)
        self.assertEqual(self.api.called("revoke_token")[-1][0][1], "0123456789ab")
        self.assert_error(self.call("DELETE", "/api/v2/user/me/token/0123456789ac", headers=bearer()), 403)

    def test_session_only_verbs_are_exactly_account_and_token_administration(self):
        from web.app import ROUTES
        declared = {(verb, path) for path, handler in ROUTES for verb in handler.session_only}
        self.assertEqual(declared, {("POST", "user"), ("PUT", r"user/(?P<user_id>\d+|me)"),
                                    ("PATCH", r"user/(?P<user_id>\d+|me)"), ("DELETE", r"user/(?P<user_id>\d+|me)"),
                                    ("POST", r"user/(?P<user_id>\d+|me)/unlock"),
                                    ("POST", r"user/(?P<user_id>\d+|me)/token"),
                                    ("DELETE", r"user/(?P<user_id>\d+|me)/token/(?P<token_id>[0-9a-f]{1,64})")})


class RolesTest(WebTestCase):
    login_first = False

    def as_user(self, user, password):
        self.api.users[VIEWER["id"]] = VIEWER
        self.jar.clear()
        self.login(user["username"], password)

    def test_read_only_reads_and_changes_only_its_own_account(self):
        self.as_user(VIEWER, "viewer-pw")
        self.assertEqual(self.get(f"/api/v2/cluster/{FSID}/osd").code, 200)
        self.assertEqual(self.get("/api/v2/stream?max_s=0.1").code, 200)      # the live stream too
        self.assertEqual(self.body(self.get("/api/v2/user/me"))["role"], "read-only")
        for method, path in (("POST", POOL), ("PATCH", f"{POOL}/1"), ("DELETE", f"/api/v2/cluster/{FSID}"),
                             ("POST", f"/api/v2/cluster/{FSID}/cli"), ("POST", "/api/v2/request/r1/cancel"),
                             ("POST", "/api/v2/request/r1/revert"), ("POST", "/api/v2/request/r1/revert?dry_run=1"),
                             ("POST", "/api/v2/user"), ("PATCH", "/api/v2/key/k1")):
            with self.subTest(method=method, path=path):
                data = self.assert_error(self.call(method, path, json_body={}), 403)
                self.assertTrue(data["detail"].startswith("You do not have permission"), data)
        self.assertEqual([n for n, _, _ in self.api.calls if n not in ("authenticate", "create_session",
                                                                      "session_user", "cluster_query")], [])
        response = self.call("PATCH", "/api/v2/user/me", json_body={"email": "v@example.com"})
        self.assertEqual(response.code, 200, response.body)
        self.assertEqual(self.call("POST", "/api/v2/user/me/token", json_body={"name": "ro"}).code, 201)

    def test_operator_changes_clusters_but_manages_no_users_keys_or_debug_jobs(self):
        self.as_user(OTHER, "other")
        self.assertEqual(self.call("POST", POOL, json_body={"name": "p", "pg_num": 8}).code, 202)
        self.assertEqual(self.call("DELETE", f"/api/v2/cluster/{FSID}").code, 204)
        for method, path, body in (("POST", "/api/v2/user", {"username": "x", "password": "y" * 8}),
                                   ("DELETE", "/api/v2/user/1", None),
                                   ("PATCH", "/api/v2/key/figment001.cluster0.com", {"status": "accepted"}),
                                   ("DELETE", "/api/v2/key", [{"id": "figment001.cluster0.com"}]),
                                   ("POST", "/api/v2/server/figment000.cluster0.com/debug_job",
                                    {"cmd": "selftest_wait", "args": [1]})):
            with self.subTest(method=method, path=path):
                self.assert_error(self.call(method, path, json_body=body), 403)
        for name in ("create_user", "delete_user", "update_key", "delete_key", "debug_job"):
            self.assertEqual(self.api.called(name), [], name)

    def test_admin_may_do_all_of_it(self):
        self.login()
        for method, path, body, code in (
                ("POST", "/api/v2/user", {"username": "x", "password": "y" * 8, "role": "operator"}, 201),
                ("PATCH", "/api/v2/key/figment001.cluster0.com", {"status": "accepted"}, 204),
                ("POST", "/api/v2/server/figment000.cluster0.com/debug_job", {"cmd": "selftest_wait", "args": [1]}, 202),
                ("DELETE", "/api/v2/user/2", None, 204)):
            with self.subTest(method=method, path=path):
                self.assertEqual(self.call(method, path, json_body=body).code, code)

    def test_allow_lists_what_the_role_may_use(self):
        self.as_user(VIEWER, "viewer-pw")
        self.assertEqual(self.get(f"{POOL}/1").headers["Allow"], "GET")
        self.assertEqual(self.get("/api/v2/user/me").headers["Allow"], "GET, PUT, PATCH")
        self.as_user(ADMIN, "secret")
        self.assertEqual(self.get(f"{POOL}/1").headers["Allow"], "GET, PATCH, DELETE")
        self.assertEqual(self.get("/api/v2/user/me").headers["Allow"], "GET, PUT, PATCH, DELETE")


class TokenResourceTest(WebTestCase):
    def test_create_answers_201_once_and_uncached(self):
        response = self.call("POST", "/api/v2/user/me/token", json_body={"name": "ci", "expires_in_s": 60})
        self.assertEqual(response.code, 201, response.body)
        self.assertEqual(response.headers["Cache-Control"], "no-store")
        self.assertTrue(self.body(response)["token"].startswith("cal_"))
        self.assertEqual(self.api.called("create_token"), [((1, {"name": "ci", "expires_in_s": 60}, ADMIN), {})])

    def test_list_and_revoke_resolve_me_and_ids(self):
        self.assertEqual(self.body(self.get("/api/v2/user/2/token"))[0]["name"], "ci")
        self.assertEqual(self.call("DELETE", "/api/v2/user/me/token/0123456789ab").code, 204)
        self.assert_error(self.call("DELETE", "/api/v2/user/me/token/ffffffffffff"), 404)
        self.assert_error(self.call("DELETE", "/api/v2/user/me/token/not-hex"), 404)
        self.assertEqual(self.api.called("list_tokens"), [((2, ADMIN), {})])
        self.assertEqual([a[:2] for a, _ in self.api.called("revoke_token")],
                         [(1, "0123456789ab"), (1, "ffffffffffff")])


class AuditTest(WebTestCase):
    def test_every_write_is_audited_once_with_its_outcome_and_request(self):
        self.api.audits.clear()
        self.get("/api/v2/cluster")
        self.call("POST", POOL, json_body={"name": "p", "pg_num": 8})
        self.call("DELETE", "/api/v2/cluster/nope")
        self.call("PATCH", "/api/v2/cluster", json_body={})
        self.assertEqual(self.api.audits, [
            (("admin", "POST", POOL, 202), {"request_id": "request-1", "fsid": FSID, "fqdn": None, "detail": None, "client": "127.0.0.1"}),
            (("admin", "DELETE", "/api/v2/cluster/nope", 404), {"request_id": None, "fsid": "nope", "fqdn": None, "detail": None, "client": "127.0.0.1"}),
            # refused before anyone is identified (405 needs no credentials)
            ((None, "PATCH", "/api/v2/cluster", 405), {"request_id": None, "fsid": None, "fqdn": None, "detail": None, "client": "127.0.0.1"}),
        ])

    def test_logins_name_who_tried_and_anonymous_writes_nobody(self):
        self.jar.clear()
        self.api.audits.clear()
        self.get("/api/v2/auth/login")
        self.call("POST", "/api/v2/auth/login", json_body={"username": "admin", "password": "wrong"})
        self.call("POST", "/api/v2/auth/login", json_body={"username": "hunter2", "password": "wrong"})
        self.call("POST", POOL, json_body={})
        self.assertEqual([a for a, _ in self.api.audits], [("admin", "POST", "/api/v2/auth/login", 401),
                                                          ("unknown user #hunter2", "POST", "/api/v2/auth/login", 401),
                                                          (None, "POST", POOL, 401)])
        self.assertNotIn("wrong", repr(self.api.audits))

    def test_token_writes_name_the_token(self):
        self.api.tokens[TOKEN] = OTHER
        self.api.audits.clear()
        self.call("DELETE", f"/api/v2/cluster/{FSID}", headers=bearer())
        self.assertEqual(self.api.audits[0][0][0], "default (token 0123456789ab)")

    def test_a_failing_audit_does_not_break_the_answer(self):
        def broken(*args, **kwargs):
            raise RuntimeError("eventer gone")
        self.api.record_audit = broken
        with self.assertLogs("web.base", "ERROR"):
            self.assertEqual(self.call("DELETE", f"/api/v2/cluster/{FSID}").code, 204)


class LoginDelayTest(WebTestCase):
    login_first = False
    login_failure_delay_s = 0.3

    @gen_test
    async def test_a_failed_login_is_slow_for_its_caller_only(self):
        client = self.http_client
        headers = {"Cookie": "XSRF-TOKEN=t", "X-XSRF-TOKEN": "t", "Content-Type": "application/json"}
        started = time.monotonic()
        failing = client.fetch(self.get_url("/api/v2/auth/login"), method="POST", raise_error=False,
                               body='{"username": "admin", "password": "wrong"}', headers=headers)
        info = await client.fetch(self.get_url("/api/v2/info"))
        self.assertEqual(info.code, 200)
        self.assertFalse(failing.done())          # the server answered others meanwhile
        self.assertEqual((await failing).code, 401)
        self.assertGreaterEqual(time.monotonic() - started, 0.3)
        ok = await client.fetch(self.get_url("/api/v2/auth/login"), method="POST",
                                body='{"username": "admin", "password": "secret"}', headers=headers)
        self.assertEqual(ok.code, 200)


class HeadersTest(WebTestCase):
    def test_every_answer_carries_the_security_headers(self):
        for response in (self.get("/api/v2/cluster"), self.get("/api/v2/nope"), self.get("/api/v2/info"),
                         self.call("PATCH", "/api/v2/cluster", json_body={}),
                         self.fetch("/api/v2/cluster")):            # 401, no cookies
            with self.subTest(code=response.code):
                for name, value in SECURITY_HEADERS.items():
                    self.assertEqual(response.headers.get(name), value, name)
                self.assertNotIn("Strict-Transport-Security", response.headers)   # plain HTTP

    def test_the_session_cookie_lives_only_as_long_as_the_browser_session(self):
        self.jar.clear()
        self.login()
        morsel = self.last_cookies["calamari_sessionid"]
        self.assertEqual((morsel["expires"], morsel["max-age"]), ("", ""))
        self.assertFalse(morsel["secure"])


class HttpsTest(WebTestCase, AsyncHTTPSTestCase):
    def get_app(self):
        app = super().get_app()
        self.web_settings = dataclasses.replace(self.web_settings, secure_cookies=True)
        app.settings["web"] = self.web_settings
        return app

    def test_hsts_and_secure_cookies_under_tls(self):
        response = self.get("/api/v2/cluster")
        self.assertEqual(response.code, 200)
        self.assertEqual(response.headers["Strict-Transport-Security"], "max-age=31536000")
        self.assertTrue(self.last_cookies.get("XSRF-TOKEN") is None or self.last_cookies["XSRF-TOKEN"]["secure"])
        self.jar.clear()
        self.login()
        for name in ("calamari_sessionid", "XSRF-TOKEN"):
            self.assertTrue(self.last_cookies[name]["secure"], name)
            self.assertEqual(self.last_cookies[name]["samesite"], "Strict")
        self.assertTrue(self.last_cookies["calamari_sessionid"]["httponly"])


def test_the_https_context_refuses_anything_older_than_tls_1_2(tmp_path):
    # (OpenSSL 3 refuses TLS 1.1 at its default security level anyway, which the system test
    # cannot tell apart; this holds whatever the library's defaults.)
    context = tls_context(*self_signed(tmp_path))
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2
    assert context.protocol == ssl.PROTOCOL_TLS_SERVER
