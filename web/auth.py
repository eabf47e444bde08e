"""Who is asking, and may they (calamari-internals §9, answering 401 rather than 403).

Two kinds of credentials:
* `Authorization: Bearer <API token>` (for scripts): no cookies and no XSRF check, since no
  browser attaches that header to a cross-site request by itself.
* The `calamari_sessionid` cookie: the Api's session token, signed with the cookie secret,
  HttpOnly, SameSite=Strict, Secure under TLS, and without an expiry date (the browser forgets
  it on close; the Api ends the session itself after its idle or absolute limit).
  `XSRF-TOKEN` is a random token readable by JavaScript (AngularJS convention), set by any GET
  when absent and rotated at login; every unsafe request carrying a session cookie must echo
  it in the `X-XSRF-TOKEN` header.

Then the role: each handler declares the least role each verb needs (BaseHandler.required_role)
and the verbs only a login session may use (BaseHandler.session_only: account and token
administration); `authorize` is the one place that checks both.

These helpers act on a tornado RequestHandler; the handlers themselves live in web.base
(the checks every request runs) and web.resources.sessions (login/logout).
"""
from __future__ import annotations

import hmac
import math
import secrets

from tornado.web import RequestHandler

from actors.accounts import api_tokens, roles
from actors.accounts.auth_settings import MAX_SESSION_S
from web.errors import ApiError

SESSION_COOKIE = "calamari_sessionid"
XSRF_COOKIE = "XSRF-TOKEN"
XSRF_HEADER = "X-XSRF-TOKEN"
SESSION_DAYS = math.ceil(MAX_SESSION_S / 86400)   # a signed cookie older than this is refused
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

NOT_AUTHENTICATED = "Authentication credentials were not provided."
BAD_TOKEN = "Invalid, expired or revoked API token."
LOGIN_FAILED = "User authentication failed"
XSRF_FAILED = "CSRF Failed: missing or incorrect X-XSRF-TOKEN header"
FORBIDDEN = "You do not have permission to perform this action."
SESSION_ONLY = ("This action needs a login session (POST auth/login); API tokens may not manage "
                "accounts, passwords or tokens")


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
    handler.set_signed_cookie(SESSION_COOKIE, token, expires_days=None, version=2,
                              path="/", httponly=True, samesite="Strict", secure=_secure(handler))


def clear_session_cookie(handler: RequestHandler) -> None:
    handler.clear_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="Strict",
                         secure=_secure(handler))


def bearer_token(handler: RequestHandler) -> str | None:
    """The token of an `Authorization: Bearer` header; "" for any other or an empty one; None
    without the header."""
    header = handler.request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, value = header.strip().partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


async def identify(handler) -> None:
    """Settle who is asking: sets handler.session_token, token_id and (for handlers that need
    it) current_user; raises 403 for a cookie session without XSRF, 401 without valid credentials."""
    bearer = bearer_token(handler)
    token = session_token(handler) if bearer is None else None   # a Bearer header wins
    if handler.request.method in UNSAFE_METHODS and token is not None and not xsrf_ok(handler):
        raise ApiError(403, XSRF_FAILED)
    handler.session_token = token
    handler.token_id = None
    # A handler open to anyone that answers a logged-in caller more (the API root) declares
    # `optional_session`: its caller is looked up, and is anonymous when not recognised.
    optional = not handler.requires_session and getattr(handler, "optional_session", False)
    if not handler.requires_session and not (optional and (bearer or token)):
        return
    if bearer is not None:
        user = await handler.ask(handler.api.token_user(bearer)) if bearer else None
        refusal = ApiError(401, BAD_TOKEN, headers={"WWW-Authenticate": 'Bearer realm="api", error="invalid_token"'})
    else:
        user = await handler.ask(handler.api.session_user(token)) if token else None
        refusal = ApiError(401, NOT_AUTHENTICATED, headers={"WWW-Authenticate": 'Cookie realm="api"'})
    if user is None:
        if optional:
            return
        raise refusal
    if bearer is not None:
        handler.token_id = api_tokens.token_id(bearer)
    handler.current_user = user


def authorize(handler) -> None:
    """403 unless the user's role may use this verb here; `Allow` lists the verbs it may use
    (as the original did for read-only users, so a UI can hide what would be refused)."""
    role = handler.current_user.get("role")
    method = handler.request.method
    if handler.token_id is not None and handler.needs_session(method):
        raise ApiError(403, SESSION_ONLY)
    if not roles.allows(role, handler.required_role(method)):
        raise ApiError(403, f"{FORBIDDEN} (role {role!r} may not {method} this resource; "
                            f"it needs {handler.required_role(method)!r})")
    handler.set_header("Allow", ", ".join(verb for verb in handler.allowed_methods()
                                          if roles.allows(role, handler.required_role(verb))))
