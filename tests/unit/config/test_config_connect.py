"""The agent's (and the simulator's) --connect: one bus endpoint, or the managers of an HA group
as a comma-separated list, from a flag, the environment or agent.toml (a string or an array)."""
from __future__ import annotations

import pytest

from config import cli
from config.cli import parse_args
TWO = "tcp://m1:8003,tcp://m2:8003"
AGENT_KEY = "rq:SR^kdi:H/[uV#Q*C9AL>Q5JeN<k3v/D(=%U*Y"   # a z85 public key's shape: 40 characters


def write(tmp_path, text: str, name: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def refused(capsys, argv) -> str:
    """The one line a refused start prints (exit code 2)."""
    with pytest.raises(SystemExit) as stopped:
        parse_args(argv, environ={})
    assert stopped.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def test_a_list_of_endpoints_from_the_flag_or_the_environment_is_kept_in_order():
    assert parse_args(["agent", "--connect", " tcp://m1:8003 , tcp://m2:8003", "--server-key", AGENT_KEY],
                      environ={}).connect == TWO
    assert parse_args(["agent", "--server-key", AGENT_KEY], environ={"CALAMARI_CONNECT": TWO}).connect == TWO
    assert parse_args(["sim", "--connect", TWO, "--server-key", "k"], environ={}).connect == TWO


@pytest.mark.parametrize("value", ['"tcp://m1:8003,tcp://m2:8003"', '["tcp://m1:8003", "tcp://m2:8003"]'])
def test_agent_toml_takes_a_string_or_an_array(tmp_path, monkeypatch, value):
    config = write(tmp_path, f'connect = {value}\nserver_key = "{AGENT_KEY}"\n', "agent.toml")
    monkeypatch.setitem(cli.DEFAULT_FILES, "agent", config)
    assert parse_args(["agent"], environ={}).connect == TWO


@pytest.mark.parametrize("flag, why", [("m1:8003", "is not an endpoint like tcp://HOST:PORT"),
                                       ("tcp://m1:8003,", "is not an endpoint"),
                                       ("tcp://m1:8003,tcp://m1:8003", "an endpoint is repeated")])
def test_a_bad_list_is_one_usage_line(capsys, flag, why):
    assert why in refused(capsys, ["agent", "--connect", flag, "--server-key", AGENT_KEY])


@pytest.mark.parametrize("value, why", [("[]", "must be a string or an array of strings"),
                                        ("[1, 2]", "must be a string or an array of strings"),
                                        ("8003", "must be a string or an array of strings")])
def test_a_bad_array_in_agent_toml_names_the_key(tmp_path, capsys, value, why):
    config = write(tmp_path, f'connect = {value}\n', "agent.toml")
    message = refused(capsys, ["agent", "--config", config, "--server-key", AGENT_KEY])
    assert "connect" in message and why in message
