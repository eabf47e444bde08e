"""What every command shares: the global options, the client they make, the cluster a command
is about, and the options of the 202 workflow (`--wait`, `--timeout-s`, `--dry-run`, `--force`)."""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field

import click

from calamari import credentials
from calamari.client import Client
from calamari.errors import CalamariError, NotLoggedIn, USAGE

PASSWORD_ENV = "CALAMARI_PASSWORD"


class NoSuchCluster(CalamariError):
    exit_code = USAGE


@dataclass
class State:
    """The global options, and the client made from them (and the stored credentials) on first use."""
    url: str | None = None
    token: str | None = None
    output: str = "table"
    ca_file: str | None = None
    insecure: bool = False
    timeout_s: float = 10.0
    write_options: dict = field(default_factory=dict)   # --dry-run / --force of this command
    _client: Client | None = field(default=None, repr=False)
    _password: str | None = field(default=None, repr=False)

    def stored(self) -> credentials.Credentials | None:
        return credentials.load()

    def verify(self) -> bool | str:
        """The TLS check: --insecure, else --ca-file, else what login stored, else the system's CAs."""
        stored = self.stored()
        if self.insecure or (self.ca_file is None and stored is not None and not stored.verify):
            return False
        return self.ca_file or (stored.ca_file if stored and stored.ca_file else True)

    def target(self) -> tuple[str, str]:
        """(URL, token): the options and environment first, then the stored credentials."""
        stored = self.stored()
        url = self.url or (stored.url if stored else None)
        stored_applies = stored is not None and (self.url is None or same_url(self.url, stored.url))
        token = self.token or (stored.token if stored_applies else None)
        if not url or not token:
            raise NotLoggedIn("not logged in: run `calamari login URL` (or give --url and --token, "
                              "CALAMARI_URL and CALAMARI_TOKEN)")
        return url, token

    def client(self) -> Client:
        if self._client is None:
            url, token = self.target()
            self._client = Client(url, token=token, verify=self.verify(), timeout_s=self.timeout_s)
        self._client.write_options = self.write_options
        return self._client

    @property
    def dry_run(self) -> bool:
        return "dry_run" in self.write_options

    def session_client(self, username: str | None = None) -> Client:
        """A login session, for what API tokens may not do (tokens, accounts), as the token's
        owner: the password from CALAMARI_PASSWORD or asked for (hidden)."""
        url, _ = self.target()
        stored = self.stored()
        name = username or (stored.username if stored and stored.username else None) or self.client().me()["username"]
        return Client.login(url, name, self.password(name), verify=self.verify(), timeout_s=self.timeout_s)

    def password(self, username: str) -> str:
        """The logged-in user's password, asked for at most once a command."""
        if self._password is None:
            self._password = os.environ.get(PASSWORD_ENV) or click.prompt(
                f"Password of {username} (this needs a login session)", hide_input=True, err=True)
        return self._password

    def cluster(self, given: str | None) -> str:
        """The fsid the command is about: the one given (an fsid or a cluster's name), or the
        server's only cluster."""
        clusters = self.client().clusters()
        if given:
            for cluster in clusters:
                if given in (cluster["id"], cluster["name"]):
                    return cluster["id"]
            raise NoSuchCluster(f"no cluster {given!r} (known: {names(clusters)})")
        if len(clusters) == 1:
            return clusters[0]["id"]
        raise NoSuchCluster("the server has no cluster yet" if not clusters else
                            f"the server has {len(clusters)} clusters: give --fsid ({names(clusters)})")

    def close(self) -> None:
        if self._client is not None:
            self._client.close()


def names(clusters: list[dict]) -> str:
    return ", ".join(f"{c['name']} {c['id']}" for c in clusters) or "none"


def same_url(a: str, b: str) -> bool:
    return a.rstrip("/") == b.rstrip("/")


pass_state = click.make_pass_decorator(State)


def fsid_option(command):
    """--fsid: which cluster (an fsid or a name); optional when the server has just one."""
    return click.option("--fsid", "-c", "fsid", envvar="CALAMARI_FSID", metavar="FSID|NAME",
                        help="The cluster (fsid or name); default: the server's only cluster.")(command)


timeout_option = click.option("--timeout-s", type=click.FloatRange(min=0, min_open=True), default=600.0,
                              show_default=True, help="When following: give up (exit 1) after this long.")


def wait_options(command):
    """--wait and --timeout-s for the commands answered with a request id, and --dry-run and
    --force, which go to the API as ?dry_run=1 and ?force=1 (the command never sees them)."""
    @click.option("--wait", "-w", is_flag=True, help="Follow the request until it completes (exit 1 if it fails).")
    @timeout_option
    @click.option("--dry-run", is_flag=True,
                  help="Show the Ceph commands, the changes and Ceph's safety checks; change nothing.")
    @click.option("--force", is_flag=True, help="Go ahead although the cluster's guardrails refuse (audited).")
    @functools.wraps(command)
    def wrapper(*args, dry_run: bool = False, force: bool = False, **kwargs):
        state = click.get_current_context().find_object(State)
        state.write_options = {**({"dry_run": "1"} if dry_run else {}), **({"force": "1"} if force else {})}
        return command(*args, **kwargs)
    return wrapper
