"""The client library's pure parts: URLs, the API's errors as typed errors, the SSE reader."""
from __future__ import annotations

import pytest

from calamari import errors, sse
from calamari.client import BadUrl, api_base, segment, server_url


@pytest.mark.parametrize("given", ["http://h:8002", "http://h:8002/", "http://h:8002/api/v2", "http://h:8002/api/v2/"])
def test_every_way_of_writing_the_server_url_reaches_api_v2(given):
    assert api_base(given) == "http://h:8002/api/v2/" and server_url(given) == "http://h:8002"


def test_a_prefix_is_kept_and_anything_but_http_is_refused():
    assert api_base("https://proxy.example/calamari/api/v2") == "https://proxy.example/calamari/api/v2/"
    for bad in ("h:8002", "ftp://h", "http://", ""):
        with pytest.raises(BadUrl):
            api_base(bad)


def test_a_name_is_one_path_segment():
    assert segment("a/../b c") == "a%2F..%2Fb%20c"


def test_the_api_errors_become_typed_errors_with_their_exit_codes():
    invalid = errors.error_for(400, {"detail": "Invalid pool", "errors": {"pg_num": ["must be >= 1"]}})
    assert isinstance(invalid, errors.InvalidInput) and invalid.exit_code == errors.USAGE
    assert str(invalid) == "Invalid pool (pg_num: must be >= 1)"
    said = errors.error_for(400, {"detail": "pg_num: must be >= 1", "errors": {"pg_num": ["must be >= 1"]}})
    assert str(said) == "pg_num: must be >= 1"                   # not said twice
    for status in (401, 403):
        assert errors.error_for(status, {"detail": "no"}).exit_code == errors.AUTH
    gone = errors.error_for(404, None)                            # a body that is not the API's shape
    assert (gone.exit_code, gone.status, str(gone)) == (errors.FAILED, 404, "HTTP 404")


def test_sse_messages_comments_multiline_data_and_an_unfinished_tail():
    lines = [": stream open", "", "id: 7", "event: event", 'data: {"a":', "data: 1}", "",
             "event: end", "data: not json", "", "id: 9", "data: {}"]
    assert list(sse.messages(lines)) == [sse.Message("7", "event", {"a": 1}), sse.Message(None, "end", "not json")]
