"""The flags of `run.py sim` (a simulated fleet as its own process) and `run.py agent` (the
agent of a real Ceph server)."""
from __future__ import annotations

import argparse

from agent.keys import DEFAULT_KEY_DIR, add_server_key_args
from config.help_format import HelpFormatter
from config.types import (INTEGER, LOG_LEVELS, NON_NEGATIVE, POSITIVE_INT, POSITIVE_S, endpoints, log_format,
                          log_level)


def add_sim_parser(sub) -> None:
    sim = sub.add_parser("sim", help="run a simulated fleet against a daemon started with --no-sim",
                         formatter_class=HelpFormatter)
    sim.add_argument("--connect", required=True, type=endpoints,
                     help="the daemon's bus endpoint; several, comma-separated, for an HA group")
    add_server_key_args(sim)
    sim.add_argument("--key-dir", default=None,
                     help="keep the simulated servers' key pairs here (default: new ones in memory)")
    sim.add_argument("--clusters", type=POSITIVE_INT, default=1, help="simulated clusters (default 1)")
    sim.add_argument("--servers", type=POSITIVE_INT, default=3,
                     help="servers per cluster; the first three run mons (default 3)")
    sim.add_argument("--osds-per-server", type=POSITIVE_INT, default=4, help="OSDs per server (default 4)")
    sim.add_argument("--client-load", type=NON_NEGATIVE, default=4.0, metavar="MB_PER_S",
                     help="synthetic client writes per cluster, MB/s (0: idle)")
    sim.add_argument("--heartbeat-s", type=POSITIVE_S, default=10.0,
                     help="how often each simulated server reports (the daemon's --heartbeat-s)")
    sim.add_argument("--seed", type=INTEGER, default=0,
                     help="seed of the simulation's randomness (the same seed, the same clusters)")
    sim.add_argument("--state-dir", default=None,
                     help="keep the simulated clusters here, so a restarted fleet resumes them "
                          "(and the keys in DIR/keys unless --key-dir; default: forgotten at exit)")
    add_log_args(sim)


def add_agent_parser(sub, prog: str | None = None) -> argparse.ArgumentParser:
    agent = sub.add_parser("agent", help="run the agent of a real Ceph server", formatter_class=HelpFormatter,
                           **({"prog": prog} if prog else {}))
    agent.add_argument("--connect", required=True, type=endpoints,
                       help="the daemon's bus endpoint, tcp://HOST:PORT; for an HA group every "
                            "manager's, comma-separated (tcp://m1:8003,tcp://m2:8003): the agent "
                            "stays with the one that answers as active")
    add_server_key_args(agent)
    agent.add_argument("--key-dir", default=DEFAULT_KEY_DIR,
                       help="where this agent's key pair lives (agent.key, agent.key_secret; made if absent)")
    agent.add_argument("--fqdn", default=None, help="this server's name (default: the host's FQDN)")
    agent.add_argument("--ceph-conf", default="/etc/ceph/ceph.conf", help="the cluster's configuration file")
    agent.add_argument("--keyring", default=None, help="default: the one ceph.conf names")
    agent.add_argument("--ceph-name", default="client.admin",
                       help="the cephx user the agent connects as (README: the capabilities it needs)")
    agent.add_argument("--admin-socket-dir", default="/var/run/ceph",
                       help="where this server's Ceph daemons keep their admin sockets")
    agent.add_argument("--log-dir", default="/var/log/ceph", help="Ceph's logs on this server (the cluster log)")
    agent.add_argument("--heartbeat-s", type=POSITIVE_S, default=10.0,
                       help="how often to report to the manager (its --heartbeat-s)")
    agent.add_argument("--watch-s", type=NON_NEGATIVE, default=0.5,
                       help="how often to check the map epochs between beats (0: never)")
    agent.add_argument("--print-fingerprint", action="store_true",
                       help="create (or read) the key pair in --key-dir, print its fingerprint and "
                            "exit, touching neither Ceph nor the bus (the /bootstrap script does)")
    add_log_args(agent)
    return agent


def add_log_args(parser) -> None:
    """--log-level / --log-format after the subcommand too (`calamari-agent --log-level DEBUG`);
    before it, the daemon's own flags set them."""
    parser.add_argument("--log-level", type=log_level, default=argparse.SUPPRESS,
                        help=f"{', '.join(LOG_LEVELS)} (default INFO)")
    parser.add_argument("--log-format", type=log_format, default=argparse.SUPPRESS,
                        help="text, or json: one JSON object a line (default text)")
