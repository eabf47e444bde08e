"""A throwaway self-signed certificate for 127.0.0.1 (openssl: the venv has no `cryptography`)."""
from __future__ import annotations

import subprocess
from pathlib import Path


def self_signed(directory: Path) -> tuple[str, str]:
    """(certificate path, key path), valid for a day, for IP 127.0.0.1."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    return str(cert), str(key)
