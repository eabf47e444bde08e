"""`calamari user ls|create|set|rm`: accounts.

Reading needs only the token; changes need a login session (the API refuses account changes to
API tokens), so they ask for your password (or read CALAMARI_PASSWORD) and log a session in for
that one change.
"""
from __future__ import annotations

import click

from calamari.cli.context import State, pass_state
from calamari.errors import CalamariError, USAGE
from calamari.output import column, emit, fields, table, text

ROLES = ("admin", "operator", "read-only")
USER_COLUMNS = [column("ID"), column("Username"), column("Role"), column("Email")]


class NoSuchUser(CalamariError):
    exit_code = USAGE


def user_id(state: State, name_or_id: str) -> int:
    users = state.client().users()
    for user in users:
        if name_or_id in (user["username"], str(user["id"])):
            return user["id"]
    raise NoSuchUser(f"no user {name_or_id!r}")


def render_user(user: dict) -> str:
    return fields([(name, text(user.get(name))) for name in ("id", "username", "role", "email")])


@click.group()
def user() -> None:
    """Accounts (changes ask for your password: they need a login session)."""


@user.command("ls")
@pass_state
def user_ls(state: State) -> None:
    """Every account and its role."""
    emit(state.output, state.client().users(), lambda users: table(users, USER_COLUMNS))


@user.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), help="Default: read-only.")
@click.option("--email")
@click.option("--password", "new_password", envvar="CALAMARI_NEW_PASSWORD",
              help="The new account's password (asked for, hidden, when not given).")
@pass_state
def user_create(state: State, username: str, role, email, new_password) -> None:
    """Create an account (administrators)."""
    password = new_password or click.prompt(f"Password for {username}", hide_input=True,
                                            confirmation_prompt=True, err=True)
    body = {k: v for k, v in {"username": username, "password": password, "role": role, "email": email}.items()
            if v is not None}
    with state.session_client() as session:
        created = session.create_user(body)
        session.logout()
    emit(state.output, created, render_user)


@user.command("set")
@click.argument("name_or_id", metavar="USER")
@click.option("--role", type=click.Choice(ROLES), help="Administrators only.")
@click.option("--email")
@click.option("--password", "new_password", is_flag=False, flag_value="", default=None,
              help="A new password; `--password` alone asks for it (hidden).")
@pass_state
def user_set(state: State, name_or_id: str, role, email, new_password) -> None:
    """Change an account's role, email or password (yours: `me`)."""
    if new_password == "":
        new_password = click.prompt("New password", hide_input=True, confirmation_prompt=True, err=True)
    changes = {k: v for k, v in {"role": role, "email": email, "password": new_password}.items() if v is not None}
    if not changes:
        raise click.UsageError("Nothing to set: give --role, --email or --password.")
    target = "me" if name_or_id == "me" else user_id(state, name_or_id)
    with state.session_client() as session:
        if target == "me" and "password" in changes:   # the API wants the current one for your own
            changes["current_password"] = state.password(session.me()["username"])
        changed = session.update_user(target, changes)
        session.logout()
    emit(state.output, changed, render_user)


@user.command("rm")
@click.argument("name_or_id", metavar="USER")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@pass_state
def user_rm(state: State, name_or_id: str, yes: bool) -> None:
    """Delete an account (administrators)."""
    target = user_id(state, name_or_id)
    if not yes:
        click.confirm(f"Delete user {name_or_id!r}?", abort=True, err=True)
    with state.session_client() as session:
        session.delete_user(target)
        session.logout()
    click.echo(f"Deleted user {name_or_id}")
