"""A load balancer probes every second: its answers log at DEBUG (failures still at WARNING) and
count in the metrics under their own route, not "unmatched"."""
from __future__ import annotations

import logging

from tests.unit.fake_api import WebTestCase


class ProbeAccountingTest(WebTestCase):
    login_first = False

    def get_app(self):
        make = super().get_app                   # the settings WebTestCase builds, plus a recorder
        self.observed = []
        app = make()
        app._observe_http = lambda route, method, code, seconds: self.observed.append((route, method, code))
        return app

    def test_a_probe_logs_at_debug_and_counts_under_its_path(self):
        with self.assertLogs("tornado.access", level=logging.DEBUG) as logs:
            self.assertEqual(self.get("/healthz").code, 200)
            self.assertEqual(self.call("POST", "/healthz", body=b"").code, 405)
        levels = [record.levelno for record in logs.records]
        self.assertEqual(levels, [logging.DEBUG, logging.WARNING])
        self.assertEqual(self.observed, [("/healthz", "GET", 200), ("/healthz", "POST", 405)])

    def test_an_api_answer_still_logs_at_info(self):
        with self.assertLogs("tornado.access", level=logging.DEBUG) as logs:
            self.assertEqual(self.get("/api/v2/info").code, 200)
        self.assertEqual([r.levelno for r in logs.records], [logging.INFO])
        self.assertEqual(self.observed, [("info", "GET", 200)])



    def test_the_web_pages_answers_count_under_two_routes_whatever_the_asset(self):
        self.assertEqual(self.get("/").code, 200)
        self.assertEqual(self.get("/ui/app.js").code, 200)
        self.assertEqual(self.get("/ui/cluster/page.js").code, 200)
        self.assertEqual(self.get("/ui/no-such-file.js").code, 404)
        self.assertEqual(self.observed, [("/", "GET", 200), ("/ui/{asset}", "GET", 200),
                                         ("/ui/{asset}", "GET", 200), ("/ui/{asset}", "GET", 404)])
