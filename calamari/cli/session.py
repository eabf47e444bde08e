"""`calamari login URL`, `calamari logout`, `calamari whoami`.

login logs a session in (the API's cookie and XSRF dance), creates an API token with it, stores
URL and token 0600 (calamari.credentials) and logs the session out: later commands send only the
token. The API lets only a login session create tokens (a leaked token must not mint itself a
spare), but a token may revoke itself: logout needs no password.
"""
from __future__ import annotations

import secrets
import socket

import click

from calamari import credentials
from calamari.cli.context import PASSWORD_ENV, State, pass_state
from calamari.client import Client, server_url
from calamari.errors import ApiError, NotAuthenticated
from calamari.output import as_json, fields

DAY_S = 86400


def revoke_quietly(session: Client, token_id: str) -> None:
    """Revoke an earlier token of ours; one already revoked or expired (404) is fine."""
    try:
        session.revoke_token(token_id)
    except ApiError as error:
        if error.status != 404:
            raise


@click.command()
@click.argument("url", required=False)
@click.option("--username", "-u", envvar="CALAMARI_USERNAME", help="Asked for when not given.")
@click.option("--password", "-p", envvar=PASSWORD_ENV,
              help=f"Asked for (hidden) when not given; {PASSWORD_ENV} keeps it out of `ps`.")
@click.option("--token-name", default=lambda: f"calamari-cli@{socket.gethostname()[:80]}/{secrets.token_hex(3)}",
              show_default="calamari-cli@HOSTNAME/RANDOM", help="The name the token is listed under (unique per user).")
@click.option("--expires-days", type=click.IntRange(min=0, max=3660), default=90,
              help="The token's lifetime in days (0: it never expires).")
@pass_state
def login(state: State, url, username, password, token_name, expires_days) -> None:
    """Log in to the server at URL and store an API token for the next commands."""
    url = url or state.url or (state.stored().url if state.stored() else None)
    if not url:
        raise click.UsageError("give the server's URL, e.g. calamari login https://calamari.example.com:8002")
    url = server_url(url)
    username = username or click.prompt("Username", default="admin", err=True)
    password = password or click.prompt(f"Password of {username}", hide_input=True, err=True)
    previous = state.stored()
    with Client.login(url, username, password, verify=state.verify(), timeout_s=state.timeout_s) as session:
        token = session.create_token(token_name, expires_days * DAY_S or None)
        if previous and previous.token_id and previous.url == url and previous.username == username:
            revoke_quietly(session, previous.token_id)      # one token per login, not one more each time
        session.logout()
    stored = credentials.save(credentials.Credentials(
        url=url, token=token["token"], token_id=token["id"], username=username,
        ca_file=state.ca_file, verify=not state.insecure))
    expiry = f"until {token['expires_at']}" if token.get("expires_at") else "without expiry"
    click.echo(f"Logged in to {url} as {username}; token {token['name']!r} ({expiry}) stored in {stored}")


@click.command()
@click.option("--local", is_flag=True,
              help="Only forget the stored token (it stays valid on the server until it expires).")
@pass_state
def logout(state: State, local: bool) -> None:
    """Revoke the stored API token (with itself: no password needed) and forget it."""
    stored = state.stored()
    if stored is None:
        click.echo("Not logged in.", err=True)
        return
    if not local and stored.token_id:
        try:
            revoke_quietly(state.client(), stored.token_id)
        except NotAuthenticated:
            pass                      # already revoked or expired: nothing left to take away
    credentials.forget()
    click.echo(f"Logged out of {stored.url}" + (" (the token stays valid until it expires)" if local else ""))


@click.command()
@pass_state
def whoami(state: State) -> None:
    """Who the stored token (or --token) acts as, on which server."""
    me = state.client().me()
    if state.output == "json":
        click.echo(as_json(me))
        return
    click.echo(fields([("server", state.client().url), ("username", me.get("username", "-")),
                       ("role", me.get("role", "-")), ("email", me.get("email") or "-")]))


COMMANDS = (login, logout, whoami)
