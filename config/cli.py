"""The command line of `run.py`: the daemon's flags and the subcommands', parsed and checked."""
from __future__ import annotations

import argparse

from actors.accounts.user_cli import add_user_parser
from actors.keys.cli import add_key_parser
from config.daemon_flags import add_daemon_args
from config.subcommand_flags import add_agent_parser, add_sim_parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="Calamari-compatible Ceph management server")
    sub = parser.add_subparsers(dest="command")
    add_daemon_args(parser)
    add_sim_parser(sub)
    add_agent_parser(sub)
    add_key_parser(sub)
    add_user_parser(sub)
    return parser


def parse_args(argv: list[str]) -> argparse.Namespace:
    return build_parser().parse_args(argv)
