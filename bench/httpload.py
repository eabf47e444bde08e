"""A small keep-alive HTTP/1.1 load generator (asyncio, raw sockets): the client must not be the
bottleneck it measures, so it does no parsing beyond status line and Content-Length."""
from __future__ import annotations

import asyncio
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


async def _worker(host, port, request: bytes, more, latencies: list, errors: list):
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while more():
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
            latencies.append((time.perf_counter() - started) * 1000)
            if not status.startswith(b"HTTP/1.1 200"):
                errors.append(status)
    finally:
        writer.close()


def run_load(url: str, *, seconds: float = 3.0, connections: int = 4, cookie: str = "",
             requests: int | None = None, headers: dict | None = None) -> LoadResult:
    """GET `url` for `seconds`, or exactly `requests` times when given, over `connections`."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    extra = {**({"Cookie": cookie} if cookie else {}), **(headers or {})}
    request = (f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
               + "".join(f"{name}: {value}\r\n" for name, value in extra.items()) + "\r\n").encode()

    async def main():
        latencies, errors = [], []
        start = time.perf_counter()
        stop_at, left = start + seconds, [requests]

        def more() -> bool:
            if requests is None:
                return time.perf_counter() < stop_at
            left[0] -= 1
            return left[0] >= 0

        await asyncio.gather(*(_worker(parts.hostname, parts.port, request, more, latencies, errors)
                               for _ in range(connections)))
        return LoadResult(len(latencies), time.perf_counter() - start, latencies, len(errors))

    return asyncio.run(main())
