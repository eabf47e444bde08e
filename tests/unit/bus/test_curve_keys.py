"""Key pairs on disk (bus/curve.py) and the agent's --server-key options (agent/keys.py)."""
from __future__ import annotations

import argparse
import stat

import pytest
import zmq

from agent.keys import add_server_key_args, server_key
from bus.curve import BadKey, fingerprint, is_public_key, load_or_create, new_keypair, read_public_key


def test_a_key_pair_is_made_once_owner_only_and_read_back(tmp_path):
    directory = tmp_path / "keys"
    pair, created = load_or_create(directory, "bus")
    assert created and is_public_key(pair.public)
    assert zmq.curve_public(pair.secret.encode()).decode() == pair.public
    for name in ("bus.key", "bus.key_secret"):
        assert stat.S_IMODE((directory / name).stat().st_mode) == 0o600
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert load_or_create(directory, "bus") == (pair, False)
    assert read_public_key(directory / "bus.key") == pair.public
    assert pair.secret not in repr(pair)


def test_half_a_pair_or_a_foreign_public_half_is_an_error_not_a_new_identity(tmp_path):
    load_or_create(tmp_path, "agent")
    (tmp_path / "agent.key").write_text(new_keypair().public + "\n")
    with pytest.raises(BadKey, match="not the public half"):
        load_or_create(tmp_path, "agent")
    (tmp_path / "agent.key").unlink()
    with pytest.raises(BadKey, match="cannot read"):
        load_or_create(tmp_path, "agent")
    (tmp_path / "agent.key").write_text("not a key")
    with pytest.raises(BadKey, match="40-character"):
        read_public_key(tmp_path / "agent.key")


def test_fingerprints_are_sha256_in_colon_hex_and_differ_per_key():
    a, b = new_keypair().public, new_keypair().public
    assert len(fingerprint(a)) == 32 * 3 - 1 and fingerprint(a).count(":") == 31
    assert fingerprint(a) == fingerprint(a) != fingerprint(b)
    for text in ("", "~" * 40, "x" * 39 + " ", a[:-1], a + "0", None, 42, "é" * 40):
        assert not is_public_key(text)


def test_the_server_key_comes_from_the_command_line_or_a_file(tmp_path):
    parser = argparse.ArgumentParser()
    add_server_key_args(parser)
    pair = new_keypair()
    assert server_key(parser.parse_args([f"--server-key={pair.public}"])) == pair.public
    (tmp_path / "bus.key").write_text(pair.public + "\n")
    assert server_key(parser.parse_args(["--server-key-file", str(tmp_path / "bus.key")])) == pair.public
    with pytest.raises(SystemExit, match="40-character"):
        server_key(parser.parse_args(["--server-key", "nope"]))
    with pytest.raises(SystemExit, match="cannot read"):
        server_key(parser.parse_args(["--server-key-file", str(tmp_path / "missing")]))
