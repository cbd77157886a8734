"""OpenAPI import (docs/openapi-import.md) against a real `meridian manage`: PUT /apis/{id}
with format + value, the CLI's `api import`, re-import, and refused documents that leave the
service unchanged. Documents: tests/data/openapi/ (README.md there names their sources)."""

import json
import os

DATA = os.path.join(os.path.dirname(__file__), "..", "data", "openapi")


def document(name):
    with open(os.path.join(DATA, name), encoding="utf-8") as f:
        return f.read()


def operation_names(manage, api):
    r = manage.get("/apis/%s/operations" % api)
    assert r.status == 200, r
    return [op["name"] for op in r.json()["value"]], r.json()["count"]


def test_put_with_an_openapi_document_creates_the_api_and_operations(manage):
    r = manage.put("/apis/pets", {"format": "openapi", "value": document("petstore.yaml"),
                                  "path": "petstore"})
    assert r.status == 201, r
    props = r.json()["properties"]
    assert props["displayName"] == "Swagger Petstore"
    assert props["path"] == "petstore"
    assert props["serviceUrl"] == "http://petstore.swagger.io/v1"
    assert "format" not in props and "value" not in props
    assert operation_names(manage, "pets") == (["listPets", "createPets", "showPetById"], 3)
    op = manage.get("/apis/pets/operations/showPetById").json()["properties"]
    assert op["method"] == "GET" and op["urlTemplate"] == "/pets/{petId}"
    assert op["templateParameters"][0]["name"] == "petId"
    snapshot = json.loads(manage.snapshot())
    assert [o["urlTemplate"] for o in snapshot["apis"][0]["operations"]] == \
        ["/pets", "/pets", "/pets/{petId}"]


def test_large_swagger_document(manage):
    r = manage.put("/apis/docker", {"format": "openapi",
                                    "value": document("docker-engine-v1.41.yaml"),
                                    "serviceUrl": "http://127.0.0.1:2375"})
    assert r.status == 201, r
    assert r.json()["properties"]["path"] == "v1.41"
    names, count = operation_names(manage, "docker")
    assert count == 106 and len(names) == 100  # first page
    op = manage.get("/apis/docker/operations/ContainerRename").json()["properties"]
    assert op["urlTemplate"] == "/containers/{id}/rename?name={name}"


def test_cli_import_and_reimport(cli, manage):
    out = cli.out("api", "import", "pets", "--file", os.path.join(DATA, "petstore-v2.json"))
    assert out.strip() == "created api pets (3 operations)", out
    assert manage.get("/apis/pets").json()["properties"]["path"] == "pets"
    out = cli.out("api", "import", "pets", "--file", os.path.join(DATA, "petstore-expanded.yaml"))
    assert out.strip() == "replaced api pets (4 operations)", out
    assert operation_names(manage, "pets") == \
        (["findPets", "addPet", "find-pet-by-id", "deletePet"], 4)
    assert manage.get("/apis/pets/operations/listPets").status == 404


def test_documents_that_cannot_be_imported_change_nothing(cli, manage, tmp_path):
    before = manage.state()
    broken = ("openapi: 3.0.0\ninfo: {title: T, version: '1'}\npaths:\n  /a:\n    get:\n"
              "      parameters: [{$ref: '#/components/parameters/Nope'}]\n")
    r = manage.put("/apis/bad", {"format": "openapi", "value": broken,
                                 "serviceUrl": "http://127.0.0.1:1"})
    assert r.status == 400, r
    detail = r.json()["error"]["details"][0]
    assert r.json()["error"]["code"] == "ValidationError"
    assert (detail["target"], detail["line"], detail["column"]) == ("properties.value", 6, 27)
    assert "does not resolve" in detail["message"]

    mixed = tmp_path / "mixed.yaml"
    mixed.write_text("openapi: 3.0.0\ninfo: {title: T, version: '1'}\n"
                     "servers: [{url: 'http://127.0.0.1:1'}]\n"
                     "paths:\n  /files/{name}.json:\n    get: {}\n")
    err = cli.err("api", "import", "bad", "--file", str(mixed))
    assert err.startswith("meridian: ValidationError: "), err
    assert "properties.value:6:5: " in err, err
    assert "path \"/files/{name}.json\": a parameter must be a whole segment" in err, err
    assert manage.state() == before
