"""Routes that call through the agents: the CLI, log tails, debug jobs."""
from __future__ import annotations

from actors.errors import NotFound, Unavailable
from tests.unit.fake_api import ADMIN, FSID, SYNCING_FSID, WebTestCase

C = f"/api/v2/cluster/{FSID}"
FQDN = "figment000.cluster0.com"
S = f"/api/v2/server/{FQDN}"


class CliTest(WebTestCase):
    """The cli handler against the simulator's command table (FakeApi.cli_signatures)."""

    def cli(self, body):
        return self.call("POST", C + "/cli", json_body=body)

    def ran(self):
        return [args[1] for args, _ in self.api.called("run_cli")]

    def test_string_and_list_commands_become_command_json(self):
        for command, parsed in (("osd dump", {"prefix": "osd dump"}),
                                ("ceph osd dump", {"prefix": "osd dump"}),
                                ("  osd   tree  ", {"prefix": "osd tree"}),
                                ('osd pool get "my pool" size', {"prefix": "osd pool get", "pool": "my pool",
                                                                 "var": "size"}),
                                (["osd", "dump", "12"], {"prefix": "osd dump", "epoch": 12}),
                                (["ceph", "status"], {"prefix": "status"}),
                                ("health detail", {"prefix": "health", "detail": "detail"}),
                                ("osd reweight osd.3 0.5", {"prefix": "osd reweight", "id": 3, "weight": 0.5}),
                                ("osd out 1 2", {"prefix": "osd out", "ids": ["1", "2"]}),
                                (["osd", "pool", "create", "a b", "8"], {"prefix": "osd pool create",
                                                                         "pool": "a b", "pg_num": 8})):
            with self.subTest(command=command):
                self.api.calls.clear()
                response = self.cli({"command": command})
                self.assertEqual(response.code, 200, response.body)
                self.assertEqual(self.body(response),
                                 {"out": "ran: " + parsed["prefix"], "err": "", "status": 0})
                self.assertEqual(self.ran(), [parsed])
                self.assertEqual(response.headers["Cache-Control"], "no-store")

    def test_format_is_a_body_field(self):
        self.cli({"command": "osd dump", "format": "json-pretty"})
        self.assertEqual(self.ran(), [{"prefix": "osd dump", "format": "json-pretty"}])
        self.assert_error(self.cli({"command": "osd dump", "format": "yaml2"}), 400, field="format")

    def test_words_starting_with_a_dash_are_400(self):
        for command in ("osd dump -f json", ["-i", "/root/secret", "config-key", "set", "k"],
                        ["-o", "/etc/cron.d/x", "config-key", "get", "k"], "status --format=json",
                        "--keyring /tmp/k status", "-s", "osd pool delete a a --yes-i-really-really-mean-it"):
            with self.subTest(command=command):
                data = self.assert_error(self.cli({"command": command}), 400, field="command")
                self.assertIn("may not start with '-'", data["errors"]["command"][0])
        self.assertEqual(self.ran(), [])

    def test_unknown_or_mistyped_commands_answer_200_with_einval(self):
        for command in ("osd frobnicate", "osd reweight 1 1.5", "osd pool get rbd nonsense", "frob"):
            with self.subTest(command=command):
                response = self.cli({"command": command})
                self.assertEqual(response.code, 200, response.body)
                data = self.body(response)
                self.assertEqual((data["out"], data["status"]), ("", 22))
                self.assertIn("no valid command found", data["err"])
                self.assertTrue(data["err"].endswith("Error EINVAL: invalid command\n"))
        self.assertIn("osd reweight <id> <weight>", self.body(self.cli({"command": "osd reweight 1"}))["err"])
        self.assertEqual(self.ran(), [])

    def test_the_mon_answer_is_passed_through_whatever_the_exit_status(self):
        self.api.canned["run_cli"] = {"out": "", "err": "Error ENOENT: unrecognized pool 'x'\n", "status": 2}
        response = self.cli({"command": "osd pool get x size"})
        self.assertEqual((response.code, self.body(response)), (200, self.api.canned["run_cli"]))

    def test_admin_only_commands_are_403_for_operators_naming_the_prefix(self):
        self.login("default", "other")                      # an operator
        for command, prefix in (("auth get-key client.admin", "auth"), ("auth ls", "auth"),
                                ("config-key dump", "config-key"), ("config-key get k", "config-key"),
                                ("auth get-or-create client.x mon allow", "auth"),
                                ("tell mon.a config set mon_allow_pool_delete true", "tell"),
                                ("injectargs --debug", None), ("mon remove a", "mon remove"),
                                ("osd pool delete rbd rbd", "osd pool delete"), ("osd pool rm rbd", "osd pool rm"),
                                ("daemon osd.0 config show", "daemon")):
            with self.subTest(command=command):
                response = self.cli({"command": command})
                if prefix is None:                          # refused earlier, for its option
                    self.assert_error(response, 400, field="command")
                    continue
                data = self.assert_error(response, 403)
                self.assertIn(f"'{prefix}'", data["detail"])
        self.assertEqual(self.ran(), [])

    def test_operators_run_reads_and_the_apis_own_changes(self):
        self.login("default", "other")
        for command in ("status", "osd tree", "df detail", "osd pool ls detail", "osd set noout",
                        "osd pool set rbd size 3", "osd out 2", "osd crush move h1 root=default"):
            with self.subTest(command=command):
                self.assertEqual(self.cli({"command": command}).code, 200)
        self.assertEqual(len(self.ran()), 8)

    def test_admins_may_run_what_operators_may_not(self):
        self.assertEqual(self.cli({"command": "osd pool delete rbd rbd"}).code, 200)
        self.assertEqual(self.ran(), [{"prefix": "osd pool delete", "pool": "rbd", "pool2": "rbd"}])

    def test_audit_records_the_command_with_secrets_redacted(self):
        self.cli({"command": "osd pool set rbd size 3"})
        self.login("default", "other")
        self.cli({"command": "config-key set mgr/secret s3cr3t-value"})
        self.cli({"command": "osd frobnicate s3cr3t-value"})
        details = [kw.get("detail") for args, kw in self.api.audits if args[2].endswith("/cli")]
        self.assertEqual(details, ["cli osd pool set pool=rbd var=size val=3",
                                   "cli config-key (+3 more words)", "cli osd (+2 more words)"])

    def test_bad_commands_are_400_naming_command(self):
        for body in ({}, {"cmd": "status"}, {"command": None}, {"command": 5},
                     {"command": {"a": 1}}, {"command": ["osd", 3]}, {"command": ""},
                     {"command": "   "}, {"command": []}, {"command": "ceph"},
                     {"command": ["ceph"]}, {"command": 'osd "unbalanced'}, {"command": ["x"] * 65}):
            with self.subTest(body=body):
                self.assert_error(self.cli(body), 400, field="command")
        self.assertEqual(self.ran(), [])

    def test_only_ceph_commands(self):
        for command in ("rbd ls", ["radosgw-admin", "user", "list"], "rbd"):
            with self.subTest(command=command):
                data = self.assert_error(self.cli({"command": command}), 400, field="command")
                self.assertIn("only ceph commands are supported", data["errors"]["command"][0])
        self.assertEqual(self.ran(), [])

    def test_body_must_be_an_object(self):
        self.assert_error(self.call("POST", C + "/cli", body='["osd", "dump"]'), 400,
                          detail="Request body must be a JSON object")
        self.assert_error(self.call("POST", C + "/cli", body="osd dump"), 400)
        self.assertEqual(self.ran(), [])

    def test_errors_pass_through(self):
        self.assert_error(self.call("POST", "/api/v2/cluster/ffff-0000/cli",
                                    json_body={"command": "status"}), 404)
        data = self.assert_error(self.call("POST", f"/api/v2/cluster/{SYNCING_FSID}/cli",
                                           json_body={"command": "status"}), 503)
        self.assertIn("no reachable mon", data["detail"])


