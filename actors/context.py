"""What every domain actor is handed at construction: its peers and the daemon's timings; and
the time budgets of one API request, which must nest."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import pykka

from actors.notices import Notices

# --- one API request's time budgets, outermost first: each must end inside the one above ------
# The web tier waits this long for any Api Future, then answers 504 (web/settings.py,
# web/bridge.py). The daemon's own waits below end sooner, so the caller gets their answer
# (a 503 naming what did not answer) rather than the web's bare 504.
WEB_ASK_S = 10.0
# A synchronous call answered by agents (cli, its command signatures, logs) tries mon after mon
# within this: WEB_ASK_S less 2 s for the directory's and the loop's hops either side.
AGENT_CALLS_S = WEB_ASK_S - 2.0
# Each agent tried gets an equal share of AGENT_CALLS_S, at most Timings.call_timeout_s and at
# least this (so no more than AGENT_CALLS_S / MIN_AGENT_CALL_S mons are tried).
MIN_AGENT_CALL_S = 1.0
CALL_TIMEOUT_S = 3.0



@dataclass(frozen=True)
class Timings:
    heartbeat_s: float = 10.0          # agents' heartbeat period
    favourite_timeout_factor: int = 3  # favourite mon replaced after this many silent periods
    server_late_factor: int = 3        # "server late" after this many silent periods
    cluster_late_factor: int = 6       # "cluster late" (60 s at the default period)
    fetch_timeout_s: float = 10.0      # an unanswered map fetch is re-issued after this
    job_timeout_s: float = 30.0        # deadline given to agents for map fetches
    call_timeout_s: float = CALL_TIMEOUT_S   # a synchronous call (CLI, logs) tries the next mon after this
    stats_fetch_every: int = 6         # osd_df/osd_perf asked every this many favourite heartbeats
    trend_min_span_s: float = 1800.0   # days_until_full needs history spanning at least this

    @property
    def favourite_timeout_s(self) -> float:
        return self.heartbeat_s * self.favourite_timeout_factor

    @property
    def server_late_s(self) -> float:
        return self.heartbeat_s * self.server_late_factor

    @property
    def cluster_late_s(self) -> float:
        return self.heartbeat_s * self.cluster_late_factor


@dataclass(frozen=True)
class Peers:
    store: pykka.ActorRef
    eventer: pykka.ActorRef
    directory: pykka.ActorRef
    # send_job(agent_id, function, args, reply_to, timeout_s) -> job_id; thread-safe
    send_job: Callable[..., str]
    # cluster_ref(fsid) -> ActorRef | None; thread-safe
    cluster_ref: Callable[[str], pykka.ActorRef | None]
    # publish_cluster(fsid, summary dict | None); thread-safe shared read model for GET /cluster
    publish_cluster: Callable[[str, dict | None], None]
    tracker: pykka.ActorRef | None = None   # the request tracker (absent in some unit tests)
    # share_queries(fsid, QueryCache): a cluster's cached read answers, which the web tier may
    # read without a trip through the cluster's actor (absent in some unit tests)
    share_queries: Callable[[str, object], None] | None = None
    # publish_fleet_row(fsid, row): a cluster's row of GET fleet (actors/cluster/views/fleet.py)
    publish_fleet_row: Callable[[str, dict], None] | None = None
    # note_contact(fqdn, last contact | None): a managed server's latest contact, for GET fleet
    note_contact: Callable[[str, float | None], None] | None = None
    # note_synced(fsid): the cluster caught up once since start, for the readiness probe
    note_synced: Callable[[str], None] | None = None
    # what just happened, for the live stream and the metrics (actors/notices.py); by default
    # one nobody listens to
    notices: Notices = field(default_factory=Notices)
