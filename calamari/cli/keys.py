"""`calamari key ls|accept|reject`: agent keys waiting to be let in (administrators).

An agent's first contact records its CurveZMQ key as `pre`; accept it only after comparing the
fingerprint with the one the agent printed on its server (`--fingerprint` checks it for you).
"""
from __future__ import annotations

import click

from calamari.cli.context import State, pass_state
from calamari.errors import CalamariError
from calamari.output import column, emit, table

KEY_COLUMNS = [column("ID"), column("Status"), column("Fingerprint"),
               column("Refused fingerprint", "refused_fingerprint")]


class FingerprintMismatch(CalamariError):
    """The key on the server is not the one the operator meant (exit 1: nothing was changed)."""


def normalized(fingerprint: str) -> str:
    return fingerprint.replace(":", "").replace(" ", "").lower()


@click.group()
def key() -> None:
    """Agent keys: accept the servers that may report."""


@key.command("ls")
@pass_state
def key_ls(state: State) -> None:
    """Every key, with its status and fingerprint."""
    emit(state.output, state.client().keys(), lambda keys: table(keys, KEY_COLUMNS))


def _set_status(state: State, minion_ids: tuple[str, ...], status: str, fingerprint: str | None) -> None:
    client = state.client()
    if fingerprint is not None:
        for minion_id in minion_ids:
            found = client.key(minion_id).get("fingerprint") or ""
            if normalized(found) != normalized(fingerprint):
                raise FingerprintMismatch(f"key {minion_id} has fingerprint {found or 'none'}, not {fingerprint}: "
                                          "nothing changed")
    for minion_id in minion_ids:
        client.set_key_status(minion_id, status)
        click.echo(f"{minion_id}: {status}")


@key.command("accept")
@click.argument("minion_ids", nargs=-1, required=True, metavar="ID...")
@click.option("--fingerprint", help="Accept only if the key has this fingerprint (hex, colons optional).")
@pass_state
def key_accept(state: State, minion_ids, fingerprint) -> None:
    """Let agents in (their keys become accepted)."""
    _set_status(state, minion_ids, "accepted", fingerprint)


@key.command("reject")
@click.argument("minion_ids", nargs=-1, required=True, metavar="ID...")
@pass_state
def key_reject(state: State, minion_ids) -> None:
    """Refuse agents' keys."""
    _set_status(state, minion_ids, "rejected", None)
