import base64
import hashlib
import hmac

import pytest

from actors import passwords
from actors.passwords import hash_password, new_token, token_hash, verify_password


def test_hash_has_the_documented_format():
    stored = hash_password("s3cret")
    scheme, n, r, p, salt, digest = stored.split("$")
    assert (scheme, n, r, p) == ("scrypt", str(2 ** 14), "8", "1")
    assert len(base64.b64decode(salt)) == 16
    assert base64.b64decode(digest) == hashlib.scrypt(
        b"s3cret", salt=base64.b64decode(salt), n=2 ** 14, r=8, p=1, dklen=32)


def test_verify_accepts_the_right_password_only():
    stored = hash_password("correct horse")
    assert verify_password("correct horse", stored) is True
    assert verify_password("correct horsf", stored) is False
    assert verify_password("", stored) is False


def test_each_hash_has_its_own_salt():
    first, second = hash_password("same"), hash_password("same")
    assert first != second
    assert verify_password("same", first) and verify_password("same", second)


def test_non_ascii_passwords_round_trip():
    stored = hash_password("pässwörd-密码")
    assert verify_password("pässwörd-密码", stored)
    assert not verify_password("passwort-密码", stored)


def test_stored_parameters_are_honoured():
    salt = b"0123456789abcdef"
    digest = hashlib.scrypt(b"pw", salt=salt, n=2 ** 10, r=4, p=2, dklen=24)
    stored = "scrypt$1024$4$2${}${}".format(base64.b64encode(salt).decode(),
                                            base64.b64encode(digest).decode())
    assert verify_password("pw", stored)
    assert not verify_password("px", stored)


@pytest.mark.parametrize("stored", [
    None, "", "plain", "md5$1$2$3$4$5", "scrypt$16384$8$1$!!!$AAAA",
    "scrypt$x$8$1$AAAA$AAAA", "scrypt$16384$8$1$$", "scrypt$1$8$1$AAAA$AAAA",
    "scrypt$1099511627776$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAA",
])
def test_malformed_stored_values_never_verify(stored):
    assert verify_password("anything", stored) is False


def test_verify_compares_in_constant_time(monkeypatch):
    calls = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)
    monkeypatch.setattr(passwords.hmac, "compare_digest", spy)
    assert verify_password("pw", hash_password("pw"))
    assert len(calls) == 1


def test_tokens_are_fresh_and_url_safe():
    tokens = {new_token() for _ in range(50)}
    assert len(tokens) == 50
    for token in tokens:
        assert len(token) >= 43
        assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_token_hash_is_sha256_hex():
    assert token_hash("abc") == hashlib.sha256(b"abc").hexdigest()
    assert token_hash("abc") != token_hash("abd")
    assert len(token_hash(new_token())) == 64
