"""The /bootstrap pieces on their own: the settings (which bus endpoint agents are given, HTTPS
only under TLS), the script's rendering (quoting), the lazy preparation (503 while building, a
failure said and retried later), and the wheel rebuilt from an installed distribution."""
from __future__ import annotations

import argparse
import asyncio
import hashlib
import importlib.metadata
import subprocess
import sys
import threading
import zipfile

import pytest

from web.ops import bootstrap as bootstrap_module
from web.ops.bootstrap import Bootstrap, Unavailable
from web.ops.bootstrap_script import render_script
from web.ops.bootstrap_settings import bootstrap_settings, public_endpoint
from web.ops.wheel import Wheel, WheelError, build_from_checkout, copy_sources, rebuild_installed, tree_digest

KEY = "rq:rM>}U?@Lns47E1%kR.o$n%FcmmsL/@{H8]yf7"     # z85 has $, &, > ...: all must stay literal
UNIT = "[Service]\nExecStart=/opt/calamari/venv/bin/calamari-agent --config /etc/calamari/agent.toml\n"
WHEEL = Wheel("calamari_server-1.0-py3-none-any.whl", b"wheel", "ab" * 32)


# --- settings ------------------------------------------------------------------------------------

def test_agents_reach_the_bus_by_the_public_host_and_the_bound_port():
    settings = bootstrap_settings("https://calamari.example.com:8443", True, "tcp://0.0.0.0:8003", KEY)
    assert (settings.bus_endpoint, settings.problem) == ("tcp://calamari.example.com:8003", "")
    assert bootstrap_settings("http://[fd00::1]:8002", False, "tcp://*:8003", KEY).bus_endpoint == "tcp://[fd00::1]:8003"
    flag = bootstrap_settings("http://a:1", False, "tcp://127.0.0.1:8003", KEY, "tcp://nat.example.com:18003")
    assert flag.bus_endpoint == "tcp://nat.example.com:18003"


def test_never_http_when_the_api_serves_https():
    settings = bootstrap_settings("http://calamari.example.com:8002", True, "tcp://0.0.0.0:8003", KEY)
    assert "--public-url" in settings.problem


@pytest.mark.parametrize("text", ["tcp://0.0.0.0:8003", "tcp://*:8003", "tcp://host:0", "tcp://host:65536",
                                  "host:8003", "ipc:///tmp/bus", "tcp://host:8003/x", "tcp://ho st:1",
                                  "tcp://m1:8003,", "tcp://m1:8003,tcp://m1:8003", "tcp://m1:8003,tcp://*:8003"])
def test_bus_public_endpoint_refuses_what_an_agent_cannot_dial(text):
    with pytest.raises(argparse.ArgumentTypeError):
        public_endpoint(text)


def test_every_member_of_an_ha_group_goes_to_the_agents_connect_list():
    assert public_endpoint("tcp://m1:8003, tcp://m2:8003") == "tcp://m1:8003,tcp://m2:8003"
    settings = bootstrap_settings("http://m1:8002", False, "tcp://0.0.0.0:8003", KEY,
                                  public_endpoint("tcp://m1:8003,tcp://m2:8003"))
    assert 'connect = "tcp://m1:8003,tcp://m2:8003"' in render_script(settings, WHEEL, UNIT)


# --- the script ----------------------------------------------------------------------------------

def test_values_are_quoted_and_blocks_stay_literal(tmp_path):
    settings = bootstrap_settings("http://calamari.example.com:8002", False, "tcp://0.0.0.0:8003", KEY)
    script = render_script(settings, WHEEL, UNIT)
    assert "@@" not in script
    assert f'server_key = "{KEY}"' in script and UNIT.rstrip() in script
    path = tmp_path / "bootstrap.sh"
    path.write_text(script)
    assert subprocess.run(["/bin/sh", "-n", str(path)]).returncode == 0     # parses
    dry = subprocess.run(["/bin/sh", str(path), "--help"], capture_output=True, text=True)
    assert dry.returncode == 0 and "--prefix DIR" in dry.stdout


def test_a_block_holding_its_delimiter_is_refused():
    settings = bootstrap_settings("http://calamari.example.com:8002", False, "tcp://0.0.0.0:8003", KEY)
    with pytest.raises(ValueError, match="delimiter"):
        render_script(settings, WHEEL, UNIT + "AGENT_UNIT\nrm -rf /\n")


# --- preparing it once, off the loop ---------------------------------------------------------------

def settings():
    return bootstrap_settings("http://calamari.example.com:8002", False, "tcp://0.0.0.0:8003", KEY)


def test_a_request_waits_then_answers_unavailable_while_the_wheel_is_built():
    release, builds = threading.Event(), []

    def slow_build() -> Wheel:
        builds.append(1)
        release.wait(10)
        return WHEEL

    async def scenario():
        bootstrap = Bootstrap(settings(), build_wheel=slow_build, unit_text=lambda: UNIT)
        with pytest.raises(Unavailable) as waiting:
            await bootstrap.prepared(wait_s=0.05)
        assert waiting.value.retry_after_s > 0 and "being built" in str(waiting.value)
        release.set()
        prepared = await bootstrap.prepared(wait_s=10)
        assert prepared.wheel is WHEEL and KEY.encode() in prepared.script
        assert (await bootstrap.prepared(wait_s=10)) is prepared
    asyncio.run(scenario())
    assert builds == [1]          # one build, however many requests


