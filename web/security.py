"""Transport security: the HTTPS context (`--tls-cert`/`--tls-key`) and the headers every answer
carries. Every answer is JSON meant for scripts and an API client, never for a frame, a
browser's content sniffing or another site's Referer, so the policy denies all of it."""
from __future__ import annotations

import ssl

from tornado.web import RequestHandler

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
}
# A year, the usual value; no includeSubDomains: the manager cannot speak for its neighbours.
HSTS = "max-age=31536000"


def apply_headers(handler: RequestHandler) -> None:
    # Tornado sends `Server: TornadoServer/<version>`: a free hint of which CVEs to try.
    handler.clear_header("Server")
    for name, value in HEADERS.items():
        handler.set_header(name, value)
    if handler.request.protocol == "https":   # browsers ignore HSTS received over plain HTTP
        handler.set_header("Strict-Transport-Security", HSTS)


def tls_context(cert_path: str, key_path: str) -> ssl.SSLContext:
    """A server context that refuses anything older than TLS 1.2 (OSError/SSLError if the files
    are missing, unreadable or do not match)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_path, key_path)
    return context
