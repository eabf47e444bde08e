"""`PUT user/<id>` carries the whole representation: its own, unchanged username is not a change."""
from __future__ import annotations

from tests.system.requests_helpers import xsrf


def test_put_with_the_unchanged_username_is_accepted_and_a_different_one_refused(api):
    me = api.get("user/me").json()
    same = api.put("user/me", json={"username": me["username"], "email": "root@example.com"},
                   headers=xsrf(api))
    assert same.status_code == 200, same.text
    assert same.json()["username"] == me["username"] and same.json()["email"] == "root@example.com"

    olive = api.post("user", json={"username": "olive", "password": "olive-secret-1"}, headers=xsrf(api)).json()
    by_admin = api.put(f"user/{olive['id']}", json={"username": "olive", "email": "o@example.com"},
                       headers=xsrf(api))
    assert by_admin.status_code == 200, by_admin.text

    for target, other in (("user/me", "someone-else"), (f"user/{olive['id']}", "admin")):
        renamed = api.put(target, json={"username": other, "email": "x@example.com"}, headers=xsrf(api))
        assert renamed.status_code == 400, renamed.text
        assert renamed.json()["errors"] == {"username": ["cannot be changed"]}
    # The refused PUTs changed nothing.
    assert api.get(f"user/{olive['id']}").json()["email"] == "o@example.com"
    assert api.get("user/me").json()["email"] == "root@example.com"


def test_put_of_the_representation_a_get_answered_is_accepted(api):
    """What GET shows (id, username, is_admin, role) may come back unchanged in a PUT; changing
    what cannot change is a 400 naming the field, nothing written."""
    me = api.get("user/me").json()
    same = api.put("user/me", json={**me, "email": "admin@example.com"}, headers=xsrf(api))
    assert same.status_code == 200, same.text
    assert same.json() == {**me, "email": "admin@example.com"}
    ruth = api.post("user", json={"username": "ruth", "password": "Ruth-reads-Quartz-41", "role": "read-only"},
                    headers=xsrf(api)).json()
    shown = api.get(f"user/{ruth['id']}").json()
    promoted = api.put(f"user/{ruth['id']}", json={**shown, "role": "operator"}, headers=xsrf(api))
    assert promoted.status_code == 200 and promoted.json()["role"] == "operator", promoted.text
    for field, value in (("id", ruth["id"] + 1), ("is_admin", True), ("username", "ruthless")):
        refused = api.put(f"user/{ruth['id']}", json={**shown, "role": "operator", field: value}, headers=xsrf(api))
        assert refused.status_code == 400 and refused.json()["errors"] == {field: ["cannot be changed"]}, refused.text
    own_role = api.put("user/me", json={**me, "role": "read-only"}, headers=xsrf(api))
    assert own_role.status_code == 409, own_role.text
