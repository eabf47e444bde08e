"""What the /bootstrap script tells a new Ceph server: where the manager is (its public URL, for
the wheel) and how its agent reaches the bus (the endpoint and the manager's public bus key).
No tornado here: run.py's flag parsing imports it."""
from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

# tcp://HOST:PORT as an agent dials it: a DNS name, an IPv4 address or a bracketed IPv6 one.
ENDPOINT = re.compile(r"tcp://(?P<host>[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):(?P<port>[0-9]{1,5})")


def add_bootstrap_args(parser) -> None:
    parser.add_argument("--bus-public-endpoint", type=public_endpoint, default=None, metavar="tcp://HOST:PORT",
                        help="the bus endpoint the /bootstrap script gives new agents (default: the "
                             "public URL's host and the bus port bound; set it when agents reach the "
                             "bus by another name, or through NAT; with --ha, every member's, "
                             "separated by commas)")


def public_endpoint(text: str) -> str:
    """An argparse type: tcp://HOST:PORT that an agent can dial (no wildcard, port 1-65535), or
    several separated by commas: every member of an HA group (`--ha`), which the agent's
    `connect` takes as a list."""
    endpoints = [item.strip() for item in text.split(",")]
    for endpoint in endpoints:
        match = ENDPOINT.fullmatch(endpoint)
        if match is None or not 0 < int(match["port"]) <= 65535:
            raise argparse.ArgumentTypeError(f"{endpoint!r} is not tcp://HOST:PORT")
        if match["host"] in ("0.0.0.0", "*", "[::]"):
            raise argparse.ArgumentTypeError(f"{endpoint!r}: agents cannot dial a wildcard address")
    if len(set(endpoints)) != len(endpoints):
        raise argparse.ArgumentTypeError(f"{text!r} names an endpoint twice")
    return ",".join(endpoints)


@dataclass(frozen=True)
class BootstrapSettings:
    public_url: str       # scheme://host[:port] of the API: the script's and the wheel's URLs
    bus_endpoint: str     # tcp://HOST:PORT the agents dial
    server_key: str       # the manager's public bus key (z85): the only key the script holds
    problem: str = ""     # why no script can be served ("" when it can)


def bootstrap_settings(public_url: str, tls: bool, bus_bound: str, server_key: str,
                       bus_public_endpoint: str | None = None) -> BootstrapSettings:
    """From the daemon's public URL, whether the API serves HTTPS, the bus endpoint bound (port
    0 already resolved) and the flag. A script that would download the agent over plain HTTP
    from an HTTPS manager, or that names no reachable bus, is never served: `problem` says why."""
    parts = urlsplit(public_url)
    problem = ""
    if tls and parts.scheme != "https":
        problem = (f"the API serves HTTPS but its public URL {public_url!r} is not https://: the script "
                   "would install the agent over plain HTTP (fix --public-url)")
    endpoint = bus_public_endpoint or derived_endpoint(parts.hostname, bus_bound)
    if endpoint is None:
        problem = problem or (f"no bus endpoint for agents can be derived from {public_url!r} and "
                              f"{bus_bound!r}: set --bus-public-endpoint")
    return BootstrapSettings(public_url, endpoint or "", server_key, problem)


def derived_endpoint(host: str | None, bus_bound: str) -> str | None:
    """tcp://<the public URL's host>:<the bound bus port>: agents reach the bus by the name they
    reach the API by."""
    match = re.fullmatch(r"tcp://.*:([0-9]+)", bus_bound)
    if not host or match is None:
        return None
    host = f"[{host}]" if ":" in host else host
    try:
        return public_endpoint(f"tcp://{host}:{match[1]}")
    except argparse.ArgumentTypeError:
        return None
