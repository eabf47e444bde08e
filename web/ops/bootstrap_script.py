"""The /bootstrap script: agent_install.sh (package data beside this module) with this manager's
URLs, bus endpoint, public bus key, wheel checksum, agent.toml lines and the agent's systemd unit
filled in. Values are shell-quoted, blocks go into quoted here-documents: nothing in them is ever
expanded by the shell that runs the script."""
from __future__ import annotations

import json
import re
import shlex
from importlib import resources

from actors.cluster.commands import agent_caps as caps
from web.ops.bootstrap_settings import BootstrapSettings
from web.ops.wheel import Wheel

TEMPLATE = "agent_install.sh"
PLACEHOLDER = re.compile(r"@@([A-Z0-9_]+)@@")
# The unit file is H4's (deploy/systemd/): the same the manager's own install uses.
UNIT = ("deploy.systemd", "calamari-agent.service")


def agent_unit_text() -> str:
    package, path = UNIT
    return resources.files(package).joinpath(path).read_text(encoding="utf-8")


def agent_toml(settings: BootstrapSettings) -> str:
    """agent.toml's lines from the manager (key_dir is the script's: it depends on --prefix).
    JSON strings are TOML basic strings for this ASCII text."""
    return "\n".join(f"{key} = {json.dumps(value)}" for key, value in
                     (("connect", settings.bus_endpoint), ("server_key", settings.server_key)))


def render_script(settings: BootstrapSettings, wheel: Wheel, unit_text: str) -> str:
    url = settings.public_url
    words = {"MANAGER_URL": url, "WHEEL_URL": f"{url}/bootstrap/{wheel.name}", "WHEEL_NAME": wheel.name,
             "WHEEL_SHA256": wheel.sha256, "BUS_ENDPOINT": settings.bus_endpoint,
             "MON_CAPS": caps.MON_CAPS, "MGR_CAPS": caps.MGR_CAPS}
    comments = {"MANAGER_URL_COMMENT": url, "BOOTSTRAP_URL_COMMENT": f"{url}/bootstrap"}
    blocks = {"AGENT_TOML": agent_toml(settings), "AGENT_UNIT": unit_text.rstrip("\n")}
    for name, text in comments.items():
        if not text.isprintable():
            raise ValueError(f"{name} {text!r} cannot go into a comment")
    for name, text in blocks.items():   # a line equal to the delimiter would end the here-document
        if name in text.splitlines():
            raise ValueError(f"{name} holds its own here-document delimiter")
    values = {**{k: shlex.quote(v) for k, v in words.items()}, **comments, **blocks}
    template = resources.files(__package__).joinpath(TEMPLATE).read_text(encoding="utf-8")
    return PLACEHOLDER.sub(lambda match: values[match[1]], template)
