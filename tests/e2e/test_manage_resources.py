"""Every resource of the management API against a real `meridian manage` process: create,
read, list with paging, update (PUT and PATCH), 404, 412, delete, and 400 with the precise
field (docs/manage-api.md)."""

from urllib.parse import urlsplit

import pytest

from manage_harness import api_props, op_props

API = "/apis/orders"
XML_OK = ("<policies><inbound><base /><set-header name=\"x-a\" exists-action=\"override\">"
          "<value>1</value></set-header></inbound><backend><base /></backend>"
          "<outbound><base /></outbound><on-error><base /></on-error></policies>")


# Each: (name, prerequisites [(path, props)], entity path with {id}, props, patch, required field)
RESOURCES = [
    ("apis", [], "/apis/{id}", lambda i: api_props(path="p" + i), {"displayName": "Renamed"}, "path"),
    ("operations", [(API, api_props())], API + "/operations/{id}",
     lambda i: op_props(template="/items" + i), {"description": "d"}, "urlTemplate"),
    ("policyFragments", [], "/policyFragments/{id}",
     lambda i: {"value": "<fragment><set-header name=\"f\" exists-action=\"override\"><value>1</value>"
                         "</set-header></fragment>", "format": "rawxml"},
     {"description": "fragment"}, "value"),
    ("apiVersionSets", [], "/apiVersionSets/{id}",
     lambda i: {"displayName": "Set " + i, "versioningScheme": "Segment"},
     {"description": "versions"}, "versioningScheme"),
    ("products", [], "/products/{id}",
     lambda i: {"displayName": "Product " + i, "subscriptionRequired": True, "state": "published"},
     {"terms": "be nice"}, "displayName"),
    ("subscriptions", [(API, api_props())], "/subscriptions/{id}",
     lambda i: {"displayName": "Sub " + i, "scope": "/apis/orders"}, {"state": "active"}, "scope"),
    ("backends", [], "/backends/{id}",
     lambda i: {"url": "http://10.0.0.1:80" + i, "protocol": "http"}, {"title": "T"}, "url"),
    ("namedValues", [], "/namedValues/{id}",
     lambda i: {"displayName": "nv" + i, "value": "v" + i}, {"tags": ["a"]}, "displayName"),
    ("users", [], "/users/{id}",
     lambda i: {"email": "u%s@example.com" % i, "firstName": "U", "lastName": i},
     {"state": "blocked"}, "email"),
    ("groups", [], "/groups/{id}", lambda i: {"displayName": "G" + i}, {"description": "g"},
     "displayName"),
]


@pytest.mark.parametrize("name,prereq,path,props,patch,required", RESOURCES,
                         ids=[r[0] for r in RESOURCES])
