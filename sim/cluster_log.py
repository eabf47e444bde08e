"""What a SimCluster writes to its logs, and the log files a host serves (list_logs/tail_log).

A mixin of SimCluster (sim/model.py). The cluster log gets a line per OSD map epoch
("osdmap e43: 12 total, 11 up, 12 in"), per OSD boot/down/in/out, per election, per applied
command (its Ceph status text) and per health change ("Health check failed: 1 osds down
(OSD_DOWN)", "... update: ...", "... cleared: ...", "Cluster is now healthy"); the audit log a
dispatch line per mon command and a finished line per successful one; daemon logs a few
startup lines and the events of their daemon.

The writers (log_cluster, log_daemon, audit_command, log_command_failed, log_changes) are public
for the mon command handlers (sim/commands/); like the model's own calls they expect the caller
to hold the cluster's lock.
"""
from __future__ import annotations

import hashlib
import json
import posixpath

from sim import ceph_json
from sim.state import Osd


class ClusterEvents:
    def _init_events(self) -> None:
        self._logged_epoch = self._osd_epoch
        self._logged_health = self._health_messages()
        self._log_election()

    # ----- writing ----------------------------------------------------------------------------

    def _log_source(self) -> str:
        quorum = self._quorum()
        running = [m for m in self._mons if m.running]
        mon = self._mons[quorum[0]] if quorum else (running[0] if running else self._mons[0])
        return f"mon.{mon.name} (mon.{mon.rank})"

    def log_cluster(self, level: str, text: str, *, channel: str = "cluster",
                    source: str | None = None) -> None:
        """A line in the cluster (or `channel`) log, from the leading mon unless `source` says;
        a mon's cluster lines also go to its daemon log, as Ceph's log_channel does."""
        if not self._mons:
            return
        source = source or self._log_source()
        self._logs.clog(source, channel, level, text)
        if source.startswith("mon.") and channel == "cluster":
            daemon = source.split(" ")[0]
            self._logs.daemon(daemon, f"log_channel({channel}) log [{level}] : {text}")

    def log_daemon(self, daemon: str, text: str, level: int = 0) -> None:
        self._logs.daemon(daemon, text, level)

    def audit_command(self, prefix: str, args: dict, finished: bool) -> None:
        """The audit log's dispatch line for a mon command (its finished line if `finished`)."""
        shown = {k: (f"<{len(v)} bytes>" if isinstance(v, str) and len(v) > 200 else v)
                 for k, v in args.items()}  # a CRUSH map text is not worth a log line
        cmd = json.dumps([{"prefix": prefix, **shown}], sort_keys=False, default=str)
        if finished:
            self.log_cluster("INF", f"from='client.admin' entity='client.admin' cmd='{cmd}': "
                             "finished", channel="audit")
        else:
            self.log_cluster("INF", f"from='client.admin' entity='client.admin' cmd={cmd}: "
                             "dispatch", channel="audit")

    def log_command_failed(self, prefix: str, error: Exception) -> None:
        """The answering mon's daemon log line for a mon command Ceph refused."""
        mon = self._log_source().split()[0]
        self.log_daemon(mon, f"mon command '{prefix}' failed: {error}", 1)

    def _log_election(self) -> None:
        quorum = self._quorum()
        if not quorum:
            for mon in self._mons:
                if mon.running:
                    self.log_daemon(f"mon.{mon.name}", f"mon.{mon.name}@{mon.rank}(probing) "
                                    f"e{self._monmap_epoch} calling monitor election", 1)
            return
        names = ",".join(self._mons[r].name for r in quorum)
        ranks = ",".join(str(r) for r in quorum)
        self.log_cluster("INF", f"mon.{self._mons[quorum[0]].name} is new leader, mons {names} "
                         f"in quorum (ranks {ranks})")

    def _log_osd_boot(self, osd: Osd) -> None:
        host = self._hosts[osd.host]
        port = ceph_json.osd_ports(osd)["public"]
        self.log_cluster("INF", f"osd.{osd.id} [v2:{host.public_ip}:{port}/{osd.nonce},"
                         f"v1:{host.public_ip}:{port + 1}/{osd.nonce}] boot")
        self.log_daemon(f"osd.{osd.id}", f"osd.{osd.id} {osd.up_from} state: booting -> active",
                        1)

    def _log_osd_down(self, osd: Osd) -> None:
        if osd.running:
            text = f"Monitor daemon marked osd.{osd.id} down, but it is still running"
            self.log_cluster("WRN", text, source=f"osd.{osd.id} (osd.{osd.id})")
            self.log_daemon(f"osd.{osd.id}", f"log_channel(cluster) log [WRN] : {text}")
        else:
            self.log_cluster("INF", f"osd.{osd.id} marked itself down and dead")

    def _log_osd_in_out(self, osd: Osd, in_: bool) -> None:
        if in_:
            self.log_cluster("INF", f"Client client.admin marked osd.{osd.id} in")
        else:
            state = "while it was still marked up" if osd.up else "while it was down"
            self.log_cluster("INF", f"Client client.admin marked osd.{osd.id} out, {state}")

    def _health_messages(self) -> dict[str, str]:
        return {code: check["summary"]["message"]
                for code, check in self.health()["checks"].items()}

    def log_changes(self) -> None:
        """Log a new OSD map epoch and health changes since the last call (after every change,
        and after each mon command)."""
        if self._osd_epoch != self._logged_epoch:
            self._logged_epoch = self._osd_epoch
            up = sum(1 for o in self._osds.values() if o.up)
            in_ = sum(1 for o in self._osds.values() if o.in_)
            self.log_cluster("DBG", f"osdmap e{self._osd_epoch}: {len(self._osds)} total, "
                             f"{up} up, {in_} in")
        before, after = self._logged_health, self._health_messages()
        if before == after:
            return
        severity = {code: check["severity"] for code, check in self.health()["checks"].items()}
        for code, message in after.items():
            level = "ERR" if severity.get(code) == "HEALTH_ERR" else "WRN"   # OSD_FULL is an error
            if code not in before:
                self.log_cluster(level, f"Health check failed: {message} ({code})")
            elif before[code] != message:
                self.log_cluster(level, f"Health check update: {message} ({code})")
        for code, message in before.items():
            if code not in after:
                self.log_cluster("INF", f"Health check cleared: {code} (was: {message})")
        if before and not after:
            self.log_cluster("INF", "Cluster is now healthy")
        self._logged_health = after

    # ----- daemon startup lines ---------------------------------------------------------------

    def _version_line(self, host_index: int, process: str, ident) -> str:
        pid = 1000 + int(hashlib.md5(f"{self.fsid}/{process}/{ident}".encode()).hexdigest()[:4], 16)
        version = ceph_json.version_string(self._hosts[host_index].ceph_version)
        return f"{version}, process {process}, pid {pid}"

    def _daemon_startup(self, daemon: str) -> list[tuple[float, str]]:
        kind, ident = daemon.split(".", 1)
        if kind == "mon":
            mon = self._mon(ident)
            stamp = self._hosts[mon.host].boot_time + 10
            return [(stamp, self._version_line(mon.host, "ceph-mon", ident)),
                    (stamp, "pidfile_write: ignore empty --pid-file"),
                    (stamp + 0.1, f"mon.{ident}@-1(???) e{self._monmap_epoch} preinit fsid {self.fsid}"),
                    (stamp + 0.2, f"mon.{ident}@{mon.rank}(probing) e{self._monmap_epoch} bootstrap")]
        osd = self._osd(int(ident))
        stamp = self._hosts[osd.host].boot_time + 20
        data = f"/var/lib/ceph/osd/{self.name}-{ident}"
        return [(stamp, self._version_line(osd.host, "ceph-osd", ident)),
                (stamp + 0.5, f"bluestore({data}) _mount path {data}"),
                (stamp + 1.0, f"osd.{ident} 0 done with init, starting boot process"),
                (stamp + 1.1, f"osd.{ident} 0 start_boot")]

    # ----- reading ----------------------------------------------------------------------------

    def _host_daemons(self, fqdn: str) -> list[str]:
        host = self._host(fqdn)
        return ([f"mon.{host.mon}"] if host.mon is not None else []) + \
               [f"osd.{i}" for i in host.osd_ids]

    def list_logs(self, fqdn: str) -> list[str]:
        """The log files on one host, relative to /var/log, sorted (cluster and audit logs on
        mon hosts)."""
        with self.lock:
            host = self._host(fqdn)
            paths = self._logs.channel_paths() if host.mon is not None else []
            paths += [self._logs.daemon_path(d) for d in self._host_daemons(fqdn)]
            return sorted(paths)

    def tail_log(self, fqdn: str, path: str, lines: int) -> str:
        """The last `lines` lines of one of list_logs(fqdn). ValueError for a bad path or line
        count, LookupError for a file that is not there."""
        if not isinstance(path, str) or not path or path.startswith("/") or \
                ".." in path.split("/") or posixpath.normpath(path) != path:
            raise ValueError(f"invalid log path {path!r}: must be relative to /var/log")
        if isinstance(lines, str) and lines.strip().isdigit():
            lines = int(lines)  # as `tail -n` takes it
        if isinstance(lines, bool) or not isinstance(lines, int) or lines < 0:
            raise ValueError(f"lines must be a non-negative integer, got {lines!r}")
        with self.lock:
            if path not in self.list_logs(fqdn):
                raise LookupError(f"no log file {path!r} on {fqdn}")
            return self._logs.tail(path, lines, self._host_daemons(fqdn))
