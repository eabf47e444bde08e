"""The client's address across a standby: a standby forwards a request to the active member from
its own address, so it says whose request it is in `X-Calamari-Forwarded-For`, with a proof that
only a member can make (an HMAC under the group's secret, over the address and the time). The
active member believes a proven address only (login throttling, lockouts per address and the
audit trail then name the real client), and a client cannot claim one: the standby drops such
headers from what it receives, and a proof older than PROOF_MAX_AGE_S is refused.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import time

FOR = "X-Calamari-Forwarded-For"
PROOF = "X-Calamari-Forward-Proof"
HEADERS = (FOR, PROOF)
PROOF_MAX_AGE_S = 30.0


def _mac(secret: bytes, address: str, at: int) -> str:
    return hmac.new(secret, f"{address}|{at}".encode(), hashlib.sha256).hexdigest()


def sign(secret: bytes, address: str, now: float | None = None) -> dict[str, str]:
    """The headers a standby adds for a client at `address`."""
    at = int(time.time() if now is None else now)
    return {FOR: address, PROOF: f"{at}:{_mac(secret, address, at)}"}


def proven_address(secret: bytes, headers, now: float | None = None) -> str | None:
    """The forwarded client's address if the headers prove it, else None."""
    address, proof = headers.get(FOR), headers.get(PROOF)
    if not address or not proof or ":" not in proof:
        return None
    at_text, mac = proof.split(":", 1)
    try:
        at = int(at_text)
        ipaddress.ip_address(address)
    except ValueError:
        return None
    now = time.time() if now is None else now
    if abs(now - at) > PROOF_MAX_AGE_S or not hmac.compare_digest(mac, _mac(secret, address, at)):
        return None
    return address
