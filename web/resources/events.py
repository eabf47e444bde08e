"""Events, paginated newest first: `event`, `cluster/<fsid>/event`, `server/<fqdn>/event`."""
from __future__ import annotations

from actors.events import SEVERITY_NAMES
from actors.timefmt import iso
from web import pagination
from web.apidoc import answers
from web.base import BaseHandler


def render_event(row: dict) -> dict:
    """{"when": epoch float, "severity": int, "message"} -> the wire format (ISO UTC, name)."""
    severity = row["severity"]
    return {"when": iso(row["when"]),
            "severity": SEVERITY_NAMES.get(severity, str(severity)),
            "message": row["message"]}


class EventListHandler(BaseHandler):
    query = pagination.EVENT_QUERY
    answer_schema = answers.paged("Event")

    async def get(self, fsid: str | None = None, fqdn: str | None = None) -> None:
        args = self.query_args()
        page = pagination.parse_page(args)
        max_severity = pagination.parse_severity(args)
        count, rows = await self.ask(self.api.list_events(
            fsid=fsid, fqdn=fqdn, max_severity=max_severity, offset=page.offset, limit=page.limit))
        pagination.check_in_range(page, count)
        self.send_json(pagination.envelope(page, count, [render_event(r) for r in rows],
                                           self.base_url(), args))
