"""The mutable records a SimCluster is made of (plain data; the model owns and locks them)."""
from __future__ import annotations

import random
import time
import uuid
from dataclasses import dataclass, field

TIB = 1 << 40
DAY = 86400.0


def timestamp(epoch_s: float, zone: str = "+0000") -> str:
    """Ceph's JSON time format: "2026-11-26T10:00:00.000000+0000" (utime_t, as `osd dump`
    prints it); `zone="Z"` gives the ISO form `mon dump` and `osd metadata` print."""
    whole = int(epoch_s)
    micros = int(round((epoch_s - whole) * 1e6))
    if micros >= 1_000_000:
        whole, micros = whole + 1, micros - 1_000_000
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + f".{micros:06d}{zone}"


@dataclass
class Host:
    index: int
    hostname: str
    fqdn: str
    public_ip: str
    cluster_ip: str
    boot_time: float
    ceph_version: str
    num_cpus: int
    mem_total_mb: int
    osd_ids: list[int] = field(default_factory=list)
    mon: str | None = None

    def grains(self) -> dict:
        """The agent's host facts (salt-style grains)."""
        return {"fqdn": self.fqdn, "host": self.hostname, "nodename": self.hostname,
                "kernel": "Linux", "kernelrelease": "5.10.0-21-amd64", "cpuarch": "x86_64",
                "os": "Debian", "osrelease": "11", "num_cpus": self.num_cpus,
                "mem_total": self.mem_total_mb,
                "ip_interfaces": {"eth0": [self.public_ip], "eth1": [self.cluster_ip]},
                "ipv4": [self.public_ip, self.cluster_ip]}


@dataclass
class Osd:
    id: int
    host: int            # Host.index
    slot: int            # position on its host (ports, device names)
    uuid: str
    nonce: int
    up_from: int
    up_thru: int
    up: bool = True
    in_: bool = True
    running: bool = True  # the daemon process (False after stop_osd)
    reweight: float = 1.0
    crush_weight: float = 1.8194  # TiB: a "2 TB" disk, as Ceph weighs it (not a round number)
    down_at: int = 0
    device_class: str = "hdd"
    boot_at: float | None = None  # simulated time at which a running, down OSD boots again
    last_scrub: float = 0.0       # wall-clock stamps of the last scrub / deep-scrub / repair
    last_deep_scrub: float = 0.0
    last_repair: float = 0.0
    fullness: str = ""            # "", "nearfull", "backfillfull" or "full": its state in the map


@dataclass
class Mon:
    name: str
    rank: int
    host: int  # Host.index
    running: bool = True


@dataclass
class Pool:
    id: int
    name: str
    size: int
    min_size: int
    crush_rule: int
    pg_num: int
    create_time: float
    last_change: int
    application: str
    flags: int = 1  # hashpspool
    type: int = 1   # replicated
    pgp_num: int = 0  # 0: the same as pg_num
    quota_max_bytes: int = 0
    quota_max_objects: int = 0
    erasure_code_profile: str = ""
    stripe_width: int = 0
    options: dict = field(default_factory=dict)   # `osd pool set <pool> pg_num_min …` and kin
    # Usage (sim/usage/): user bytes (one replica) and objects stored, and the client operations
    # and bytes read and written since the pool was made (`df detail` rd, rd_bytes, wr, wr_bytes).
    # Floats: a load of a few MB/s over a fraction of a second adds a fraction of an object.
    stored: float = 0.0
    objects: float = 0.0
    reads: float = 0.0
    read_bytes: float = 0.0
    writes: float = 0.0
    write_bytes: float = 0.0

    def __post_init__(self) -> None:
        if not self.pgp_num:
            self.pgp_num = self.pg_num


def build_topology(rng: random.Random, *, index: int, hosts: int, osds_per_host: int, now: float,
                   ceph_version: str, crush_weight: float) -> tuple[list[Host], dict[int, Osd], int]:
    """Hosts `ceph<index>-node<j>` with `osds_per_host` OSDs each, numbered host by host, each
    OSD of `crush_weight` (its size in TiB, as ceph-volume weighs a new OSD).
    Returns (hosts, osds by id, the OSD map epoch once every OSD has booted)."""
    host_list = []
    for j in range(hosts):
        hostname = f"ceph{index}-node{j:03d}"
        subnet = f"{j // 250}.{j % 250 + 1}"
        host_list.append(Host(
            index=j, hostname=hostname, fqdn=f"{hostname}.sim.test",
            public_ip=f"10.{index}.{subnet}", cluster_ip=f"10.{100 + index}.{subnet}",
            boot_time=float(int(now - rng.uniform(1, 30) * DAY)), ceph_version=ceph_version,
            num_cpus=rng.choice((8, 16, 32)), mem_total_mb=rng.choice((32768, 65536, 131072))))
    osds = {}
    epoch = 1 + hosts * osds_per_host  # the map after `osd create` of every OSD
    for host in host_list:
        for slot in range(osds_per_host):
            osd_id = host.index * osds_per_host + slot
            epoch += 1  # each OSD boots in its own epoch
            osds[osd_id] = Osd(id=osd_id, host=host.index, slot=slot,
                               uuid=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                               nonce=rng.randrange(1000, 4_000_000_000), up_from=epoch,
                               up_thru=epoch, crush_weight=crush_weight)
            host.osd_ids.append(osd_id)
    return host_list, osds, epoch
