"""How full and how busy: `cluster/<fsid>/usage`, `osd_usage`, `io`, `history`, and `fleet` across
every cluster (issue 14). Read-only: any role may read them.

`osd_usage` is the OSD list's twin: a plain array by default, the paged envelope with `page` /
`page_size`; `fleet` is always paged. Numbers are bytes, ratios 0..1, `percent_used` and
`utilization` 0..100 as Ceph prints them; `update_time` is when the agent read the figures.
"""
from __future__ import annotations

from datetime import datetime, timezone

from actors.cluster.queries import Query
from actors.facade.fleet import HEALTH_FILTERS, ORDERINGS
from actors.fields import convert, number, string
from web import pagination
from web.apidoc import answers
from web.base import BaseHandler
from web.errors import invalid_field

OSD_USAGE_QUERY = {"host": string(), "utilization__gte": number(minimum=0, maximum=100),
                   **pagination.PAGE_QUERY}
HISTORY_QUERY = {"series": string(), "from": string(), "to": string()}
FLEET_QUERY = {"ordering": string(*sorted(ORDERINGS), *sorted(f"-{o}" for o in ORDERINGS)),
               "health": string(*HEALTH_FILTERS), **pagination.PAGE_QUERY}
MAX_SERIES = 64              # per request: each is a scan of the range


def parse_time(args: dict, name: str) -> float | None:
    """`?from=` / `?to=`: ISO 8601 (a time without a zone is UTC), else a 400 naming it."""
    raw = pagination.single(args, name)
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        raise invalid_field(name, f"must be an ISO 8601 time such as 2026-12-06T10:00:00Z (got {raw!r})") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def parse_series(args: dict) -> list[str]:
    """`?series=a,b` (and repeated `series=`): the names, in order, without duplicates."""
    names: list[str] = []
    for raw in args.get("series", ()):
        for name in raw.split(","):
            name = name.strip()
            if name and name not in names:
                names.append(name)
    if not names:
        raise invalid_field("series", "name at least one series, e.g. series=used_bytes,write_bytes_sec")
    if len(names) > MAX_SERIES:
        raise invalid_field("series", f"at most {MAX_SERIES} series per request (got {len(names)})")
    return names


def parse_utilization(args: dict) -> float | None:
    """`?utilization__gte=`: a percentage, checked by its declared Field (finite, 0..100)."""
    raw = pagination.single(args, "utilization__gte")
    if raw is None:
        return None
    try:
        return convert(OSD_USAGE_QUERY["utilization__gte"], raw.strip())
    except ValueError as exc:
        raise invalid_field("utilization__gte", f"{exc} (got {raw!r})") from None


class UsageHandler(BaseHandler):
    answer_schema = answers.ref("Usage")

    async def get(self, fsid: str) -> None:
        self.send_json(await self.cluster_query(fsid, Query.USAGE))


class OsdUsageHandler(BaseHandler):
    query = OSD_USAGE_QUERY
    answer_schema = answers.listed_or_paged("OsdUsage")

    async def get(self, fsid: str) -> None:
        args = self.query_args()
        filters = {"host": pagination.single(args, "host"), "utilization_gte": parse_utilization(args)}
        if not pagination.wants_page(args):
            self.send_json(await self.cluster_query(fsid, Query.OSD_USAGE, **filters))
            return
        page = pagination.parse_page(args)
        count, results = await self.cluster_query(fsid, Query.OSD_USAGE_PAGE, offset=page.offset,
                                                  limit=page.limit, **filters)
        pagination.check_in_range(page, count)
        self.send_json(pagination.envelope_json(page, count, results, self.base_url(), args))


class IoHandler(BaseHandler):
    answer_schema = answers.ref("Io")

    async def get(self, fsid: str) -> None:
        self.send_json(await self.cluster_query(fsid, Query.IO))


class HistoryHandler(BaseHandler):
    """Without `to`: until now; without `from`: the hour before `to` (the facade knows the time)."""
    query = HISTORY_QUERY
    answer_schema = answers.ref("History")

    async def get(self, fsid: str) -> None:
        args = self.query_args()
        from_t, to_t = parse_time(args, "from"), parse_time(args, "to")
        series = parse_series(args)
        if from_t is not None and to_t is not None and from_t > to_t:
            raise invalid_field("from", "must not be later than `to`")
        self.send_json(await self.ask(self.api.cluster_history(fsid, series, from_t, to_t)))


class FleetHandler(BaseHandler):
    query = FLEET_QUERY
    answer_schema = answers.paged("FleetRow")

    async def get(self) -> None:
        args = self.query_args()
        page = pagination.parse_page(args)
        count, results = await self.ask(self.api.fleet_page(
            ordering=pagination.parse_choice(args, "ordering", FLEET_QUERY["ordering"].choices, "name"),
            health=pagination.parse_choice(args, "health", HEALTH_FILTERS),
            offset=page.offset, limit=page.limit))
        pagination.check_in_range(page, count)
        self.send_json(pagination.envelope_json(page, count, results, self.base_url(), args))
