"""Replacing the whole CRUSH map (calamari-internals §4.5.5)."""
from __future__ import annotations

from actors.cluster.crush_text import TRIVIA, CrushTextError, parse, serialise, with_exact_weights
from actors.errors import Invalid
from actors.requests.plans import OSD_MAP, Plan


def plan_crush_map(cluster_name: str, text, crush: dict | None = None) -> Plan:
    """`POST /crush_map`: a non-empty CRUSH map text that parses; Invalid otherwise.

    Only the structure is checked here; crushtool on the agent compiles it. Weights the text
    shows as GET crush_map gave them (rounded by crushtool -d) go back exact, from `crush` (the
    current crush dump): a map read and written back changes nothing.
    """
    if not isinstance(text, str) or not text.strip():
        raise Invalid("The CRUSH map must be a non-empty text",
                      {"crush_map": ["must be a non-empty text"]})
    try:
        sections = parse(text)
    except CrushTextError as exc:
        raise Invalid(f"Malformed CRUSH map: {exc}", {"crush_map": [str(exc)]}) from exc
    if all(section.kind in TRIVIA for section in sections):
        raise Invalid("The CRUSH map has no statements",
                      {"crush_map": ["has no statements, only comments"]})
    if crush:
        text = serialise(with_exact_weights(sections, crush))
    return Plan(headline=f"Replacing CRUSH map in {cluster_name}",
                commands=(("osd setcrushmap", {"data": text}),), completion=OSD_MAP)
