"""Facts about the local host ("grains"): what an agent reports and what `api/v2/grains` shows."""
from __future__ import annotations

import os
import platform
import socket
import struct


def _ipv4_of(name: str) -> str | None:
    """The interface's IPv4 address via the SIOCGIFADDR ioctl (Linux); None if it has none."""
    try:
        import fcntl
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            packed = fcntl.ioctl(sock.fileno(), 0x8915, struct.pack("256s", name.encode()[:15]))
        return socket.inet_ntoa(packed[20:24])
    except (OSError, ImportError):
        return None


def _ip_interfaces() -> dict:
    """Interface name -> list of IPv4 addresses."""
    interfaces = {}
    for _index, name in socket.if_nameindex():
        addr = _ipv4_of(name)
        interfaces[name] = [addr] if addr else []
    return interfaces


def local_grains() -> dict:
    """Computed once at start-up (name resolution can be slow); never per request."""
    fqdn = socket.getfqdn()
    try:
        ipaddr = socket.gethostbyname(socket.gethostname())
    except OSError:
        ipaddr = None
    uname = platform.uname()
    return {
        "fqdn": fqdn,
        "host": fqdn.split(".")[0],
        "nodename": uname.node,
        "kernel": uname.system,
        "kernelrelease": uname.release,
        "cpuarch": uname.machine,
        "os": platform.system(),
        "osrelease": platform.release(),
        "pythonversion": platform.python_version(),
        "num_cpus": os.cpu_count(),
        "ipv4": [ipaddr] if ipaddr else [],
        "ip_interfaces": _ip_interfaces(),
    }
