"""API import through the management API: PUT /apis/{id} with properties.format and
properties.value creates the API and its operations from an OpenAPI or Swagger document
(the documents are the openapi importer's test data, tests/data/openapi)."""

import os

import pytest


DATA = os.path.join(os.path.dirname(__file__), "..", "data", "openapi")


def read(name):
    path = os.path.join(DATA, name)
    assert os.path.isfile(path), "missing test document %s" % path
    with open(path, encoding="utf-8") as f:
        return f.read()


def all_operations(manage, api):
    names, skip = [], 0
    while True:
        page = manage.get("/apis/%s/operations" % api, query={"$skip": str(skip)}).json()
        names += [v["name"] for v in page["value"]]
        if "nextLink" not in page:
            return names, page["count"]
        skip += 100


@pytest.mark.parametrize("doc,fmt,count", [
    ("petstore.yaml", "openapi", 3),
    ("petstore-v2.json", "swagger-json", 3),
    ("petstore-expanded.yaml", "openapi", 4),
    ("docker-engine-v1.41.yaml", "openapi", 106),
])
def test_import_creates_the_api_and_its_operations(manage, doc, fmt, count):
    r = manage.put("/apis/imported", {"format": fmt, "value": read(doc), "path": "imp",
                                      "serviceUrl": "http://127.0.0.1:9"})
    assert r.status == 201, r
    props = r.json()["properties"]
    assert props["path"] == "imp" and props["serviceUrl"] == "http://127.0.0.1:9"
    assert "value" not in props and "format" not in props
    names, total = all_operations(manage, "imported")
    assert total == count and len(names) == count
    snap = manage.get("/snapshot").json()
    api = [a for a in snap["apis"] if a["id"] == "imported"][0]
    assert len(api["operations"]) == count
    assert manage.revision() == 1  # the API and all its operations: one change


def test_reimport_replaces_the_operations(manage):
    assert manage.put("/apis/p", {"format": "openapi", "value": read("petstore-expanded.yaml"), "path": "p",
                                  "serviceUrl": "http://127.0.0.1:9"}).status == 201
    assert manage.put("/apis/p/operations/extra", {"displayName": "x", "method": "GET",
                                                   "urlTemplate": "/extra"}).status == 201
    r = manage.put("/apis/p", {"format": "openapi", "value": read("petstore.yaml"), "path": "p",
                               "serviceUrl": "http://127.0.0.1:9"})
    assert r.status == 200
    names, total = all_operations(manage, "p")
    assert total == 3 and "extra" not in names


def test_a_bad_document_is_a_400_with_its_place(manage):
    before = manage.state()
    r = manage.put("/apis/bad", {"format": "openapi", "path": "b",
                                 "value": "openapi: 3.0.0\ninfo:\n  version: '1'\npaths: {}\n"})
    assert r.status == 400
    d = r.json()["error"]["details"][0]
    assert d["target"] == "properties.value" and d["line"] == 3 and "title" in d["message"]
    r = manage.put("/apis/bad", {"format": "wsdl", "value": "<x/>", "path": "b"})
    assert r.status == 400 and r.json()["error"]["code"] == "InvalidRequestContent"
    assert manage.state() == before
