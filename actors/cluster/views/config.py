"""Config and health readers (calamari-internals §5.9, docs/sync-objects.md `health`)."""
from __future__ import annotations

from actors.errors import NotFound, Unavailable

_NO_CONFIG = "Cluster configuration unavailable"


def api_config(config: dict | None) -> list[dict]:
    """`[{"key", "value"}]` in the order the mon printed them; Unavailable before the first copy."""
    if config is None:
        raise Unavailable(_NO_CONFIG)
    return [{"key": key, "value": value} for key, value in config.items()]


def api_config_key(config: dict | None, key: str) -> dict:
    """`{"key", "value"}` of one option; NotFound if the mon has no such option."""
    if config is None:
        raise Unavailable(_NO_CONFIG)
    if key not in config:
        raise NotFound.of("config key", key)
    return {"key": key, "value": config[key]}


def health_status(health: dict | None) -> str | None:
    """HEALTH_OK/WARN/ERR: Luminous+ `status`, falling back to the older `overall_status`."""
    if not health:
        return None
    return health.get("status") or health.get("overall_status")