def test_resource_lifecycle(manage, name, prereq, path, props, patch, required):
    for p, body in prereq:
        assert manage.put(p, body).status == 201
    rev0 = manage.revision()

    # create three, in an order that differs from their names
    for i in ("3", "1", "2"):
        r = manage.put(path.format(id="r" + i), props(i))
        assert r.status == 201, r
        assert r.json()["name"] == "r" + i
        assert r.json()["type"].startswith("Microsoft.ApiManagement/service/")
        assert r.header("ETag")
    assert manage.revision() == rev0 + 3

    # read
    r = manage.get(path.format(id="r1"))
    assert r.status == 200
    etag = r.header("ETag")
    assert r.json()["id"].endswith(path.format(id="r1"))
    head = manage.call("HEAD", path.format(id="r1"))
    assert head.status == 200 and head.header("ETag") == etag and head.body == ""

    # list with paging, in creation order
    collection = path.rsplit("/", 1)[0]
    r = manage.get(collection, query={"$top": "2"})
    assert r.status == 200, r
    page = r.json()
    assert page["count"] == 3
    assert [v["name"] for v in page["value"]] == ["r3", "r1"]
    link = urlsplit(page["nextLink"])
    r2 = manage.raw("GET", link.path + "?" + link.query)
    assert [v["name"] for v in r2.json()["value"]] == ["r2"]
    assert "nextLink" not in r2.json()

    # update: PUT replaces (200), PATCH merges
    r = manage.put(path.format(id="r1"), props("1"))
    assert r.status == 200
    assert r.header("ETag") != etag
    r = manage.patch(path.format(id="r1"), patch, if_match=etag)
    assert r.status == 412 and r.json()["error"]["code"] == "PreconditionFailed"
    r = manage.patch(path.format(id="r1"), patch, if_match=r.header("ETag") or "*")
    assert r.status == 200, r
    merged = r.json()["properties"]
    for k, v in patch.items():
        assert merged[k] == v
    assert required in merged or name == "subscriptions"

    # 404s
    assert manage.get(path.format(id="nope")).status == 404
    assert manage.patch(path.format(id="nope"), patch).status == 404
    assert manage.get(path.format(id="bad%20id!")).json()["error"]["code"] == "ResourceNotFound"

    # 400 with the precise field: the required one left out
    body = dict(props("9"))
    body.pop(required)
    rev = manage.state()
    r = manage.put(path.format(id="r9"), body)
    assert r.status == 400
    err = r.json()["error"]
    assert err["code"] == "InvalidRequestContent"
    assert "'%s'" % required in err["message"]
    assert manage.state() == rev

    # delete: 400 without If-Match, 412 on a stale one, 200, then 204
    assert manage.delete(path.format(id="r2"), if_match=None).json()["error"]["code"] == "MissingIfMatch"
    assert manage.delete(path.format(id="r2"), if_match='"stale"').status == 412
    r = manage.delete(path.format(id="r2"))
    assert r.status == 200
    assert r.revision == manage.revision()
    assert manage.delete(path.format(id="r2")).status == 204
    assert manage.get(path.format(id="r2")).status == 404


@pytest.mark.parametrize("scope,prereq", [
    ("/policies/policy", []),
    (API + "/policies/policy", [(API, api_props())]),
    (API + "/operations/get/policies/policy", [(API, api_props()), (API + "/operations/get", op_props())]),
    ("/products/gold/policies/policy", [("/products/gold", {"displayName": "Gold"})]),
], ids=["global", "api", "operation", "product"])
def test_policy_at_every_scope(manage, scope, prereq):
    for p, body in prereq:
        assert manage.put(p, body).status == 201
    assert manage.get(scope).status == 404
    r = manage.put(scope, {"value": XML_OK, "format": "rawxml"})
    assert r.status == 201, r
    assert r.json()["properties"] == {"value": XML_OK, "format": "rawxml"}
    r = manage.get(scope, query={"format": "rawxml"})
    assert r.status == 200 and r.json()["properties"]["value"] == XML_OK
    assert manage.get(scope, query={"format": "json"}).status == 400
    lst = manage.get(scope.rsplit("/", 1)[0])
    assert lst.status == 200 and lst.json()["count"] == 1
    r = manage.put(scope, {"value": XML_OK.replace("1</value>", "2</value>")}, if_match=r.header("ETag"))
    assert r.status == 200 and r.json()["properties"]["format"] == "xml"
    assert manage.delete(scope).status == 200
    assert manage.delete(scope).status == 204


def test_policy_under_a_missing_parent_is_404(manage):
    r = manage.put(API + "/policies/policy", {"value": XML_OK})
    assert r.status == 404 and r.json()["error"]["code"] == "ResourceNotFound"
    r = manage.put(API + "/operations/x", op_props())
    assert r.status == 404


def test_product_api_links(manage):
    assert manage.put(API, api_props()).status == 201
    assert manage.put("/products/gold", {"displayName": "Gold", "subscriptionRequired": False}).status == 201
    assert manage.call("HEAD", "/products/gold/apis/orders").status == 404
    r = manage.put("/products/gold/apis/orders", body="")
    assert r.status == 201, r
    assert manage.call("HEAD", "/products/gold/apis/orders").status == 200
    assert manage.put("/products/gold/apis/nope", body="").status == 404
    lst = manage.get("/products/gold/apis").json()
    assert [v["name"] for v in lst["value"]] == ["orders"]
    snap = manage.get("/snapshot").json()
    assert snap["products"] == [{"id": "gold", "displayName": "Gold", "subscriptionRequired": False,
                                 "apis": ["orders"]}]
    assert manage.patch("/products/gold/apis/orders", {}).status == 405
    # deleting the API removes the link
    assert manage.delete(API).status == 200
    assert manage.get("/products/gold/apis").json()["value"] == []


