"""Agent keys (single and bulk PATCH/DELETE) and user management over HTTP."""
from __future__ import annotations

from actors.errors import Forbidden, Invalid, Unavailable
from tests.unit.fake_api import ADMIN, OTHER, WebTestCase

K0, K1, K2 = "figment000.cluster0.com", "figment001.cluster0.com", "figment002.cluster0.com"
KEY = "/api/v2/key"


class KeyTest(WebTestCase):
    def status_of(self, minion_id):
        return {key["id"]: key["status"] for key in self.api.keys}.get(minion_id)

    def test_patch_accepts_or_rejects_a_pending_key(self):
        for minion_id, status in ((K1, "accepted"), (K2, "rejected")):
            with self.subTest(minion_id=minion_id):
                response = self.call("PATCH", f"{KEY}/{minion_id}", json_body={"status": status})
                self.assertEqual((response.code, response.body), (204, b""))
                self.assertEqual(self.status_of(minion_id), status)
        self.assertEqual(self.api.called("update_key"),
                         [((K1, "accepted"), {}), ((K2, "rejected"), {})])

    def test_patch_status_must_be_accepted_or_rejected(self):
        for body in ({}, {"state": "accepted"}, {"status": "pre"}, {"status": "ACCEPTED"},
                     {"status": None}, {"status": ["accepted"]}, {"status": 1}):
            with self.subTest(body=body):
                self.assert_error(self.call("PATCH", f"{KEY}/{K1}", json_body=body), 400,
                                  field="status")
        self.assert_error(self.call("PATCH", f"{KEY}/{K1}", body='"accepted"'), 400,
                          detail="Request body must be a JSON object")
        self.assertEqual(self.api.called("update_key"), [])

    def test_patch_errors_pass_through(self):
        response = self.call("PATCH", f"{KEY}/{K0}", json_body={"status": "rejected"})
        data = self.assert_error(response, 400, field="status")
        self.assertEqual(data["errors"]["status"], ["Transition accepted->rejected is invalid"])
        self.assert_error(self.call("PATCH", f"{KEY}/nosuch.example.com",
                                    json_body={"status": "accepted"}), 404)

    def test_delete_one(self):
        response = self.call("DELETE", f"{KEY}/{K0}")
        self.assertEqual((response.code, response.body), (204, b""))
        self.assertEqual(self.api.called("delete_key"), [((K0,), {})])
        self.assert_error(self.call("DELETE", f"{KEY}/{K0}"), 404)

    def test_bulk_patch_applies_each_in_order(self):
        response = self.call("PATCH", KEY, json_body=[{"id": K2, "status": "rejected"},
                                                      {"id": K1, "status": "accepted"}])
        self.assertEqual((response.code, response.body), (204, b""))
        self.assertEqual(self.api.called("update_key"),
                         [((K2, "rejected"), {}), ((K1, "accepted"), {})])
        self.assertEqual((self.status_of(K1), self.status_of(K2)), ("accepted", "rejected"))

    def test_bulk_delete_applies_each_in_order(self):
        response = self.call("DELETE", KEY, json_body=[{"id": K1}, {"id": K0, "status": "x"}])
        self.assertEqual((response.code, response.body), (204, b""))
        self.assertEqual(self.api.called("delete_key"), [((K1,), {}), ((K0,), {})])
        self.assertEqual([key["id"] for key in self.api.keys], [K2])

    def test_empty_bulk_list_is_a_no_op(self):
        for verb in ("PATCH", "DELETE"):
            with self.subTest(verb=verb):
                self.assertEqual(self.call(verb, KEY, json_body=[]).code, 204)
        self.assertEqual(self.api.called("update_key") + self.api.called("delete_key"), [])

    def test_bulk_stops_at_the_first_error_and_names_the_key(self):
        response = self.call("PATCH", KEY, json_body=[
            {"id": K1, "status": "accepted"}, {"id": "nosuch", "status": "accepted"},
            {"id": K2, "status": "accepted"}])
        data = self.assert_error(response, 404)
        self.assertIn("nosuch", data["detail"])
        self.assertEqual([args for args, _ in self.api.called("update_key")],
                         [(K1, "accepted"), ("nosuch", "accepted")])
        self.assertEqual((self.status_of(K1), self.status_of(K2)), ("accepted", "pre"))

        response = self.call("DELETE", KEY, json_body=[{"id": K2}, {"id": "gone"}, {"id": K0}])
        self.assert_error(response, 404)
        self.assertEqual([args for args, _ in self.api.called("delete_key")], [(K2,), ("gone",)])
        self.assertEqual([key["id"] for key in self.api.keys], [K0, K1])

    def test_bulk_invalid_transition_keeps_the_field_errors(self):
        data = self.assert_error(self.call("PATCH", KEY, json_body=[
            {"id": K0, "status": "rejected"}]), 400, field="status")
        self.assertIn(K0, data["detail"])

    def test_bulk_shape_is_checked_before_anything_is_applied(self):
        for verb in ("PATCH", "DELETE"):
            for raw in ('{"id": "%s", "status": "accepted"}' % K1, '"x"', "3", "null"):
                with self.subTest(verb=verb, body=raw):
                    data = self.assert_error(self.call(verb, KEY, body=raw), 400)
                    self.assertEqual(data["detail"], f"Bulk {verb} must send a list")
            self.assert_error(self.call(verb, KEY), 400)        # no body at all
            for items in ([{"id": K1, "status": "accepted"}, {"status": "accepted"}],
                          [{"id": K1, "status": "accepted"}, K2],
                          [{"id": 7, "status": "accepted"}], [{"id": "", "status": "accepted"}],
                          [{"id": None}]):
                with self.subTest(verb=verb, items=items):
                    self.assert_error(self.call(verb, KEY, json_body=items), 400, field="id")
        for items in ([{"id": K1, "status": "accepted"}, {"id": K2}],
                      [{"id": K1, "status": "pre"}]):
            with self.subTest(items=items):
                self.assert_error(self.call("PATCH", KEY, json_body=items), 400, field="status")
        self.assert_error(self.call("PATCH", KEY, body="[{"), 400)
        self.assertEqual(self.api.called("update_key") + self.api.called("delete_key"), [])
        self.assertEqual(self.status_of(K1), "pre")


