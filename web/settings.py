"""What the web tier needs from its caller, computed once at start-up (never per request)."""
from __future__ import annotations

from dataclasses import dataclass, field

from actors.context import WEB_ASK_S


@dataclass(frozen=True)
class WebSettings:
    cookie_secret: bytes                 # signs the session cookie
    hostname: str | None = None          # this manager's short host name (`info`)
    fqdn: str | None = None              # this manager's fully qualified name (`info`)
    ipaddr: str | None = None            # this manager's address (`info`)
    version: str = "dev"                 # `info.version`
    ask_timeout_s: float = WEB_ASK_S     # deadline for every Api Future (then 504); the daemon's own waits fit inside it
    grains: dict = field(default_factory=dict)   # this manager's own host grains (`grains`)
    secure_cookies: bool = False         # mark cookies Secure (serve over HTTPS only)
    login_failure_delay_s: float = 1.0   # a failed login answers no sooner (slow for guessers only)
    # Per client address, before any password work (web/login_throttle.py): logins in progress,
    # and failed logins per minute with their burst.
    login_in_flight_per_client: int = 4
    login_failures_per_minute: float = 30.0
    login_failure_burst: int = 10
    max_body_bytes: int = 1 << 20        # request bodies above this answer 413
    max_crush_map_bytes: int = 8 << 20   # the CRUSH map upload's limit (a whole map's text)
    # scheme://host[:port] of absolute URLs we hand out (pagination links, `info`'s bootstrap
    # lines): from `--public-url`, never from the request's Host header, which the client
    # writes. "" gives path-only links.
    public_url: str = ""
