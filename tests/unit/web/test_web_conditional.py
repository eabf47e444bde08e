"""Conditional GETs of cluster reads over HTTP (web/base.py cluster_query, web/conditional.py):
the ETag from the Api's version tag and the URI, a 304 without asking for the answer, `*`, lists
of tags, weak and strong forms, garbled headers, and the unversioned reads (Tornado's hash of
the body, with the same If-None-Match parsing)."""
from __future__ import annotations

from actors.cluster.queries import JsonPage, Query
from actors.json_bytes import JsonBytes
from tests.unit.fake_api import FSID, WebTestCase
from web import conditional

C = f"/api/v2/cluster/{FSID}"


class ConditionalGetTest(WebTestCase):
    def setUp(self):
        super().setUp()
        self.api.cluster_versions = {Query.OSDS: "v1", Query.OSDS_PAGE: "v1", Query.POOL: "v1"}

    def reads(self) -> int:
        return len(self.api.called("cluster_query"))

    def test_a_matching_tag_is_304_without_asking_for_the_answer(self):
        first = self.get(f"{C}/osd")
        etag = first.headers["Etag"]
        self.assertEqual((first.code, self.reads()), (200, 1))
        self.assertRegex(etag, r'^W/"[0-9a-f]{30}"$')
        again = self.get(f"{C}/osd", headers={"If-None-Match": etag})
        self.assertEqual((again.code, again.body, again.headers["Etag"]), (304, b"", etag))
        self.assertEqual(self.reads(), 1)   # the answer was never asked for
        self.api.cluster_versions[Query.OSDS] = "v2"   # a new map version
        moved = self.get(f"{C}/osd", headers={"If-None-Match": etag})
        self.assertEqual((moved.code, self.reads()), (200, 2))
        self.assertNotEqual(moved.headers["Etag"], etag)
        self.assertEqual(self.body(moved)["query"], "osds")

    def test_lists_of_tags_weak_and_strong_forms_match(self):
        etag = self.get(f"{C}/osd").headers["Etag"]
        bare = conditional.opaque(etag)
        for header in (etag, f'"{bare}"', f'W/"old", {etag}', f'"a", "b",W/"{bare}"'):
            with self.subTest(header=header):
                self.assertEqual(self.get(f"{C}/osd", headers={"If-None-Match": header}).code, 304)
        self.assertEqual(self.reads(), 1)

    def test_garbled_or_other_tags_answer_200(self):
        etag = self.get(f"{C}/osd").headers["Etag"]
        bare = conditional.opaque(etag)
        for header in ("", "garbage", "ab*c", f"{bare}", f'W/"{bare[:-1]}"', '"', "*, *", f'"{bare}x"'):
            with self.subTest(header=header):
                response = self.get(f"{C}/osd", headers={"If-None-Match": header})
                self.assertEqual((response.code, response.headers["Etag"]), (200, etag))
                self.assertEqual(self.body(response)["query"], "osds")

    def test_star_is_304_only_where_an_answer_exists(self):
        response = self.get(f"{C}/osd", headers={"If-None-Match": "*"})
        self.assertEqual((response.code, response.body), (304, b""))
        self.assertTrue(response.headers["Etag"].startswith('W/"'))
        self.assert_error(self.get("/api/v2/cluster/nope/osd", headers={"If-None-Match": "*"}), 404)

    def test_parameters_pages_and_paths_have_their_own_tags(self):
        self.api.cluster_data[Query.OSDS_PAGE] = JsonPage(3, JsonBytes(b"[]"))
        paths = [f"{C}/osd", f"{C}/osd?pool=1", f"{C}/osd?id__in[]=1", f"{C}/osd?page_size=1",
                 f"{C}/osd?page_size=2", f"{C}/osd?page_size=1&page=2", f"{C}/osd?page_size=1&x=1",
                 f"{C}/osd/", f"{C}/pool/1", f"{C}/pool/2"]
        tags = []
        for path in paths:
            response = self.get(path)
            self.assertEqual(response.code, 200, path)
            tags.append(response.headers["Etag"])
        self.assertEqual(len(set(tags)), len(tags))

    def test_errors_carry_no_etag_and_200s_keep_their_headers(self):
        failed = self.get("/api/v2/cluster/nope/osd")
        self.assertEqual(failed.code, 404)
        self.assertNotIn("Etag", failed.headers)
        versioned = self.get(f"{C}/osd")
        self.api.cluster_versions = {}
        plain = self.get(f"{C}/osd")
        self.assertEqual(versioned.body, plain.body)
        per_answer = ("Etag", "Date", "Set-Cookie", "X-Request-Id")
        headers = lambda r: {k: v for k, v in r.headers.get_all() if k not in per_answer}  # noqa: E731
        self.assertEqual(headers(versioned), headers(plain))

    def test_unversioned_reads_keep_a_hash_of_the_body_with_the_same_parsing(self):
        self.api.cluster_versions = {}
        first = self.get(f"{C}/server")
        etag = first.headers["Etag"]
        self.assertFalse(etag.startswith("W/"))   # Tornado's, from the body
        self.assertEqual(self.get(f"{C}/server", headers={"If-None-Match": f'W/{etag}'}).code, 304)
        self.assertEqual(self.get(f"{C}/server", headers={"If-None-Match": "ab*c"}).code, 200)
        self.assertEqual(self.reads(), 3)          # built each time, compared by content


def test_requested_parses_if_none_match():
    assert conditional.requested(None) == frozenset()
    assert conditional.requested(" * ") == conditional.ANY
    assert conditional.requested('W/"a", "b" ,"c,d"') == {"a", "b", "c,d"}
    assert conditional.requested("a*b") == frozenset()
    assert conditional.matches('"x"', 'W/"x"') and conditional.matches('W/"x"', '"x"')
    assert not conditional.matches('"x"', None) and not conditional.matches(None, '"x"')
    assert conditional.entity_tag("v", "/a?b=1") != conditional.entity_tag("v", "/a?b=2")
    assert conditional.entity_tag("v", "/a") != conditional.entity_tag("w", "/a")