class UserTest(WebTestCase):
    NEW = {"username": "carol", "password": "s3cret", "email": "carol@example.com"}

    def test_create_is_201_with_the_user(self):
        response = self.call("POST", "/api/v2/user", json_body=self.NEW)
        self.assertEqual(response.code, 201, response.body)
        self.assertEqual(self.body(response),
                         {"id": 3, "username": "carol", "email": "carol@example.com"})
        self.assertEqual(self.api.called("create_user"), [((self.NEW, ADMIN), {})])

    def test_create_errors(self):
        self.assert_error(self.call("POST", "/api/v2/user", body="[]"), 400,
                          detail="Request body must be a JSON object")
        self.assertEqual(self.api.called("create_user"), [])
        self.api.fail["create_user"] = Invalid("Invalid user", {"email": ["Enter a valid email"]})
        self.assert_error(self.call("POST", "/api/v2/user", json_body=self.NEW), 400, field="email")
        self.api.fail["create_user"] = Forbidden("Only superusers may create users")
        self.assert_error(self.call("POST", "/api/v2/user", json_body=self.NEW), 403,
                          detail="Only superusers may create users")

    def test_put_and_patch_update(self):
        for verb, path in (("PUT", "/api/v2/user/me"), ("PATCH", "/api/v2/user/me"),
                           ("PATCH", "/api/v2/user/1"), ("PUT", "/api/v2/user/1/")):
            with self.subTest(verb=verb, path=path):
                self.api.calls.clear()
                body = {"email": f"{verb.lower()}@example.com"}
                response = self.call(verb, path, json_body=body)
                self.assertEqual(response.code, 200, response.body)
                self.assertEqual(self.body(response)["email"], body["email"])
                self.assertEqual(self.api.called("update_user"), [((1, body, ADMIN), {})])

    def test_me_is_the_session_user(self):
        self.jar.clear()
        self.login("default", "other")
        self.call("PATCH", "/api/v2/user/me", json_body={"password": "new"})
        self.assertEqual(self.api.called("update_user"), [((2, {"password": "new"}, OTHER), {})])
        self.assert_error(self.call("DELETE", "/api/v2/user/me"), 403)   # an operator deletes no account
        self.assertEqual(self.api.called("delete_user"), [])

    def test_update_errors(self):
        self.assert_error(self.call("PATCH", "/api/v2/user/2", json_body={"password": "x"}), 403,
                          detail="Permission denied")
        self.assert_error(self.call("PATCH", "/api/v2/user/99", json_body={}), 404)
        self.assert_error(self.call("PUT", "/api/v2/user/me", body="nope"), 400)
        self.assert_error(self.call("PUT", "/api/v2/user/me", body="null"), 400,
                          detail="Request body must be a JSON object")
        self.assert_error(self.call("PATCH", "/api/v2/user/you", json_body={}), 404,
                          detail="Not found")

    def test_delete(self):
        response = self.call("DELETE", "/api/v2/user/2")
        self.assertEqual((response.code, response.body), (204, b""))
        self.assertEqual(self.api.called("delete_user"), [((2, ADMIN), {})])
        self.assert_error(self.call("DELETE", "/api/v2/user/2"), 404)
        self.api.fail["delete_user"] = Unavailable("User store is busy")
        self.assert_error(self.call("DELETE", "/api/v2/user/1"), 503)
