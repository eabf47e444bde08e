"""A real Ceph 16 cluster of three "hosts" on loopback addresses, for the multi-host tests.

Each host (127.0.0.11, .12, .13; nothing outside 127.0.0.0/8) has a mon and two memstore OSDs,
its own admin-socket directory (what its agent's --admin-socket-dir points at), its own log
directory and its own CRUSH host bucket (host11, host12, host13); host11 also runs the one mgr.
Everything lives in one directory (the admin sockets in a short one under /tmp: AF_UNIX paths
are limited to ~107 bytes). Every command is an argument list; nothing goes through a shell.

    cluster = MultiHostCluster.start(tmp_path)   # ~10 s on 2 cores
    try: ... cluster.hosts[0].conf / .run_dir / .log_dir (what an AgentProcess needs) ...
    finally: cluster.stop()                       # ~1-2 s; SIGKILL whatever is left after 3 s
"""
from __future__ import annotations

import json
import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from tests.helpers import wait_until

ADDRESSES = ("127.0.0.11", "127.0.0.12", "127.0.0.13")
OSDS_PER_HOST = 2
OSD_BYTES = 384 * 1024 * 1024
MGR_ID = "x"


class DaemonExited(RuntimeError):
    """A daemon of the cluster exited while it was starting."""


@dataclass
class Host:
    """One "host": its address, CRUSH bucket, daemons and directories. Has the attributes an
    AgentProcess reads from a cluster (conf, keyring, run_dir, log_dir)."""
    name: str            # host11: the CRUSH host bucket
    address: str         # 127.0.0.11
    mon_id: str          # a, b, c
    osd_ids: tuple
    run_dir: Path        # admin sockets and pid files of this host's daemons
    log_dir: Path
    conf: str
    keyring: str
    mgr: bool = False

    @property
    def fqdn(self) -> str:
        return f"{self.name}.test"

    @property
    def daemons(self) -> list[str]:
        return [f"mon.{self.mon_id}", *([f"mgr.{MGR_ID}"] if self.mgr else []),
                *(f"osd.{i}" for i in self.osd_ids)]


