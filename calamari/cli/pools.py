"""`calamari pool ls|create|set|rm`: pools by name (or id); changes answer a request id, --wait
follows it. The API checks every value (a 400 names the field: exit 2)."""
from __future__ import annotations

import click

from calamari.cli.context import State, fsid_option, pass_state, wait_options
from calamari.cli.waiting import report
from calamari.errors import CalamariError, USAGE
from calamari.output import column, emit, size, table

POOL_COLUMNS = [column("ID"), column("Name"), column("Type"), column("Size"), column("Min size", "min_size"),
                column("PGs", "pg_num"), column("Rule", "crush_ruleset"),
                column("Quota bytes", "quota_max_bytes", lambda v: size(v) if v else "-"),
                column("Quota objects", "quota_max_objects", lambda v: str(v) if v else "-")]


class NoSuchPool(CalamariError):
    exit_code = USAGE


def pool_id(state: State, fsid: str, name_or_id: str) -> int:
    pools = state.client().pools(fsid)
    for pool in pools:
        if name_or_id in (pool["name"], str(pool["id"])):
            return pool["id"]
    raise NoSuchPool(f"no pool {name_or_id!r} (pools: {', '.join(p['name'] for p in pools) or 'none'})")


def settable(command):
    """The options `create` and `set` share; each one left out is not sent."""
    options = [
        click.option("--pg-num", type=int, help="Placement groups."),
        click.option("--pgp-num", type=int, help="Placement groups for placement (default: pg-num)."),
        click.option("--size", type=int, help="Replicas."),
        click.option("--min-size", type=int, help="Replicas needed for IO (0: a majority)."),
        click.option("--crush-ruleset", type=int, help="The CRUSH rule."),
        click.option("--quota-max-bytes", type=int, help="Quota in bytes (0: none)."),
        click.option("--quota-max-objects", type=int, help="Quota in objects (0: none)."),
        click.option("--hashpspool/--no-hashpspool", default=None, help="The HASHPSPOOL flag."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def given(**attrs) -> dict:
    return {name: value for name, value in attrs.items() if value is not None}


@click.group()
def pool() -> None:
    """A cluster's pools."""


@pool.command("ls")
@fsid_option
@pass_state
def pool_ls(state: State, fsid: str | None) -> None:
    """List the pools."""
    emit(state.output, state.client().pools(state.cluster(fsid)), lambda pools: table(pools, POOL_COLUMNS))


@pool.command("create")
@click.argument("name")
@settable
@click.option("--type", "pool_type", type=click.Choice(["replicated", "erasure"]), help="Default: replicated.")
@click.option("--erasure-code-profile", help="With --type erasure.")
@fsid_option
@wait_options
@pass_state
def pool_create(state: State, name: str, pool_type, erasure_code_profile, fsid, wait, timeout_s, **attrs) -> None:
    """Create a pool: `calamari pool create NAME --pg-num 32 [--size 3] [--wait]`."""
    if attrs.get("pg_num") is None:
        raise click.UsageError("Missing option '--pg-num'.")
    body = given(name=name, type=pool_type, erasure_code_profile=erasure_code_profile, **attrs)
    report(state, state.client().create_pool(state.cluster(fsid), body), wait, timeout_s)


@pool.command("set")
@click.argument("pool_name", metavar="POOL")
@click.option("--name", "new_name", help="Rename the pool.")
@settable
@fsid_option
@wait_options
@pass_state
def pool_set(state: State, pool_name: str, new_name, fsid, wait, timeout_s, **attrs) -> None:
    """Change a pool (by name or id): `calamari pool set rbd --size 2 --quota-max-objects 1000`."""
    changes = given(name=new_name, **attrs)
    if not changes:
        raise click.UsageError("Nothing to set: give at least one option (see --help).")
    cluster = state.cluster(fsid)
    report(state, state.client().update_pool(cluster, pool_id(state, cluster, pool_name), changes), wait, timeout_s)


@pool.command("rm")
@click.argument("pool_name", metavar="POOL")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@fsid_option
@wait_options
@pass_state
def pool_rm(state: State, pool_name: str, yes: bool, fsid, wait, timeout_s) -> None:
    """Delete a pool and all its data (asks first unless --yes)."""
    cluster = state.cluster(fsid)
    target = pool_id(state, cluster, pool_name)
    if not yes and not state.dry_run:
        click.confirm(f"Delete pool {pool_name!r} and all its data?", abort=True, err=True)
    report(state, state.client().delete_pool(cluster, target), wait, timeout_s)
