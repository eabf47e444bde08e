"""A small keep-alive HTTP/1.1 load generator (asyncio, raw sockets): the client must not be the
bottleneck it measures, so it does no parsing beyond status line and Content-Length."""
from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass
class LoadResult:
    requests: int
    seconds: float
    latencies_ms: list
    errors: int

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]

    def line(self, label: str) -> str:
        return (f"{label:<28} {self.rate:8.0f} req/s   p50 {self.percentile(50):6.2f} ms   "
                f"p99 {self.percentile(99):6.2f} ms   errors {self.errors}")


async def _exchange(reader, writer, request: bytes) -> tuple[float, bytes, int]:
    """One request on an open keep-alive connection: (latency ms, status line, body bytes)."""
    started = time.perf_counter()
    writer.write(request)
    status = await reader.readline()
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    await reader.readexactly(length)
    return (time.perf_counter() - started) * 1000, status, length


async def _worker(host, port, request: bytes, more, latencies: list, errors: list, expect: int = 200):
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while more():
            latency_ms, status, _ = await _exchange(reader, writer, request)
            latencies.append(latency_ms)
            if not status.startswith(b"HTTP/1.1 %d" % expect):
                errors.append(status)
    finally:
        writer.close()


def _request(url: str, cookie: str = "", headers: dict | None = None) -> bytes:
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    extra = {**({"Cookie": cookie} if cookie else {}), **(headers or {})}
    return (f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            + "".join(f"{name}: {value}\r\n" for name, value in extra.items()) + "\r\n").encode()


def run_load(url: str, *, seconds: float = 3.0, connections: int = 4, cookie: str = "",
             requests: int | None = None, headers: dict | None = None, expect: int = 200) -> LoadResult:
    """GET `url` for `seconds`, or exactly `requests` times when given, over `connections`;
    an answer of another status than `expect` counts as an error."""
    parts = urlsplit(url)
    request = _request(url, cookie, headers)

    async def main():
        latencies, errors = [], []
        start = time.perf_counter()
        stop_at, left = start + seconds, [requests]

        def more() -> bool:
            if requests is None:
                return time.perf_counter() < stop_at
            left[0] -= 1
            return left[0] >= 0

        await asyncio.gather(*(_worker(parts.hostname, parts.port, request, more, latencies, errors, expect)
                               for _ in range(connections)))
        return LoadResult(len(latencies), time.perf_counter() - start, latencies, len(errors))

    return asyncio.run(main())


# A mix of paths: the GETs of a dashboard while something else (a fleet) loads the daemon -----

MIX_TIMEOUT_S = 60.0   # a stalled daemon costs one error per connection, not a hung benchmark


@dataclass
class MixResult(LoadResult):
    last_bytes: int = 0       # body size of the last answer (what a list costs to send)
    last_error: str = ""


async def _mix_one(reader, writer, request: bytes, result: MixResult) -> bool:
    """One timed GET into `result`; False when the connection is unusable afterwards."""
    try:
        latency_ms, status, size = await asyncio.wait_for(_exchange(reader, writer, request), MIX_TIMEOUT_S)
    except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError) as exc:
        result.errors += 1
        result.last_error = repr(exc)
        return False
    result.latencies_ms.append(latency_ms)
    result.requests += 1
    result.last_bytes = size
    if not status.startswith(b"HTTP/1.1 200"):
        result.errors += 1
        result.last_error = status.decode(errors="replace").strip()
    return True


async def _mix_worker(host, port, requests: list, first: int, stop_at: float, think_s: float,
                      results: dict) -> None:
    """Cycles through `requests` [(label, bytes)] from index `first` (connections start apart,
    so they do not all ask for the same big list at the same moment) until `stop_at`."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        for i in itertools.count(first):
            if time.perf_counter() >= stop_at:
                break
            label, request = requests[i % len(requests)]
            if not await _mix_one(reader, writer, request, results[label]):
                writer.close()   # its state is unknown (half an answer read): a new connection
                reader, writer = await asyncio.open_connection(host, port)
            elif think_s:
                await asyncio.sleep(think_s)
    finally:
        writer.close()


def run_mix(base: str, paths: dict, *, seconds: float, connections: int = 4, cookie: str = "",
            think_s: float = 0.0) -> dict:
    """GET every path of {label: path under base} in turn on each of `connections` keep-alive
    connections for `seconds`; {label: MixResult}, errors counted per label."""
    parts = urlsplit(base)
    requests = [(label, _request(base + path, cookie)) for label, path in paths.items()]

    async def main():
        results = {label: MixResult(0, seconds, [], 0) for label in paths}
        started = time.perf_counter()
        await asyncio.gather(*(_mix_worker(parts.hostname, parts.port, requests, n, started + seconds,
                                           think_s, results) for n in range(connections)))
        for result in results.values():
            result.seconds = time.perf_counter() - started
        return results

    return asyncio.run(main())
