"""The `calamari` command: `calamari login URL`, then `calamari pool ls`, `calamari osd out 3
--wait`, ... One module per command group; `main` is the console script's entry point.

Exit codes (calamari.errors): 0 done, 1 the request failed, 2 bad input (click's own usage
errors and the API's 400), 3 not authenticated or not allowed, 4 the server cannot be reached.
"""
from __future__ import annotations

import click

from calamari.cli import clusters, completion, events, keys, osds, pools, requests, session, users
from calamari.cli.context import State
from calamari.errors import CalamariError

PROG = "calamari"


class Failure(click.ClickException):
    """A CalamariError as click reports it: one line on stderr, the error's exit code."""

    def __init__(self, error: CalamariError):
        super().__init__(str(error))
        self.exit_code = error.exit_code

    def show(self, file=None) -> None:
        click.echo(f"{PROG}: {self.format_message()}", err=True)


class CalamariGroup(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except CalamariError as error:
            raise Failure(error) from None


def print_version(ctx: click.Context, _param, value: bool) -> None:
    """--version: the release's (the package's metadata, or a checkout's pyproject.toml), looked
    up only when asked: reading metadata costs every command 80 ms to import."""
    if value and not ctx.resilient_parsing:
        from config.version import version
        click.echo(f"{PROG} {version()}")
        ctx.exit()


@click.group(cls=CalamariGroup, context_settings={"help_option_names": ["-h", "--help"], "show_default": True})
@click.option("--url", envvar="CALAMARI_URL", metavar="URL", help="The server (default: the one logged in to).")
@click.option("--token", envvar="CALAMARI_TOKEN", metavar="TOKEN",
              help="An API token (default: the one `login` stored). Prefer the environment variable: "
                   "options show in `ps`.")
@click.option("--output", "-o", type=click.Choice(["table", "json"]), envvar="CALAMARI_OUTPUT", default="table",
              help="Readable columns, or the API's JSON unchanged.")
@click.option("--ca-file", envvar="CALAMARI_CA_FILE", type=click.Path(exists=True, dir_okay=False, resolve_path=True),
              help="Verify the server's certificate with this CA bundle.")
@click.option("--insecure", is_flag=True, help="Do not verify the server's certificate (testing only).")
@click.option("--timeout", "timeout_s", type=click.FloatRange(min=0, min_open=True), default=10.0,
              help="Seconds to wait for each answer.")
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=print_version,
              help="Show the version and exit.")
@click.pass_context
def cli(ctx: click.Context, url, token, output, ca_file, insecure, timeout_s) -> None:
    """Manage Ceph clusters through a Calamari server's API.

    Start with `calamari login URL`; commands then act with the API token it stored.
    """
    ctx.obj = State(url=url, token=token, output=output, ca_file=ca_file, insecure=insecure, timeout_s=timeout_s)
    ctx.call_on_close(ctx.obj.close)


for command in (*session.COMMANDS, *clusters.COMMANDS, osds.osd, osds.flag, pools.pool, requests.request,
                events.events, keys.key, users.user, completion.completion):
    cli.add_command(command)


def main() -> None:
    cli.main(prog_name=PROG, complete_var="_CALAMARI_COMPLETE")