@dataclass
class MultiHostCluster:
    directory: Path
    sock_root: Path
    fsid: str
    port: int
    hosts: list
    procs: dict = field(default_factory=dict)   # daemon name -> Popen

    # ---- start ----------------------------------------------------------------------------------

    @classmethod
    def start(cls, directory: Path, timeout_s: float = 30.0) -> "MultiHostCluster":
        """Started and ready (quorum of 3, 6 OSDs up+in, the mgr available) within `timeout_s`.
        A daemon that exits while starting (e.g. a mon whose port was taken in the meantime)
        costs one fresh attempt in a directory of its own; a second failure raises."""
        try:
            return cls._start(Path(directory) / "1", timeout_s)
        except DaemonExited:
            return cls._start(Path(directory) / "2", timeout_s)

    @classmethod
    def _start(cls, directory: Path, timeout_s: float) -> "MultiHostCluster":
        directory.mkdir(parents=True)
        port = _free_port_pair()
        sock_root = Path(tempfile.mkdtemp(prefix="ceph-mh-", dir="/tmp"))
        conf, keyring = directory / "ceph.conf", directory / "keyring"
        hosts = []
        for n, address in enumerate(ADDRESSES):
            name = f"host{address.rsplit('.', 1)[1]}"
            host = Host(name=name, address=address, mon_id="abc"[n],
                        osd_ids=tuple(range(n * OSDS_PER_HOST, (n + 1) * OSDS_PER_HOST)),
                        run_dir=sock_root / name, log_dir=directory / name / "log",
                        conf=str(conf), keyring=str(keyring), mgr=(n == 0))
            host.run_dir.mkdir(parents=True)
            host.log_dir.mkdir(parents=True)
            hosts.append(host)
        cluster = cls(directory, sock_root, str(uuid.uuid4()), port, hosts)
        try:
            cluster._bootstrap(timeout_s)
        except BaseException:
            cluster.stop()
            raise
        return cluster

    def _bootstrap(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        for sub in ("tmp", "crash", f"mgr.{MGR_ID}"):
            (self.directory / sub).mkdir(exist_ok=True)
        Path(self.conf).write_text(self._conf_text())
        self._make_keyring()
        monmap = self.directory / "monmap"
        words = ["monmaptool", "--create", "--clobber", "--fsid", self.fsid]
        for host in self.hosts:
            words += ["--addv", host.mon_id, self._mon_addrs(host)]
        _run([*words, "--enable-all-features", "--set-min-mon-release", "pacific", str(monmap)])
        for host in self.hosts:
            (self.directory / f"mon.{host.mon_id}").mkdir()
            _run(["ceph-mon", "-c", self.conf, "-i", host.mon_id, "--mkfs", "--monmap", str(monmap),
                  "--keyring", self.keyring])
        for host in self.hosts:
            self._spawn(host, f"mon.{host.mon_id}")
        # OSD mkfs needs no mon (the fsid is in ceph.conf): in parallel, while the mons elect
        uuids = {i: str(uuid.uuid4()) for host in self.hosts for i in host.osd_ids}
        mkfs = {}
        for host in self.hosts:
            for i in host.osd_ids:
                (self.directory / f"osd.{i}").mkdir()
                with open(host.log_dir / f"osd.{i}.stdout", "ab") as out:
                    mkfs[i] = subprocess.Popen(
                        ["ceph-osd", "-c", self.conf, "-i", str(i), "--mkfs", "--osd-uuid", uuids[i],
                         "--no-mon-config"], stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        handle = self._connect(deadline)
        try:
            self._mon_command(handle, prefix="config set", who="mgr",
                              name="mgr/devicehealth/enable_monitoring", value="false", force=True)
            for i, osd_uuid in uuids.items():
                self._mon_command(handle, prefix="osd new", uuid=osd_uuid, id=i)
            for i, proc in mkfs.items():
                if proc.wait(timeout=max(1.0, deadline - time.monotonic())) != 0:
                    raise RuntimeError(f"ceph-osd --mkfs of osd.{i} failed:\n{self._tails()}")
            self._spawn(self.hosts[0], f"mgr.{MGR_ID}")
            for host in self.hosts:
                for i in host.osd_ids:
                    self._spawn(host, f"osd.{i}")
            wait_until(lambda: self._ready(handle), timeout_s=max(1.0, deadline - time.monotonic()),
                       every_s=0.2, what="3 mons in quorum, 6 OSDs up+in, the mgr available")
        except DaemonExited as exc:
            raise DaemonExited(f"the multi-host cluster did not start: {exc}\n{self._tails()}") from exc
        except Exception as exc:
            raise RuntimeError(f"the multi-host cluster did not start: {exc}\n{self._tails()}") from exc
        finally:
            handle.shutdown()

    def _ready(self, handle) -> bool:
        self._check_alive()
        status = self._mon_command(handle, prefix="status", format="json")
        osdmap = status["osdmap"]
        n = len(self.hosts) * OSDS_PER_HOST
        return (len(status.get("quorum_names", [])) == len(self.hosts)
                and osdmap["num_osds"] == osdmap["num_up_osds"] == osdmap["num_in_osds"] == n
                and status["mgrmap"]["available"])

    def _check_alive(self) -> None:
        dead = [name for name, proc in self.procs.items() if proc.poll() is not None]
        if dead:
            raise DaemonExited(f"daemon(s) exited: {', '.join(dead)}")

    def _connect(self, deadline: float):
        from agent.ceph.rados_loader import load_rados
        rados = load_rados()
        last = None
        while time.monotonic() < deadline:
            self._check_alive()
            handle = rados.Rados(conffile=self.conf, conf={"keyring": self.keyring,
                                                           "client_mount_timeout": "10",
                                                           "rados_mon_op_timeout": "15"})
            try:
                handle.connect(timeout=10)
                return handle
            except Exception as exc:   # the mons are still electing
                last = exc
                handle.shutdown()
        raise RuntimeError(f"could not connect to the mons: {last}")

    @staticmethod
    def _mon_command(handle, **command):
        ret, out, err = handle.mon_command(json.dumps(command), b"", timeout=15)
        if ret != 0:
            raise RuntimeError(f"mon command {command}: {ret} {err}")
        return json.loads(out) if command.get("format") == "json" else out

    def _mon_addrs(self, host: Host) -> str:
        return f"[v2:{host.address}:{self.port},v1:{host.address}:{self.port + 1}]"

    def _make_keyring(self) -> None:
        def gen(name: str, *caps: str) -> None:
            words = ["ceph-authtool", self.keyring, "--gen-key", "-n", name]
            for kind, cap in zip(caps[::2], caps[1::2]):
                words += ["--cap", kind, cap]
            _run(words)
        _run(["ceph-authtool", "--create-keyring", self.keyring, "--gen-key", "-n", "mon.",
              "--cap", "mon", "allow *"])
        gen("client.admin", "mon", "allow *", "osd", "allow *", "mds", "allow *", "mgr", "allow *")
        gen(f"mgr.{MGR_ID}", "mon", "allow profile mgr", "osd", "allow *", "mds", "allow *")
        for host in self.hosts:
            for i in host.osd_ids:
                gen(f"osd.{i}", "mon", "allow profile osd", "mgr", "allow profile osd", "osd", "allow *")
        os.chmod(self.keyring, 0o600)

    def _conf_text(self) -> str:
        d = self.directory
        lines = [
            "[global]", f"fsid = {self.fsid}",
            "mon_host = " + ",".join(self._mon_addrs(h) for h in self.hosts),
            "ms_bind_ipv4 = true", "ms_bind_ipv6 = false",
            "auth_cluster_required = cephx", "auth_service_required = cephx",
            "auth_client_required = cephx", "auth_allow_insecure_global_id_reclaim = false",
            f"keyring = {self.keyring}", f"crash_dir = {d / 'crash'}",
            "osd_pool_default_size = 3", "osd_pool_default_min_size = 2",
            "osd_pool_default_pg_num = 8", "osd_pool_default_pgp_num = 8",
            "osd_pool_default_pg_autoscale_mode = off",
            "osd_crush_chooseleaf_type = 1",          # replicas on different hosts
            "mon_allow_pool_delete = true", "mon_max_pg_per_osd = 1000",
            "mgr_stats_period = 1", "mgr_tick_period = 1", "osd_memory_target = 536870912",
            "", "[client]", "client_mount_timeout = 30",
            "", "[mon]", f"mon_data = {d}/mon.$id", f"mon_cluster_log_file = {d}/ceph.log",
            "mon_data_avail_warn = 2", "mon_data_avail_crit = 1",
            # three mons started together often need a few election rounds before all three
            # are in quorum: 1 s a round on loopback instead of 5 s
            "mon_election_timeout = 1",
            # a stopped mon is noticed when a paxos lease (or its ack) times out, mon_lease x 2:
            # 4 s instead of 10 s before the others elect a quorum without it
            "mon_lease = 2",
            "mon_osd_min_down_reporters = 1", "paxos_propose_interval = 0.1",
            "mon_osd_report_timeout = 30", "mgr_initial_modules = iostat",
            # a mon whose port is taken exits after ~1 s (not 10 s): start then tries again
            "ms_bind_retry_count = 1", "ms_bind_retry_delay = 1",
            "", "[mgr]", f"mgr_data = {d}/mgr.$id",
            "", "[osd]", f"osd_data = {d}/osd.$id", "osd_objectstore = memstore",
            # memstore keeps its data across a restart only through a clean umount
            "osd_fast_shutdown = false", f"memstore_device_bytes = {OSD_BYTES}",
            "osd_op_num_shards = 2", "osd_op_num_threads_per_shard = 1",
            "osd_scrub_load_threshold = 100", "osd_beacon_report_interval = 5",
            "osd_crush_update_on_start = true",
        ]
        for host in self.hosts:
            for name in host.daemons:
                lines += ["", f"[{name}]", f"public_addr = {host.address}",
                          f"admin_socket = {host.run_dir}/$cluster-$name.asok",
                          f"pid_file = {host.run_dir}/$name.pid",
                          f"log_file = {host.log_dir}/$name.log"]
                if name.startswith("osd."):
                    lines += [f"cluster_addr = {host.address}",
                              f"crush_location = root=default host={host.name}"]
        return "\n".join(lines) + "\n"

    def _spawn(self, host: Host, name: str) -> None:
        kind, ident = name.split(".", 1)
        with open(host.log_dir / f"{name}.stdout", "ab") as out:
            self.procs[name] = subprocess.Popen(
                [f"ceph-{kind}", "-i", ident, "-c", self.conf, "-f"], stdin=subprocess.DEVNULL,
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                env={**os.environ, "TMPDIR": str(self.directory / "tmp")})

    def _tails(self, lines: int = 15) -> str:
        parts = []
        for host in self.hosts:
            for log in sorted(host.log_dir.glob("*")):
                text = log.read_text(errors="replace").splitlines()[-lines:]
                parts.append(f"--- {log.name} ({host.name})\n" + "\n".join(text))
        return "\n".join(parts)[-8000:]

    # ---- stop -----------------------------------------------------------------------------------

    def stop(self, grace_s: float = 3.0) -> None:
        """SIGTERM the OSDs (a memstore OSD saves its data), then the mgr and mons; SIGKILL
        whatever is left after `grace_s`; remove the sockets' directory."""
        try:
            osds = [p for n, p in self.procs.items() if n.startswith("osd.")]
            others = [p for n, p in self.procs.items() if not n.startswith("osd.")]
            _terminate(osds, grace_s / 2)
            _terminate(others, grace_s / 2)
        finally:
            shutil.rmtree(self.sock_root, ignore_errors=True)

    def stop_daemon(self, name: str, grace_s: float = 3.0) -> None:
        proc = self.procs.get(name)
        if proc is not None:
            _terminate([proc], grace_s)

    def start_daemon(self, name: str) -> None:
        host = next(h for h in self.hosts if name in h.daemons)
        self._spawn(host, name)

    # ---- the cluster's view ---------------------------------------------------------------------

    @property
    def conf(self) -> str:
        return str(self.directory / "ceph.conf")

    @property
    def keyring(self) -> str:
        return str(self.directory / "keyring")

    def at_rest(self) -> bool:
        """Every mon in quorum and every OSD up and in, per `ceph status`."""
        try:
            status = self.ceph_json("status", timeout_s=15)
        except (subprocess.SubprocessError, ValueError):
            return False
        osdmap = status["osdmap"]
        n = len(self.hosts) * OSDS_PER_HOST
        return (len(status.get("quorum_names", [])) == len(self.hosts)
                and osdmap["num_osds"] == osdmap["num_up_osds"] == osdmap["num_in_osds"] == n)

    def host_of_osd(self, osd_id: int) -> Host:
        return next(h for h in self.hosts if osd_id in h.osd_ids)

    def ceph(self, *words: str, timeout_s: float = 60) -> str:
        """`ceph WORDS` on this cluster; its stdout (CalledProcessError if it fails)."""
        return subprocess.run(["ceph", "--conf", self.conf, "--keyring", self.keyring, *words],
                              capture_output=True, text=True, timeout=timeout_s, check=True).stdout

    def ceph_json(self, *words: str, timeout_s: float = 60):
        return json.loads(self.ceph(*words, "-f", "json", timeout_s=timeout_s))

    def ceph_on(self, host: Host, *words: str, timeout_s: float = 60) -> str:
        """`ceph WORDS` as typed on `host`: its client knows only that host's mon (-m), so the
        command reaches the cluster through that mon alone."""
        return self.ceph("-m", self._mon_addrs(host), *words, timeout_s=timeout_s)

    def agent_user(self, name: str = "client.calamari") -> str:
        """The cephx user the README tells operators to make for the agent; its keyring's path."""
        from actors.cluster.commands.agent_caps import get_or_create_words
        keyring = self.directory / f"{name}.keyring"
        if not keyring.exists():
            keyring.write_text(self.ceph(*get_or_create_words(name)))
        return str(keyring)


def _terminate(procs: list, grace_s: float) -> None:
    for proc in procs:
        if proc.poll() is None:
            _signal(proc, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    for proc in procs:
        try:
            proc.wait(timeout=max(0.01, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _signal(proc, signal.SIGKILL)
            proc.wait(timeout=5)


def _signal(proc: subprocess.Popen, sig: int) -> None:
    try:
        proc.send_signal(sig)
    except ProcessLookupError:
        pass


def _run(words: list) -> None:
    done = subprocess.run(words, capture_output=True, text=True, timeout=30)
    if done.returncode != 0:
        raise RuntimeError(f"{words[0]} failed ({done.returncode}): {done.stderr[-2000:]}")


def _free_port_pair() -> int:
    """A port P such that P and P+1 are free on every host's address."""
    for _ in range(50):
        port = random.randrange(20000, 32000)   # below the ephemeral range of outgoing connections
        if all(_bindable(a, p) for a in ADDRESSES for p in (port, port + 1)):
            return port
    raise RuntimeError("no free port pair on the loopback hosts")


def _bindable(address: str, port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((address, port))
            return True
        except OSError:
            return False