class LogTest(WebTestCase):
    def test_cluster_log_default_and_explicit_lines(self):
        response = self.get(C + "/log")
        self.assertEqual((response.code, self.body(response)),
                         (200, {"lines": "40 lines of the cluster log"}))
        self.get(C + "/log?lines=1")
        self.get(C + "/log?lines=10000")
        self.assertEqual(self.api.called("cluster_log"),
                         [((FSID, 40), {}), ((FSID, 1), {}), ((FSID, 10000), {})])

    def test_bad_lines_are_400_naming_lines(self):
        for raw in ("0", "-1", "10001", "x", "", "1.5", "4e2"):
            with self.subTest(lines=raw):
                self.assert_error(self.get(f"{C}/log?lines={raw}"), 400, field="lines")
                self.assert_error(self.get(f"{S}/log/ceph/ceph.log?lines={raw}"), 400,
                                  field="lines")
        self.assertEqual(self.api.called("cluster_log"), [])
        self.assertEqual(self.api.called("server_log"), [])

    def test_cluster_log_errors_pass_through(self):
        self.assert_error(self.get("/api/v2/cluster/ffff-0000/log"), 404)
        self.api.fail["cluster_log"] = Unavailable("mon log data unavailable")
        self.assert_error(self.get(C + "/log"), 503, detail="mon log data unavailable")

    def test_server_log_list(self):
        response = self.get(S + "/log")
        self.assertEqual(self.body(response), ["ceph/ceph-osd.0.log", "ceph/ceph.log", "messages"])
        self.assertEqual(self.api.called("server_logs"), [((FQDN,), {})])
        self.assert_error(self.get("/api/v2/server/nosuch.example.com/log"), 404)

    def test_server_log_paths(self):
        for suffix, path, lines in (("ceph/ceph.log", "ceph/ceph.log", 40),
                                    ("messages?lines=7", "messages", 7),
                                    ("ceph/ceph-mon.a.log", "ceph/ceph-mon.a.log", 40),
                                    ("a..b/..hidden", "a..b/..hidden", 40),
                                    ("with%20space.log", "with space.log", 40)):
            with self.subTest(suffix=suffix):
                self.api.calls.clear()
                response = self.get(f"{S}/log/{suffix}")
                self.assertEqual(response.code, 200, response.body)
                self.assertEqual(self.body(response), {"lines": f"{lines} lines of {path}"})
                self.assertEqual(self.api.called("server_log"), [((FQDN, path, lines), {})])

    def test_paths_leaving_the_log_directory_are_400_naming_path(self):
        for suffix in ("/etc/passwd", "%2Fetc%2Fpasswd", "..", "../secret", "ceph/../../etc",
                       "ceph/..", "%2E%2E/etc/shadow", "ceph/%2e%2e/%2e%2e/x", "a%00b"):
            with self.subTest(suffix=suffix):
                self.assert_error(self.get(f"{S}/log/{suffix}"), 400, field="path")
        self.assertEqual(self.api.called("server_log"), [])

    def test_server_log_errors_pass_through(self):
        self.api.fail["server_log"] = Unavailable("figment000 did not answer")
        self.assert_error(self.get(S + "/log/messages"), 503)
        self.api.fail["server_log"] = NotFound("No log file messages")
        self.assert_error(self.get(S + "/log/messages"), 404)


