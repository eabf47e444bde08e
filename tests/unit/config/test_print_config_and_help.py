"""--print-config (secrets masked, pasteable back), --help (every flag explained, every default
shown), every flag's value checked, and the version's one source."""
from __future__ import annotations

import argparse
import tomllib
from pathlib import Path

import pytest

from config.cli import build_parser, parse_args
from config.print_config import MASK
from config.version import version

ROOT = Path(__file__).resolve().parents[3]


def printed(capsys, argv, environ=None) -> str:
    with pytest.raises(SystemExit) as stopped:
        parse_args(argv, environ={} if environ is None else environ)
    assert stopped.value.code == 0
    return capsys.readouterr().out


def test_print_config_masks_every_secret_and_names_the_sources(tmp_path, capsys):
    config = tmp_path / "server.toml"
    config.write_text('admin_password = "hunter2-hunter2"\nhttp_port = 8010\n'
                      'db = "postgresql://calamari:s3cret-pw@db.example:5432/calamari"\n')
    out = printed(capsys, ["--config", str(config), "--print-config", "--metrics-token", "tok-tok-tok"],
                  environ={"CALAMARI_HEARTBEAT_S": "4"})
    for secret in ("hunter2-hunter2", "s3cret-pw", "tok-tok-tok"):
        assert secret not in out
    settings = tomllib.loads(out)    # TOML, to paste back into a file
    assert settings["admin_password"] == settings["metrics_token"] == MASK
    assert settings["db"] == f"postgresql://calamari:{MASK}@db.example:5432/calamari"
    assert (settings["http_port"], settings["heartbeat_s"], settings["no_sim"]) == (8010, 4.0, False)
    assert f"http_port = 8010  # from {config}" in out.splitlines()
    assert "heartbeat_s = 4.0  # from environment variable CALAMARI_HEARTBEAT_S" in out.splitlines()
    assert "# public_url is not set" in out.splitlines()


def test_printed_settings_read_back_give_the_same_settings(tmp_path, capsys):
    out = printed(capsys, ["--print-config", "--http-port", "8011", "--no-sim", "--sim-servers", "5"])
    (tmp_path / "back.toml").write_text(out)
    again = printed(capsys, ["--print-config", "--config", str(tmp_path / "back.toml")])
    strip = lambda text: [line.split("  # from")[0] for line in text.splitlines()[1:]]   # noqa: E731
    assert strip(again) == strip(out)


def test_the_agent_prints_its_own_settings(capsys):
    out = printed(capsys, ["agent", "--print-config", "--connect", "tcp://m:8003", "--server-key", "k" * 40])
    settings = tomllib.loads(out)
    assert settings["connect"] == "tcp://m:8003" and "http_port" not in settings and settings["log_level"] == "INFO"


def parsers(parser=None, name="run.py"):
    """(name, parser) of run.py and every subcommand, nested ones too."""
    parser = parser or build_parser()
    yield name, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child, sub in action.choices.items():
                yield from parsers(sub, f"{name} {child}")


def test_every_flag_is_explained_and_its_default_shown_in_help():
    unexplained, hidden_default = [], []
    for name, parser in parsers():
        formatter = parser._get_formatter()
        for action in parser._actions:
            if not action.option_strings or action.help == argparse.SUPPRESS or action.dest == "help":
                continue
            text = formatter._expand_help(action) if action.help else ""
            if not text.strip():
                unexplained.append(f"{name} {action.option_strings[0]}")
            elif action.default not in (None, False, argparse.SUPPRESS) and "default" not in text:
                hidden_default.append(f"{name} {action.option_strings[0]}")
    assert unexplained == [] and hidden_default == []


def test_every_numeric_flag_has_a_checked_type():
    """A bare int or float lets -1, nan or inf through (the retention flags did)."""
    unchecked = [f"{name} {action.option_strings[0]}" for name, parser in parsers() for action in parser._actions
                 if isinstance(action.default, (int, float)) and not isinstance(action.default, bool)
                 and action.option_strings and not hasattr(action.type, "kind")]
    assert unchecked == []


def test_the_version_is_pyprojects():
    with open(ROOT / "pyproject.toml", "rb") as source:
        assert version() == tomllib.load(source)["project"]["version"]
    assert version().count(".") == 2
