"""The flags of `run.py sim` (a simulated fleet as its own process) and `run.py agent` (the
agent of a real Ceph server)."""
from __future__ import annotations

from agent.keys import DEFAULT_KEY_DIR, add_server_key_args
from config.types import NON_NEGATIVE, POSITIVE_INT, POSITIVE_S


def add_sim_parser(sub) -> None:
    sim = sub.add_parser("sim", help="run a simulated fleet against a daemon started with --no-sim")
    sim.add_argument("--connect", required=True, help="the daemon's bus endpoint")
    add_server_key_args(sim)
    sim.add_argument("--key-dir", default=None,
                     help="keep the simulated servers' key pairs here (default: new ones in memory)")
    sim.add_argument("--clusters", type=POSITIVE_INT, default=1, help="simulated clusters (default 1)")
    sim.add_argument("--servers", type=POSITIVE_INT, default=3,
                     help="servers per cluster; the first three run mons (default 3)")
    sim.add_argument("--osds-per-server", type=POSITIVE_INT, default=4, help="OSDs per server (default 4)")
    sim.add_argument("--client-load", type=NON_NEGATIVE, default=4.0, metavar="MB_PER_S",
                     help="synthetic client writes per cluster, MB/s (0: idle)")
    sim.add_argument("--heartbeat-s", type=POSITIVE_S, default=10.0)
    sim.add_argument("--seed", type=int, default=0)
    sim.add_argument("--state-dir", default=None,
                     help="keep the simulated clusters here, so a restarted fleet resumes them "
                          "(and the keys in DIR/keys unless --key-dir; default: forgotten at exit)")


def add_agent_parser(sub) -> None:
    agent = sub.add_parser("agent", help="run the agent of a real Ceph server")
    agent.add_argument("--connect", required=True, help="the daemon's bus endpoint, tcp://HOST:PORT")
    add_server_key_args(agent)
    agent.add_argument("--key-dir", default=DEFAULT_KEY_DIR,
                       help="where this agent's key pair lives (agent.key, agent.key_secret; made if absent)")
    agent.add_argument("--fqdn", default=None, help="this server's name (default: the host's FQDN)")
    agent.add_argument("--ceph-conf", default="/etc/ceph/ceph.conf")
    agent.add_argument("--keyring", default=None, help="default: the one ceph.conf names")
    agent.add_argument("--ceph-name", default="client.admin",
                       help="the cephx user the agent connects as (README: the capabilities it needs)")
    agent.add_argument("--admin-socket-dir", default="/var/run/ceph")
    agent.add_argument("--log-dir", default="/var/log/ceph")
    agent.add_argument("--heartbeat-s", type=POSITIVE_S, default=10.0)
    agent.add_argument("--watch-s", type=float, default=0.5,
                       help="how often to check the map epochs between beats (0: never)")
