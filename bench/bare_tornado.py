"""The reference: a bare Tornado handler answering a small JSON list, on a given port."""
import asyncio
import json
import sys

import tornado.web

BODY = json.dumps([{"update_time": "2026-11-26T00:00:00+00:00", "id": "x" * 36, "name": "ceph"}])


class Bare(tornado.web.RequestHandler):
    def get(self):
        self.set_header("Content-Type", "application/json")
        self.write(BODY)


async def main(port: int):
    app = tornado.web.Application([(r"/bare", Bare)])
    app.listen(port, "127.0.0.1")
    print("READY", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
