"""The daemon's settings objects from its parsed flags; each stops the start with one line
(SystemExit) when the flags cannot be used together or name something unusable."""
from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger("calamari")


def retention_settings(args):
    from actors.storage.retention import Retention, RetentionSettings
    try:
        return RetentionSettings(Retention.of(args.event_max_age_days, args.event_max_count),
                                 Retention.of(args.request_max_age_days, args.request_max_count),
                                 audit=Retention.of(args.audit_max_age_days, args.audit_max_count),
                                 interval_s=args.retention_interval_s)
    except ValueError as exc:
        raise SystemExit(f"calamari: retention: {exc}") from None


def admin_password(args) -> str | None:
    """The first account's password from --admin-password (or its key in the configuration file,
    or CALAMARI_ADMIN_PASSWORD: config/cli.py layers them), else --admin-password-file (None:
    generate one); SystemExit with one line if the file cannot be read or the password is weak."""
    from actors.facade.accounts import check_password
    password = args.admin_password
    if not password and args.admin_password_file:
        try:
            lines = Path(args.admin_password_file).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise SystemExit(f"calamari: cannot read {args.admin_password_file}: {exc}") from None
        password = lines[0] if lines else ""
        if not password:
            raise SystemExit(f"calamari: {args.admin_password_file} holds no password")
    if not password:
        return None
    problems = check_password(password, "admin").get("password")
    if problems:   # never echo the password itself: the terminal or a log may keep it
        raise SystemExit(f"calamari: the admin password from {password_source(args)} {'; '.join(problems)}")
    return password


def password_source(args) -> str:
    """Where the admin password came from, as the operator wrote it (a flag, a file, a variable)."""
    key = "admin_password" if args.admin_password else "admin_password_file"
    return getattr(args, "sources", {}).get(key, f"--{key.replace('_', '-')}")


def warn_if_password_ignored(store, password: str | None, args) -> None:
    """A password given on a later start changes nothing: say so, rather than let the operator
    believe the admin password is now the new one."""
    from actors.runtime.base import ask
    from actors.storage.messages import CountUsers
    if password and ask(store, CountUsers).result(30) > 0:
        log.warning("the admin password from %s is ignored: it only sets the first account's password on "
                    "the first start; change a password with the API (PUT api/v2/user/ID) or the calamari "
                    "command", password_source(args))


def auth_settings(args):
    from actors.accounts.auth_settings import AuthSettings
    try:
        return AuthSettings(session_idle_s=args.session_idle_s, session_max_s=args.session_max_s,
                            lockout_failures=args.lockout_failures, lockout_s=args.lockout_s,
                            lockout_account_failures=args.lockout_account_failures)
    except ValueError as exc:
        raise SystemExit(str(exc)) from None


def https_context(args):
    """The TLS context for --tls-cert/--tls-key, None for plain HTTP; SystemExit on bad files."""
    if not (args.tls_cert or args.tls_key):
        return None
    if not (args.tls_cert and args.tls_key):
        raise SystemExit("--tls-cert and --tls-key go together")
    from web.security import tls_context
    try:
        return tls_context(args.tls_cert, args.tls_key)
    except (OSError, ValueError) as exc:     # ssl.SSLError is an OSError
        raise SystemExit(f"cannot use the TLS certificate/key: {exc}") from None


def public_url(flag: str | None, bound_url: str) -> str:
    """scheme://host[:port] without a trailing slash; SystemExit for anything else."""
    from urllib.parse import urlsplit
    if not flag:
        return bound_url
    parts = urlsplit(flag.rstrip("/"))
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path or parts.query:
        raise SystemExit(f"calamari: --public-url must be http(s)://HOST[:PORT], got {flag!r}")
    return f"{parts.scheme}://{parts.netloc}"


def metrics_settings(args):
    """The metrics listener's settings (None: --no-metrics); SystemExit with one line for a
    token that cannot be used."""
    from metrics.settings import metrics_settings as settings_of
    try:
        return settings_of(args, args.http_host)
    except ValueError as exc:
        raise SystemExit(f"calamari: {exc}") from None
