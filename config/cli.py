"""The command line of `run.py` (console scripts `calamari-server` and `calamari-agent`): the
daemon's flags and the subcommands', on top of the configuration file and the environment.

The daemon and its offline `key` / `user` commands read /etc/calamari/server.toml, the agent
/etc/calamari/agent.toml (each only when present; `--config PATH` or CALAMARI_CONFIG names
another). `key` and `user` use only its data_dir and db; `sim`, a test and demo tool, reads
neither file nor environment.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from actors.accounts.user_cli import add_user_parser
from actors.keys.cli import add_key_parser
from config.daemon_flags import add_daemon_args
from config.help_format import HelpFormatter
from config.print_config import render
from config.sources import ConfigError, from_environment, from_file, layered, settings_of
from config.subcommand_flags import add_agent_parser, add_sim_parser
from config.version import version

CONFIG_ENV = "CALAMARI_CONFIG"
DEFAULT_FILES = {"daemon": "/etc/calamari/server.toml", "agent": "/etc/calamari/agent.toml"}
EXAMPLE_KEYS = {"daemon": "http_port = 8002", "agent": 'connect = "tcp://HOST:8003"'}
SCOPES = {None: "daemon", "key": "daemon", "user": "daemon", "agent": "agent"}   # sim: flags only


class Parser(argparse.ArgumentParser):
    """A usage error is one line (not the 40 lines of usage above it); subcommands' parsers are
    of this class too (argparse makes them of their parent's)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (--help lists the flags)\n")


def build_parser(agent_prog: str | None = None) -> argparse.ArgumentParser:
    """agent_prog: the agent's own name in its messages (`calamari-agent`, not `run.py agent`)."""
    parser = Parser(description="Calamari-compatible Ceph management server",
                                     formatter_class=HelpFormatter)
    add_config_args(parser, "daemon")
    sub = parser.add_subparsers(dest="command")
    add_daemon_args(parser)
    add_sim_parser(sub)
    add_config_args(add_agent_parser(sub, agent_prog), "agent")
    add_key_parser(sub)
    add_user_parser(sub)
    return parser


def add_config_args(parser, scope: str) -> argparse.ArgumentParser:
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    parser.add_argument("--config", default=None, metavar="PATH",
                        help=f"TOML file of settings, a key per flag: {EXAMPLE_KEYS[scope]} (default: "
                             f"{DEFAULT_FILES[scope]} if present, or ${CONFIG_ENV})")
    parser.add_argument("--print-config", action="store_true",
                        help="print the effective settings (flags > CALAMARI_* environment > "
                             "file > defaults; secrets masked) as TOML and exit")
    return parser


def parse_args(argv: list[str], environ=None, agent_prog: str | None = None) -> argparse.Namespace:
    """The settings of the command `argv` names; exits 2 with one line for anything unusable
    (a flag, a key of the file, an environment variable), 0 after --print-config."""
    environ = os.environ if environ is None else environ
    # What the command line itself says (no defaults, nothing required yet): the subcommand,
    # --config, and the flags that outrank the file and the environment.
    given = vars(relaxed(build_parser(agent_prog)).parse_known_args([a for a in argv if a not in ("-h", "--help")])[0])
    scope = SCOPES.get(given.get("command"))
    parser = build_parser(agent_prog)
    target = parser if scope != "agent" else subparser(parser, "agent")
    settings, sources, config_file = settings_of(target), {}, None
    if scope is not None:
        try:
            config_file = config_path(given.get("config"), environ, scope)
            sources = apply_layers(target, settings, given, environ, config_file)
        except ConfigError as exc:
            parser.exit(2, f"calamari: {exc}\n")
    args = parser.parse_args(argv)
    args.sources, args.config_file = sources, config_file
    if getattr(args, "print_config", False):
        sys.stdout.write(render(args, settings, sources, config_file))
        parser.exit(0)
    return args


def config_path(flag: str | None, environ, scope: str) -> Path | None:
    """--config, else $CALAMARI_CONFIG (both must exist), else the default file if present."""
    named = flag or environ.get(CONFIG_ENV)
    if named:
        if not Path(named).is_file():
            raise ConfigError(f"{'--config' if flag else CONFIG_ENV}: no such file {named}")
        return Path(named)
    default = Path(DEFAULT_FILES[scope])
    return default if default.is_file() else None


def apply_layers(target, settings, given: dict, environ, config_file: Path | None) -> dict[str, str]:
    """The file's and the environment's values become the target parser's defaults (the flags
    still win); -> where every value not a default came from."""
    flags = {key for key in settings if settings[key].dest in given}
    layers = [(from_environment(environ, settings), lambda key: f"environment variable CALAMARI_{key.upper()}")]
    if config_file is not None:
        layers.append((from_file(config_file, settings), lambda key: str(config_file)))
    values, sources = layered(layers, flags, alternatives(target, settings))
    for key, value in values.items():
        settings[key].required = False     # --connect from agent.toml, say
    for group in target._mutually_exclusive_groups:
        if any(key_dest in values for key_dest in (a.dest for a in group._group_actions)):
            group.required = False         # --server-key(-file) from agent.toml
    target.set_defaults(**{settings[key].dest: value for key, value in values.items()})
    return {**sources, **{key: settings[key].option_strings[-1] for key in flags}}


def alternatives(parser, settings) -> list[set[str]]:
    """Keys of which one is given at most: argparse's exclusive groups, and every X with its
    X_file (admin_password_file, metrics_token_file, server_key_file)."""
    groups = [{key for key, action in settings.items() if action in group._group_actions}
              for group in parser._mutually_exclusive_groups]
    return groups + [{key, f"{key}_file"} for key in settings if f"{key}_file" in settings]


def relaxed(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The parser and its subcommands with nothing required and no defaults, in place."""
    for action in parser._actions:
        action.required = False
        if action.option_strings and action.default is not argparse.SUPPRESS:
            action.default = argparse.SUPPRESS
        for child in getattr(action, "choices", None) or {}:
            if isinstance(action, argparse._SubParsersAction):
                relaxed(action.choices[child])
    for group in parser._mutually_exclusive_groups:
        group.required = False
    return parser


def subparser(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser:
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices[name]
