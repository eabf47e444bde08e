"""The configuration file and the CALAMARI_* environment under the flags (config/cli.py,
config/sources.py): precedence, one line naming the key and its source for anything unusable."""
from __future__ import annotations

import pytest

from config import cli
from config.cli import parse_args

AGENT_KEY = "rq:SR^kdi:H/[uV#Q*C9AL>Q5JeN<k3v/D(=%U*Y"   # a z85 public key's shape: 40 characters


def write(tmp_path, text: str, name: str = "server.toml"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def refused(capsys, argv, environ=None) -> str:
    """The one line a refused start prints (exit code 2)."""
    with pytest.raises(SystemExit) as stopped:
        parse_args(argv, environ={} if environ is None else environ)
    assert stopped.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def test_a_key_of_the_file_is_named_as_its_flag(tmp_path):
    config = write(tmp_path, 'http_port = 8010\nno_sim = true\nadmin_password = "pw"\nheartbeat_s = 2\n'
                             'metrics_token_file = "/run/t"\n')
    args = parse_args(["--config", config], environ={})
    assert (args.http_port, args.no_sim, args.admin_password, args.heartbeat_s) == (8010, True, "pw", 2.0)
    assert args.metrics_token_file == "/run/t" and args.sources["http_port"] == config
    assert parse_args([], environ={}).http_port == 8002      # no file: the defaults


def test_flags_beat_the_environment_which_beats_the_file(tmp_path):
    config = write(tmp_path, "http_port = 8010\nheartbeat_s = 3\nsim_servers = 5\n")
    environ = {"CALAMARI_HTTP_PORT": "8020", "CALAMARI_HEARTBEAT_S": "4", "CALAMARI_NO_SIM": "yes"}
    args = parse_args(["--config", config, "--http-port", "8030"], environ=environ)
    assert (args.http_port, args.heartbeat_s, args.sim_servers, args.no_sim) == (8030, 4.0, 5, True)
    assert args.sources == {"http_port": "--http-port", "heartbeat_s": "environment variable CALAMARI_HEARTBEAT_S",
                            "no_sim": "environment variable CALAMARI_NO_SIM", "sim_servers": config}


def test_calamari_config_names_the_file_and_the_default_file_is_read_when_present(tmp_path, monkeypatch):
    named = write(tmp_path, "http_port = 8040\n", "named.toml")
    assert parse_args([], environ={"CALAMARI_CONFIG": named}).http_port == 8040
    default = write(tmp_path, "http_port = 8050\n")
    monkeypatch.setitem(cli.DEFAULT_FILES, "daemon", default)
    assert parse_args([], environ={}).http_port == 8050
    monkeypatch.setitem(cli.DEFAULT_FILES, "daemon", str(tmp_path / "absent.toml"))
    assert parse_args([], environ={}).http_port == 8002      # absent: not an error


@pytest.mark.parametrize("text, expected", [
    ('http_port = "abc"', "http_port: must be an integer, not the string 'abc'"),
    ("http_port = 99999", "http_port: must be at most 65535"),
    ("http_port = true", "http_port: must be an integer, not the boolean true"),
    ('no_sim = "yes"', "no_sim: must be true or false, not the string 'yes'"),
    ("heartbeat_s = 0", "heartbeat_s: must be more than 0"),
    ("request_timeout_s = -1", "request_timeout_s: must be more than 0"),
    ("event_max_count = -1", "event_max_count: must be at least 0"),
    ('log_level = "verbose"', "log_level: 'verbose' is not one of DEBUG"),
    ('log_format = "xml"', "log_format: 'xml' is not one of text, json"),
    ("data_dir = 5", "data_dir: must be a string, not the number 5"),
    ("htp_port = 8002", "unknown key 'htp_port' (did you mean 'http_port'?)"),
    ("sim = 1", "unknown key 'sim'"),
    ("http_port = ", "not a TOML file"),
    ('admin_password = "********"', "admin_password: holds ********, the mask --print-config shows"),
    ('db = "postgresql://u:********@h/d"', "db: holds ********"),
])
def test_an_unusable_key_stops_the_start_with_one_line_naming_it_and_the_file(tmp_path, capsys, text, expected):
    config = write(tmp_path, text + "\n")
    line = refused(capsys, ["--config", config])
    assert line.startswith(f"calamari: {config}: ") and expected in line, line


@pytest.mark.parametrize("name, value, expected", [
    ("CALAMARI_HTTP_PORT", "abc", "'abc' is not an integer"), ("CALAMARI_HTTP_PORT", "70000", "at most 65535"),
    ("CALAMARI_NO_SIM", "maybe", "must be one of"), ("CALAMARI_HEARTBEAT_S", "0", "must be more than 0")])
def test_an_unusable_environment_variable_stops_the_start_naming_it(capsys, name, value, expected):
    line = refused(capsys, [], environ={name: value})
    assert line.startswith(f"calamari: environment variable {name}: ") and expected in line, line


def test_a_missing_named_file_is_an_error_a_missing_default_one_is_not(tmp_path, capsys):
    assert "--config: no such file" in refused(capsys, ["--config", str(tmp_path / "nope.toml")])
    assert "CALAMARI_CONFIG: no such file" in refused(capsys, [], environ={"CALAMARI_CONFIG": str(tmp_path / "x")})


def test_variables_that_are_no_setting_of_ours_are_left_alone():
    args = parse_args([], environ={"CALAMARI_URL": "http://x", "CALAMARI_TOKEN": "t", "CALAMARI_SIM": "1"})
    assert args.http_port == 8002


def test_the_admin_password_variable_still_works_and_a_password_file_flag_outranks_it(tmp_path):
    assert parse_args([], environ={"CALAMARI_ADMIN_PASSWORD": "from-env"}).admin_password == "from-env"
    args = parse_args(["--admin-password-file", "/run/pw"], environ={"CALAMARI_ADMIN_PASSWORD": "from-env"})
    assert (args.admin_password, args.admin_password_file) == (None, "/run/pw")
    both = write(tmp_path, 'admin_password = "a"\nadmin_password_file = "/run/pw"\n')
    with pytest.raises(SystemExit):
        parse_args(["--config", both], environ={})


def test_the_agent_reads_its_own_file_which_may_hold_the_required_settings(tmp_path, monkeypatch):
    config = write(tmp_path, f'connect = "tcp://manager:8003"\nserver_key = "{AGENT_KEY}"\nheartbeat_s = 5\n'
                             'log_level = "debug"\n', "agent.toml")
    monkeypatch.setitem(cli.DEFAULT_FILES, "agent", config)
    args = parse_args(["agent"], environ={})
    assert (args.connect, args.server_key, args.heartbeat_s, args.log_level) == ("tcp://manager:8003", AGENT_KEY,
                                                                              5.0, "DEBUG")
    # A flag outranks the file's alternative: --server-key-file, not the file's server_key.
    args = parse_args(["agent", "--server-key-file", "/etc/calamari/bus.key"], environ={})
    assert (args.server_key, args.server_key_file) == (None, "/etc/calamari/bus.key")


def test_the_agent_refuses_a_daemon_key_and_the_daemon_an_agent_key(tmp_path, capsys):
    agent = write(tmp_path, 'connect = "tcp://m:1"\nhttp_port = 1\n', "agent.toml")
    assert "unknown key 'http_port'" in refused(capsys, ["agent", "--config", agent, "--server-key", AGENT_KEY])
    server = write(tmp_path, 'connect = "tcp://m:1"\n')
    assert "unknown key 'connect'" in refused(capsys, ["--config", server])


def test_key_and_user_commands_take_the_data_dir_from_the_daemon_file(tmp_path):
    config = write(tmp_path, 'data_dir = "/srv/calamari"\n')
    assert parse_args(["--config", config, "key", "list"], environ={}).data_dir == "/srv/calamari"
    assert parse_args(["key", "list", "--data-dir", "/d"], environ={"CALAMARI_CONFIG": config}).data_dir == "/d"
    assert parse_args(["user", "unlock", "admin", "--data-dir", "/d"], environ={}).data_dir == "/d"
    assert parse_args(["key", "--data-dir", "/e", "list"], environ={}).data_dir == "/e"


def test_the_simulator_reads_no_file_and_no_environment(tmp_path):
    config = write(tmp_path, "heartbeat_s = 3\n")
    args = parse_args(["sim", "--connect", "tcp://h:1", "--server-key", "k"],
                      environ={"CALAMARI_CONFIG": config, "CALAMARI_HEARTBEAT_S": "abc"})
    assert args.heartbeat_s == 10.0


def test_calamari_agent_speaks_under_its_own_name(capsys):
    with pytest.raises(SystemExit):
        parse_args(["agent", "--heartbeat-s", "0"], environ={}, agent_prog="calamari-agent")
    assert capsys.readouterr().err.startswith("calamari-agent: error: argument --heartbeat-s: must be more than 0")
