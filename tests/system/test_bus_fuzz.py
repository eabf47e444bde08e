"""Bus fuzz: an authenticated agent sends random and truncated frames, msgpack of the wrong types
and shapes, a frame over the size limit and a flood; an impostor floods too. The daemon stays up,
keeps managing the real fleet, its memory stays flat, and every drop is counted in `api/v2/bus`."""
from __future__ import annotations

import random
import re

import zmq

from bus import protocol
from bus.protocol import PROTOCOL_VERSION, ClusterHeartbeat, JobResult, packb
from bus.server import UNACCEPTED_MAX_BYTES
from tests.bus_helpers import FUZZER, beat, curve_client
from tests.helpers import wait_until
from tests.system.cluster_helpers import synced_cluster

RSS_GROWTH_LIMIT = 100 * 1024 * 1024      # generous: this run grows ~15 MiB; the oversize frame alone is 64
V = PROTOCOL_VERSION


def rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        return int(re.search(r"VmRSS:\s+(\d+) kB", status.read()).group(1)) * 1024


def hostile_messages(rng: random.Random) -> list[list[bytes]]:
    good = beat()[1]
    envelope = {"kind": "server_heartbeat", "sender": FUZZER, "sent_at": 1.0,
                "body": {"fqdn": FUZZER, "hostname": "f", "boot_time": 1.0, "ceph_version": None}}
    out = [[rng.randbytes(rng.randrange(0, 3000)) for _ in range(rng.randrange(1, 5))] for _ in range(1500)]
    out += [[V, good[:rng.randrange(len(good))]] for _ in range(300)]             # truncated
    out += [[V, packb(value)] for value in (None, 1, -1, 2**63, 1.5, "x", b"x", [], [envelope], True)]
    for key, bad in (("kind", 7), ("kind", None), ("sender", 5), ("sent_at", "now"), ("body", []),
                     ("body", {**envelope["body"], "fqdn": {"nested": [1, 2]}}),
                     ("body", {**envelope["body"], "boot_time": "yesterday"}),
                     ("body", {**envelope["body"], "services": "all of them"})):
        out.append([V, packb({**envelope, key: bad})])
    out.append([V, b"\x91" * 200_000 + b"\xc0"])                                   # deep nesting
    out.append([V, b"\xdd\xff\xff\xff\xff"])                                        # a 4-billion list header
    out.append([V, packb({str(i): i for i in range(50_000)})])                      # a wide map
    # Well-typed, nonsense content: reaches the actors, which must shrug it off.
    out.append(beat(services=[{"junk": 1}, {"fsid": 5, "type": None, "id": [], "running": "?"}],
                    grains={"ip_interfaces": {"eth0": [None, 3]}, "deep": [[[[{}]]]]}))
    out.append(protocol.encode(JobResult("no-such-job", True, result={"x": 1}), sender=FUZZER))
    out.append(protocol.encode(ClusterHeartbeat("not-an-fsid", "junk", {"osd_map": "bogus", "x": [1]}),
                               sender=FUZZER))
    rng.shuffle(out)
    return out


def test_a_hostile_agent_does_not_hurt_the_daemon(daemon, api, fleet):
    fsid = synced_cluster(api, fleet)
    baseline = rss_bytes(daemon.proc.pid)
    rng = random.Random(5)
    ctx = zmq.Context()
    fuzzer, impostor = ctx.socket(zmq.DEALER), ctx.socket(zmq.DEALER)
    try:
        for sock in (fuzzer, impostor):
            sock.linger = 0
            curve_client(sock, daemon.bus_key)
            sock.connect(daemon.bus_endpoint)
        fuzzer.send_multipart(beat())                 # auto-accepted as FUZZER: now it is trusted
        wait_until(lambda: api.get(f"server/{FUZZER}").status_code == 200)
        for frames in hostile_messages(rng):
            fuzzer.send_multipart(frames)
        fuzzer.send_multipart([V, b"\x00" * (protocol.MAX_MESSAGE_BYTES + 8192)])  # cut off by libzmq
        for _ in range(10_000):                       # a flood, once it has reconnected by itself
            fuzzer.send_multipart(beat())
        victim = sorted(fleet.backends)[0]
        for _ in range(2_000):                        # an impostor of a real server, flooding
            impostor.send_multipart(beat(victim))
        impostor.send_multipart(beat(victim, grains={"pad": "x" * UNACCEPTED_MAX_BYTES}))

        stats = wait_until(lambda: (s := api.get("bus").json())["dropped_flood"] > 0
                           and s["dropped_other_key"] > 0 and s, timeout_s=20)
        assert stats["dropped_malformed"] >= 900
        before = {s["fqdn"]: s["last_contact"] for s in api.get("server").json()}
        wait_until(lambda: all(s["last_contact"] > before[s["fqdn"]] for s in api.get("server").json()
                               if s["fqdn"] in fleet.backends), what="the real fleet still heard")
        assert daemon.proc.poll() is None
        assert api.get(f"cluster/{fsid}/osd").status_code == 200
        growth = rss_bytes(daemon.proc.pid) - baseline
        assert growth < RSS_GROWTH_LIMIT, f"the daemon grew by {growth / 2**20:.0f} MiB"
        assert "Traceback" not in daemon.log_text()
    finally:
        fuzzer.close(linger=0)
        impostor.close(linger=0)
        ctx.term()