def test_group_user_links(manage):
    assert manage.put("/users/u1", {"email": "u1@example.com"}).status == 201
    assert manage.put("/groups/g1", {"displayName": "G"}).status == 201
    assert manage.put("/groups/g1/users/u1", body="").status == 201
    assert [v["name"] for v in manage.get("/groups/g1/users").json()["value"]] == ["u1"]
    assert manage.delete("/users/u1").status == 200
    assert manage.get("/groups/g1/users").json()["value"] == []


def test_service_get_and_patch(manage):
    r = manage.get("")
    assert r.status == 200
    svc = r.json()
    assert svc["type"] == "Microsoft.ApiManagement/service"
    assert svc["location"] == "West US"
    r = manage.call("PATCH", "", {"location": "East Asia", "properties": {"publisherEmail": "a@b.c"}})
    assert r.status == 400 and r.json()["error"]["code"] == "MissingIfMatch"
    # the primary moves only to a location that exists
    r = manage.call("PATCH", "", {"location": "East Asia", "properties": {"publisherEmail": "a@b.c"}},
                    if_match=manage.get("").header("ETag"))
    assert r.status == 400 and "PUT {svc}/locations/eastasia" in r.json()["error"]["message"], r
    assert manage.put("/locations/eastasia", {"displayName": "East Asia"}).status == 201
    r = manage.call("PATCH", "", {"location": "EAST ASIA", "properties": {"publisherEmail": "a@b.c"}},
                    if_match=manage.get("").header("ETag"))
    assert r.status == 200, r
    assert r.json()["location"] == "East Asia"  # the location's display name as stored
    assert r.json()["properties"]["publisherEmail"] == "a@b.c"
    regions = manage.get("/snapshot").json()["regions"]
    assert [(x["name"], x["primary"]) for x in regions] == [("East Asia", True), ("West US", False)]
    assert manage.call("PUT", "", {"properties": {}}).status == 405
    assert manage.call("DELETE", "", if_match="*").status == 405


def test_conflicts(manage):
    assert manage.put(API, api_props()).status == 201
    assert manage.put(API + "/operations/get", op_props()).status == 201
    # a named value used by a policy cannot go
    assert manage.put("/namedValues/hdr", {"displayName": "hdr", "value": "x"}).status == 201
    pol = XML_OK.replace("<value>1</value>", "<value>{{hdr}}</value>")
    assert manage.put(API + "/policies/policy", {"value": pol}).status == 201
    r = manage.delete("/namedValues/hdr")
    assert r.status == 409 and r.json()["error"]["code"] == "Conflict"
    assert "hdr" in r.json()["error"]["message"]
    # a version set used by an API cannot go
    assert manage.put("/apiVersionSets/vs", {"displayName": "V", "versioningScheme": "Segment"}).status == 201
    assert manage.put("/apis/v1", api_props(path="ver", apiVersion="v1",
                                            apiVersionSetId="/apiVersionSets/vs")).status == 201
    assert manage.delete("/apiVersionSets/vs").status == 409
    snap = manage.get("/snapshot").json()
    assert [a["path"] for a in snap["apis"]] == ["orders", "ver/v1"]
    # a product with subscriptions
    assert manage.put("/products/p", {"displayName": "P"}).status == 201
    assert manage.put("/subscriptions/s", {"displayName": "S", "scope": "/products/p"}).status == 201
    assert manage.delete("/products/p").status == 409
    assert manage.delete("/products/p", query={"deleteSubscriptions": "true"}).status == 200
    assert manage.get("/subscriptions/s").status == 404
    # a fragment in use
    assert manage.put("/policyFragments/f", {"value": "<fragment><base /></fragment>".replace("<base />", "")}).status == 201
    inc = XML_OK.replace("<base /><set-header", "<base /><include-fragment fragment-id=\"f\" /><set-header")
    assert manage.put(API + "/operations/get/policies/policy", {"value": inc}).status == 201
    assert manage.delete("/policyFragments/f").status == 409


