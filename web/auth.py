"""Session and XSRF cookies (calamari-internals §9, answering 401 rather than 403).

* `calamari_sessionid`: the Api's session token, signed with the cookie secret, HttpOnly,
  SameSite=Strict. The Api owns sessions; the web tier keeps nothing beyond one request.
* `XSRF-TOKEN`: a random token readable by JavaScript (AngularJS convention), set by any GET when
  absent and rotated at login. An unsafe request carrying a session cookie must echo it in the
  `X-XSRF-TOKEN` header.

These helpers act on a tornado RequestHandler; the handlers themselves live in web.base
(the checks every request runs) and web.resources.sessions (login/logout).
"""
from __future__ import annotations

import hmac
import secrets

from tornado.web import RequestHandler

SESSION_COOKIE = "calamari_sessionid"
XSRF_COOKIE = "XSRF-TOKEN"
XSRF_HEADER = "X-XSRF-TOKEN"
SESSION_DAYS = 14
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

NOT_AUTHENTICATED = "Authentication credentials were not provided."
LOGIN_FAILED = "User authentication failed"
XSRF_FAILED = "CSRF Failed: missing or incorrect X-XSRF-TOKEN header"


def _secure(handler: RequestHandler) -> bool:
    return bool(handler.settings["web"].secure_cookies)


def ensure_xsrf_cookie(handler: RequestHandler) -> None:
    if not handler.get_cookie(XSRF_COOKIE):
        rotate_xsrf_cookie(handler)


def rotate_xsrf_cookie(handler: RequestHandler) -> None:
    handler.set_cookie(XSRF_COOKIE, secrets.token_urlsafe(32), path="/", samesite="Strict",
                       secure=_secure(handler))


def xsrf_ok(handler: RequestHandler) -> bool:
    cookie = handler.get_cookie(XSRF_COOKIE)
    header = handler.request.headers.get(XSRF_HEADER)
    if not cookie or not header:
        return False
    return hmac.compare_digest(cookie.encode(), header.encode())


def session_token(handler: RequestHandler) -> str | None:
    """The session token from a validly signed cookie, else None."""
    raw = handler.get_signed_cookie(SESSION_COOKIE, max_age_days=SESSION_DAYS, min_version=2)
    if not raw:
        return None
    try:
        return raw.decode("ascii")
    except UnicodeDecodeError:
        return None


def set_session_cookie(handler: RequestHandler, token: str) -> None:
    handler.set_signed_cookie(SESSION_COOKIE, token, expires_days=SESSION_DAYS, version=2,
                              path="/", httponly=True, samesite="Strict", secure=_secure(handler))


def clear_session_cookie(handler: RequestHandler) -> None:
    handler.clear_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="Strict",
                         secure=_secure(handler))
