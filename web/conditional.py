"""Conditional GETs: the ETag of an answer and the If-None-Match check (RFC 9110 13.1.2). Pure.

A cluster read's ETag comes from the facade's version tag of that read (Api.cluster_etag: the
map versions, stats generation, query and parameters it is derived from) and the request's
URI, so a match is decided before any answer is computed. Other answers keep Tornado's ETag, a
hash of the body, checked when the body is done; both are compared here, the same way.
"""
from __future__ import annotations

import hashlib
import re

ANY = "*"   # If-None-Match: * (any current answer)
# An entity tag, weak or strong, as listed in If-None-Match; only its opaque part is compared.
_LISTED_TAG = re.compile(r'(?:W/)?"([^"]*)"')


def entity_tag(version: str, uri: str) -> str:
    """The weak ETag of the answer to `uri` at `version` (the facade's tag of the read). The URI
    takes part because the web tier shapes the answer from the whole query: a page's next and
    previous links echo every parameter. Weak: the same tag means the same answer, not
    necessarily the same bytes."""
    digest = hashlib.blake2b(f"{version}\n{uri}".encode(), digest_size=15).hexdigest()
    return f'W/"{digest}"'


def requested(header: str | None) -> str | frozenset[str]:
    """What an If-None-Match header asks for: ANY for `*` (alone, as the grammar has it), else
    the opaque parts of the tags listed (a garbled header lists none and so matches nothing)."""
    if header is None:
        return frozenset()
    if header.strip() == ANY:
        return ANY
    return frozenset(_LISTED_TAG.findall(header))


def matches(header: str | None, etag: str | None) -> bool:
    """Whether If-None-Match `header` holds for the answer tagged `etag`: the weak comparison
    (W/ prefixes ignored) against each tag listed, or `*` for any answer."""
    if not etag:
        return False
    wanted = requested(header)
    return wanted == ANY or opaque(etag) in wanted


def opaque(etag: str) -> str:
    """`W/"abc"` or `"abc"` -> abc."""
    return etag.removeprefix("W/").strip('"')