def test_a_failed_build_is_said_and_tried_again_only_later(monkeypatch):
    builds = []

    def failing_build() -> Wheel:
        builds.append(1)
        raise RuntimeError("pip wheel failed: no index")

    async def ask(bootstrap) -> Unavailable:
        with pytest.raises(Unavailable) as failed:
            await bootstrap.prepared(wait_s=10)
        return failed.value

    async def scenario():
        bootstrap = Bootstrap(settings(), build_wheel=failing_build, unit_text=lambda: UNIT)
        first = await ask(bootstrap)
        assert "no index" in str(first) and first.retry_after_s > 0
        await ask(bootstrap)
        assert len(builds) == 1                       # not rebuilt at every request
        monkeypatch.setattr(bootstrap_module, "RETRY_S", 0.0)
        await ask(bootstrap)
        assert len(builds) == 2
    asyncio.run(scenario())


def test_a_misconfigured_bootstrap_never_builds():
    async def scenario():
        broken = bootstrap_settings("http://calamari.example.com:8002", True, "tcp://0.0.0.0:8003", KEY)
        bootstrap = Bootstrap(broken, build_wheel=pytest.fail, unit_text=lambda: UNIT)
        with pytest.raises(Unavailable, match="public-url"):
            await bootstrap.prepared()
    asyncio.run(scenario())


# --- the wheel of an installed distribution ---------------------------------------------------------

def installed_tree(root):
    """A distribution as pip leaves it: its files, a RECORD naming them, and what pip added."""
    (root / "demo").mkdir()
    (root / "demo" / "__init__.py").write_text("VALUE = 1\n")
    (root / "demo" / "data.sh").write_text("#!/bin/sh\n")
    (root / "demo" / "__pycache__").mkdir()
    (root / "demo" / "__pycache__" / "__init__.cpython-311.pyc").write_bytes(b"\0")
    info = root / "demo-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n")
    (info / "WHEEL").write_text("Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
    (info / "INSTALLER").write_text("pip\n")
    (info / "direct_url.json").write_text("{}\n")
    record = ["demo/__init__.py,,", "demo/data.sh,,", "demo/__pycache__/__init__.cpython-311.pyc,,",
              "../../bin/demo,,", "demo-1.0.dist-info/METADATA,,", "demo-1.0.dist-info/WHEEL,,",
              "demo-1.0.dist-info/INSTALLER,,", "demo-1.0.dist-info/direct_url.json,,", "demo-1.0.dist-info/RECORD,,"]
    (info / "RECORD").write_text("\n".join(record) + "\n")
    return importlib.metadata.Distribution.at(info)


def test_an_installed_distribution_is_zipped_back_into_a_wheel_pip_accepts(tmp_path):
    (tmp_path / "site").mkdir()
    dist = installed_tree(tmp_path / "site")
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    wheel = rebuild_installed(dist, first)
    assert wheel.name == "demo-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        assert sorted(archive.namelist()) == ["demo-1.0.dist-info/METADATA", "demo-1.0.dist-info/RECORD",
                                              "demo-1.0.dist-info/WHEEL", "demo/__init__.py", "demo/data.sh"]
    again = rebuild_installed(dist, second)         # the same install, the same bytes (the same SHA-256)
    assert hashlib.sha256(wheel.read_bytes()).digest() == hashlib.sha256(again.read_bytes()).digest()
    target = tmp_path / "target"
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                           "--target", str(target), str(wheel)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr      # pip checks every RECORD hash
    assert (target / "demo" / "data.sh").read_text() == "#!/bin/sh\n"


# --- a checkout's builds, kept by the digest of their sources ----------------------------------------

def test_a_checkout_build_is_reused_for_the_same_sources_only(tmp_path):
    checkout, cache = tmp_path / "checkout", tmp_path / "cache"
    (checkout / "demo").mkdir(parents=True)
    (checkout / "demo" / "__init__.py").write_text("VALUE = 1\n")
    (checkout / "pyproject.toml").write_text("not a project pip could build\n")
    (checkout / "data").mkdir()                        # a data dir: no .py, never copied
    (checkout / "data" / "calamari.sqlite3").write_bytes(b"\0")
    copied = tmp_path / "copied"
    copy_sources(checkout, copied)
    assert sorted(p.relative_to(copied).as_posix() for p in copied.rglob("*")) == \
        ["demo", "demo/__init__.py", "pyproject.toml"]
    kept = cache / tree_digest(copied) / "demo-1.0-py3-none-any.whl"
    kept.parent.mkdir(parents=True)
    kept.write_bytes(b"built before")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    assert build_from_checkout(checkout, scratch, cache) == kept       # pip not run: it would fail
    (checkout / "demo" / "__init__.py").write_text("VALUE = 2\n")      # new sources, same version
    again = tmp_path / "again"
    again.mkdir()
    with pytest.raises(WheelError, match="pip wheel"):
        build_from_checkout(checkout, again, cache)
