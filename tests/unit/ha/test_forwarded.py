"""The client's address across a standby (ha/forwarded.py, ha/switch.py): believed only with a
fresh proof under the group's secret, and each request of a connection judged on its own."""
from __future__ import annotations

import tornado.web
from tornado.tcpclient import TCPClient
from tornado.testing import AsyncHTTPTestCase, gen_test

from ha import forwarded
from ha.switch import AppSwitch

SECRET = b"group secret"


def test_a_signed_address_is_proven_and_anything_else_is_not():
    headers = forwarded.sign(SECRET, "10.1.2.3", now=1000.0)
    assert forwarded.proven_address(SECRET, headers, now=1010.0) == "10.1.2.3"
    assert forwarded.proven_address(b"another secret", headers, now=1010.0) is None
    assert forwarded.proven_address(SECRET, {**headers, forwarded.FOR: "10.9.9.9"}, now=1010.0) is None
    assert forwarded.proven_address(SECRET, headers, now=1000.0 + forwarded.PROOF_MAX_AGE_S + 1) is None
    assert forwarded.proven_address(SECRET, {forwarded.FOR: "10.1.2.3"}, now=1000.0) is None
    assert forwarded.proven_address(SECRET, forwarded.sign(SECRET, "not an address", now=1000.0), now=1000.0) is None


class Echo(tornado.web.RequestHandler):
    def get(self):
        self.write(self.request.remote_ip)


class SwitchTest(AsyncHTTPTestCase):
    def get_app(self):
        self.first = tornado.web.Application([(r"/", Echo)])
        return AppSwitch(self.first, lambda headers: forwarded.proven_address(SECRET, headers))

    def test_the_proven_address_is_the_requests_and_the_next_request_starts_afresh(self):
        proven = self.fetch("/", headers=forwarded.sign(SECRET, "10.1.2.3"))
        self.assertEqual(proven.body, b"10.1.2.3")
        forged = self.fetch("/", headers=forwarded.sign(b"not the group's", "10.1.2.3"))
        self.assertEqual(forged.body, b"127.0.0.1")
        plain = self.fetch("/")
        self.assertEqual(plain.body, b"127.0.0.1")

    @gen_test
    async def test_one_keep_alive_connection_follows_the_switch_and_judges_each_request_alone(self):
        stream = await TCPClient().connect("127.0.0.1", self.get_http_port())
        try:
            proof = "".join(f"{k}: {v}\r\n" for k, v in forwarded.sign(SECRET, "10.1.2.3").items())
            self.assertEqual(await exchange(stream, proof), (b"200", b"10.1.2.3"))
            self.assertEqual(await exchange(stream), (b"200", b"127.0.0.1"))
            # The server waits for this connection's next request already: it must still go
            # to the application of the moment its headers arrive.
            self._app.to(tornado.web.Application([]))
            self.assertEqual((await exchange(stream))[0], b"404")
        finally:
            stream.close()


async def exchange(stream, extra_headers: str = "") -> tuple[bytes, bytes]:
    """One request on an open connection: (status code, body)."""
    await stream.write(f"GET / HTTP/1.1\r\nHost: test\r\n{extra_headers}\r\n".encode())
    head = await stream.read_until(b"\r\n\r\n")
    length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")))
    return head.split(b" ")[1], await stream.read_bytes(length)
