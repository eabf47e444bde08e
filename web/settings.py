"""What the web tier needs from its caller, computed once at start-up (never per request)."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class WebSettings:
    cookie_secret: bytes                 # signs the session cookie
    hostname: str | None = None          # this manager's short host name (`info`)
    fqdn: str | None = None              # this manager's fully qualified name (`info`)
    ipaddr: str | None = None            # this manager's address (`info`)
    version: str = "dev"                 # `info.version`
    ask_timeout_s: float = 10.0          # deadline for every Api Future (then 504)
    grains: dict = field(default_factory=dict)   # this manager's own host grains (`grains`)
    secure_cookies: bool = False         # mark cookies Secure (serve over HTTPS only)
