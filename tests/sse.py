"""Reading Server-Sent Events in tests: `parse` a stream's text into messages, and `StreamReader`
follows a stream over real HTTP (httpx, in a thread of its own) while the test acts and polls."""
from __future__ import annotations

import json
import socket
import threading
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(frozen=True)
class Sse:
    id: int | None
    event: str | None
    data: Any            # the JSON of its data line


def parse(text: str) -> tuple[list[Sse], list[str]]:
    """(the complete messages, the comment lines) of a stream's text so far."""
    messages, comments = [], []
    for block in text.split("\n\n")[:-1]:        # the last part is not complete yet
        fields, lines = {}, block.split("\n")
        for line in lines:
            if line.startswith(":"):
                comments.append(line[1:].strip())
                continue
            name, _, value = line.partition(": ")
            fields[name] = value
        if "data" in fields:
            messages.append(Sse(int(fields["id"]) if "id" in fields else None, fields.get("event"),
                                json.loads(fields["data"])))
    return messages, comments


class StreamReader:
    """GET a stream and keep its text; `close()` cuts the connection from the test's side."""

    def __init__(self, base_url: str, *, params: dict | None = None, headers: dict | None = None,
                 cookies: httpx.Cookies | None = None, path: str = "stream"):
        self._client = httpx.Client(base_url=base_url, cookies=cookies, timeout=httpx.Timeout(10.0, read=None))
        self._request = (path, params or {}, headers or {})
        self._lock = threading.Lock()
        self._text = ""
        self._socket: socket.socket | None = None
        self.status: int | None = None
        self.headers: httpx.Headers | None = None
        self.error: BaseException | None = None
        self.opened = threading.Event()     # the answer's status and headers are here
        self.ended = threading.Event()      # the server ended it, or close() did
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        path, params, headers = self._request
        try:
            with self._client.stream("GET", path, params=params, headers=headers) as response:
                self.status, self.headers = response.status_code, response.headers
                stream = response.extensions.get("network_stream")
                self._socket = stream.get_extra_info("socket") if stream is not None else None
                self.opened.set()
                for chunk in response.iter_text():
                    with self._lock:
                        self._text += chunk
        except (httpx.HTTPError, OSError) as exc:
            self.error = exc
        finally:
            self.opened.set()
            self.ended.set()

    @property
    def text(self) -> str:
        with self._lock:
            return self._text

    def messages(self, event: str | None = None) -> list[Sse]:
        found = parse(self.text)[0]
        return [m for m in found if event is None or m.event == event]

    def comments(self) -> list[str]:
        return parse(self.text)[1]

    def close(self) -> None:
        if self._socket is not None and not self.ended.is_set():
            try:
                self._socket.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._thread.join(10)
        self._client.close()

    def __enter__(self) -> "StreamReader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_unread(http_url: str, path: str, headers: dict, receive_buffer: int = 4096) -> socket.socket:
    """A GET on a raw socket whose receive buffer is small and which nobody reads yet: a client
    that has stopped reading (a stalled browser tab, a hung script)."""
    host, port = http_url.split("://")[1].split(":")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)   # before connect: the window
    sock.connect((host, int(port)))
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: close",
             *(f"{k}: {v}" for k, v in headers.items()), "", ""]
    sock.sendall("\r\n".join(lines).encode())
    return sock


def read_to_end(sock: socket.socket, timeout_s: float = 30.0) -> tuple[int, str]:
    """(status, the body de-chunked) of an answer read until the server closes the connection."""
    sock.settimeout(timeout_s)
    raw = b""
    while chunk := sock.recv(65536):
        raw += chunk
    sock.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    text = b""
    while body:
        size_line, _, rest = body.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        text, body = text + rest[:size], rest[size + 2:]
    return status, text.decode()
