import base64
import hashlib
import hmac

import argon2
import pytest

from actors.accounts import passwords
from actors.accounts.passwords import hash_password, needs_rehash, new_token, token_hash, verify_password


def legacy_scrypt(password: str, salt: bytes = b"0123456789abcdef") -> str:
    """A hash as releases before Argon2 stored them (scrypt, N=2^14)."""
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2 ** 14, r=8, p=1, dklen=32)
    return f"scrypt${2 ** 14}$8$1${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def test_hash_is_argon2id_with_owasp_parameters():
    stored = hash_password("s3cret")
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert argon2.PasswordHasher().verify(stored, "s3cret")     # any Argon2 implementation reads it
    assert not needs_rehash(stored)


def test_legacy_scrypt_hashes_verify_and_need_a_rehash():
    stored = legacy_scrypt("old-password")
    assert verify_password("old-password", stored)
    assert not verify_password("old-passworD", stored)
    assert needs_rehash(stored)
    weaker = argon2.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("pw")
    assert verify_password("pw", weaker) and needs_rehash(weaker)


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
    "$argon2id$v=19$m=19456,t=2,p=1$!!$AAAA", "$argon2id$garbage", "$argon2id$v=19$m=1,t=1,p=1$AAAAAAAA$AAAA",
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
    assert verify_password("pw", legacy_scrypt("pw"))        # argon2-cffi compares in C itself
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