def test_secrets_are_never_returned_by_get(manage):
    assert manage.put(API, api_props()).status == 201
    r = manage.put("/subscriptions/s", {"displayName": "S", "scope": "/apis", "primaryKey": "pk-1234567890",
                                        "state": "active"})
    assert r.status == 201
    for resp in (r, manage.get("/subscriptions/s"), manage.get("/subscriptions")):
        assert "pk-1234567890" not in resp.body
        assert "primaryKey" not in resp.body
    keys = manage.post("/subscriptions/s/listSecrets").json()
    assert keys["primaryKey"] == "pk-1234567890" and len(keys["secondaryKey"]) == 32
    r = manage.post("/subscriptions/s/regenerateSecondaryKey")
    assert r.status == 204 and r.revision == manage.revision()
    keys2 = manage.post("/subscriptions/s/listSecrets").json()
    assert keys2["primaryKey"] == keys["primaryKey"] and keys2["secondaryKey"] != keys["secondaryKey"]
    assert manage.get("/subscriptions/s/listSecrets").status == 405

    r = manage.put("/namedValues/sec", {"displayName": "sec", "value": "hunter2", "secret": True})
    assert r.status == 201 and "hunter2" not in r.body
    assert "hunter2" not in manage.get("/namedValues").body
    assert manage.post("/namedValues/sec/listValue").json() == {"value": "hunter2"}
    # PATCH without the value keeps it
    assert manage.patch("/namedValues/sec", {"tags": ["t"]}).status == 200
    assert manage.post("/namedValues/sec/listValue").json() == {"value": "hunter2"}
    # no longer secret: the value it had is kept, and shown
    r = manage.patch("/namedValues/sec", {"secret": False})
    assert r.status == 200 and r.json()["properties"]["value"] == "hunter2"
    assert "hunter2" not in manage.stderr()
    assert "pk-1234567890" not in manage.stderr()


def test_subscription_references_are_checked(manage):
    r = manage.put("/subscriptions/s", {"displayName": "S", "scope": "/apis/none"})
    assert r.status == 400 and r.json()["error"]["details"][0]["target"] == "properties.scope"
    r = manage.put("/subscriptions/s", {"displayName": "S", "scope": "/bogus"})
    assert r.status == 400
    r = manage.put("/subscriptions/s", {"displayName": "S", "scope": "/apis", "ownerId": "/users/ghost"})
    assert r.status == 400 and r.json()["error"]["details"][0]["target"] == "properties.ownerId"
    full = manage.base + "/apis"
    r = manage.put("/subscriptions/s", {"displayName": "S", "scope": full})
    assert r.status == 201 and r.json()["properties"]["scope"] == "/apis"


def test_change_log(manage):
    assert manage.put(API, api_props()).status == 201
    assert manage.put(API + "/operations/get", op_props()).status == 201
    assert manage.delete(API).status == 200
    r = manage.get("/changes", query={"$top": "2"})
    assert r.status == 200
    log = r.json()
    assert log["count"] == 3
    assert [(c["revision"], c["method"], c["path"]) for c in log["value"]] == [
        (3, "DELETE", "/apis/orders"), (2, "PUT", "/apis/orders/operations/get")]
    assert all(c["actor"] == "admin" for c in log["value"])
    assert "nextLink" in log


def test_method_not_allowed(manage):
    assert manage.call("POST", "/apis").status == 405
    assert manage.call("DELETE", "/apis", if_match="*").status == 405
    assert manage.call("PUT", "/snapshot", {"properties": {}}).status == 405
    r = manage.call("POST", "/apis/x")
    assert r.status == 405 and r.json()["error"]["code"] == "MethodNotAllowed"


def test_first_start_creates_the_admin_key(manage):
    import os
    import stat
    path = os.path.join(manage.data_dir, "admin-key.json")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert "admin key: %s\n" % path in manage.stderr()
    assert set(manage.key) == {"identifier", "key", "token"}
    assert manage.key["identifier"] == "admin" and len(manage.key["token"]) == 43
    assert manage.get("", auth="Bearer " + manage.key["token"]).status == 200