class DebugJobTest(WebTestCase):
    def job(self, body, fqdn=FQDN):
        return self.call("POST", f"/api/v2/server/{fqdn}/debug_job", json_body=body)

    def test_self_tests_are_202_with_the_bare_name(self):
        for body, cmd, args in (({"cmd": "selftest_wait", "args": [10]}, "selftest_wait", [10]),
                                ({"cmd": "ceph.selftest_block", "args": []}, "selftest_block", []),
                                ({"cmd": "ceph.selftest_exception", "args": {}},
                                 "selftest_exception", {}),
                                ({"cmd": "selftest_wait", "args": {"seconds": 1}},
                                 "selftest_wait", {"seconds": 1}),
                                ({"cmd": "selftest_block"}, "selftest_block", [])):
            with self.subTest(body=body):
                self.api.calls.clear()
                response = self.job(body)
                self.assertEqual(response.code, 202, response.body)
                self.assertIn("request_id", self.body(response))
                self.assertEqual(self.api.called("debug_job"), [((FQDN, cmd, args, ADMIN), {})])

    def test_other_commands_are_400_naming_cmd(self):
        for body in ({}, {"cmd": None}, {"cmd": 5}, {"cmd": ["selftest_wait"]},
                     {"cmd": "ceph.rados_commands"}, {"cmd": "selftest"},
                     {"cmd": "ceph.selftest"}, {"cmd": "ceph.ceph.selftest_wait"},
                     {"cmd": "salt.selftest_wait"}, {"cmd": "SELFTEST_WAIT"},
                     {"cmd": "selftest_wait "}, {"cmd": "cmd.run", "args": ["rm -rf /"]}):
            with self.subTest(body=body):
                self.assert_error(self.job(body), 400, field="cmd")
        self.assertEqual(self.api.called("debug_job"), [])

    def test_args_must_be_a_list_or_object(self):
        for args in ("10", 10, None, True):
            with self.subTest(args=args):
                self.assert_error(self.job({"cmd": "selftest_wait", "args": args}), 400,
                                  field="args")
        self.assert_error(self.call("POST", S + "/debug_job", body="[]"), 400,
                          detail="Request body must be a JSON object")
        self.assertEqual(self.api.called("debug_job"), [])

    def test_unknown_server_is_404(self):
        self.assert_error(self.job({"cmd": "selftest_wait"}, fqdn="nosuch.example.com"), 404)
