"""DaemonApi is a composition of small parts: it must still offer every method of the Api
Protocol the web tier calls, with the same parameters; and the time budgets must nest."""
from __future__ import annotations

import inspect

from actors import context
from actors.facade.api import Api
from web.bridge import DEFAULT_TIMEOUT_S
from web.settings import WebSettings


def protocol_methods() -> dict:
    return {name: member for name, member in vars(Api).items()
            if callable(member) and not name.startswith("_")}


def parameters(function) -> list[str]:
    return [p.name for p in inspect.signature(function).parameters.values() if p.name != "self"]


def test_every_api_method_is_there_with_its_parameters(api):
    methods = protocol_methods()
    assert len(methods) > 40
    for name, declared in methods.items():
        offered = getattr(api, name)
        assert callable(offered), name
        assert parameters(offered)[:len(parameters(declared))] == parameters(declared), name


def test_the_daemons_waits_end_before_the_web_stops_waiting():
    assert WebSettings(cookie_secret=b"x").ask_timeout_s == DEFAULT_TIMEOUT_S == context.WEB_ASK_S
    assert context.AGENT_CALLS_S < context.WEB_ASK_S
    assert context.MIN_AGENT_CALL_S <= context.Timings().call_timeout_s <= context.AGENT_CALLS_S
