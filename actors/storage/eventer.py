"""Eventer: the single sink of events. Logs each one and persists it through the store."""
from __future__ import annotations

import logging

from actors.runtime.base import Actor, handles
from actors.events import SEVERITY_NAMES, WARNING, Event
from actors.messages import EmitEvents
from actors.storage.messages import SaveEvents

log = logging.getLogger(__name__)


class Eventer(Actor):
    def __init__(self, store_ref):
        super().__init__()
        self.store = store_ref

    @handles(EmitEvents)
    def emit(self, message: EmitEvents):
        events = tuple(e for e in message.events if isinstance(e, Event))
        for event in events:
            level = logging.WARNING if event.severity <= WARNING else logging.INFO
            log.log(level, "event %s fsid=%s fqdn=%s: %s", SEVERITY_NAMES.get(event.severity, event.severity),
                    event.fsid, event.fqdn, event.message,
                    extra={"fsid": event.fsid, "fqdn": event.fqdn})   # fields of the JSON log format
        if events:
            self.store.tell(SaveEvents(events))
