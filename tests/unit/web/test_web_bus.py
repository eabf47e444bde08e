"""`bus`: the agent bus's counters, for administrators only."""
from __future__ import annotations

from tests.unit.fake_api import OTHER, WebTestCase


class BusTest(WebTestCase):
    def test_an_administrator_reads_the_counters(self):
        response = self.get("/api/v2/bus")
        self.assertEqual((response.code, self.body(response)), (200, {"received": 7, "dropped_flood": 2}))

    def test_nobody_else_does(self):
        self.jar.clear()
        self.login(OTHER["username"], "other")
        self.assert_error(self.get("/api/v2/bus"), 403)
        self.jar.clear()
        self.assert_error(self.get("/api/v2/bus"), 401)
        self.assertEqual(self.api.called("bus_stats"), [])

    def test_it_only_reads(self):
        self.assert_error(self.call("POST", "/api/v2/bus", json_body={}), 405)
