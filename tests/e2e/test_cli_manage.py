"""The management subcommands (docs/cli.md "Management commands") against a real
`meridian manage`: every subcommand, its output, the server's errors as
`meridian: CODE: message` + `target:line:col: message`, and the exit codes."""

import json
import re

import pytest

from cli_manage_util import table
from manage_harness import api_props, op_props

GOOD_POLICY = ("<policies><inbound><base /><set-header name=\"X-A\" exists-action=\"override\">"
               "<value>@(context.Request.Method)</value></set-header></inbound><backend><base />"
               "</backend><outbound><base /></outbound><on-error><base /></on-error></policies>")

OPENAPI_JSON = {
    "openapi": "3.0.0",
    "info": {"title": "Pets", "version": "1"},
    "servers": [{"url": "http://127.0.0.1:9001/pets"}],
    "paths": {
        "/pets": {"get": {"operationId": "listPets", "responses": {"200": {"description": "ok"}}},
                  "post": {"operationId": "createPet", "responses": {"201": {"description": "ok"}}}},
        "/pets/{petId}": {"get": {"operationId": "showPet",
                                  "parameters": [{"name": "petId", "in": "path", "required": True,
                                                  "schema": {"type": "string"}}],
                                  "responses": {"200": {"description": "ok"}}}},
    },
}

OPENAPI_YAML = """openapi: 3.0.0
info: {title: Store, version: '1'}
servers: [{url: 'http://127.0.0.1:9001/store'}]
paths:
  /orders:
    get:
      operationId: listOrders
      responses: {'200': {description: ok}}
"""


# ---- connection, auth, usage ------------------------------------------------------------

def test_credentials_are_required(cli):
    code, out, err = cli.run("api", "list", env={"MERIDIAN_KEY_FILE": None}, expect=2)
    assert "no credentials" in err and out == ""


def test_bearer_token_and_bad_key(cli, manage, tmp_path):
    assert table(cli.out("api", "list", "--token", manage.key["token"],
                         env={"MERIDIAN_KEY_FILE": None})) == [["ID", "PATH", "DISPLAY NAME", "SERVICE URL"]]
    err = cli.err("api", "list", "--token", "wrong", env={"MERIDIAN_KEY_FILE": None})
    assert err.startswith("meridian: Unauthorized: "), err
    bad = tmp_path / "bad-key.json"
    bad.write_text(json.dumps({"identifier": "admin", "key": "bm90IHRoZSBrZXk="}))
    err = cli.err("api", "list", "--key-file", str(bad), env={"MERIDIAN_KEY_FILE": None})
    assert err.startswith("meridian: Unauthorized: "), err
    err = cli.err("api", "list", "--key-file", str(tmp_path / "missing.json"))
    assert "missing.json" in err


def test_unreachable_server_exits_1(cli):
    err = cli.err("product", "list", "--endpoint", "http://127.0.0.1:1", "--timeout", "5")
    assert err.strip() == "meridian: cannot connect to 127.0.0.1:1: Connection refused"


def test_other_service_names_are_404(cli):
    err = cli.err("api", "list", "--service", "other")
    assert err.startswith("meridian: ResourceNotFound: "), err


@pytest.mark.parametrize("args,message", [
    (["api"], "expected a subcommand"),
    (["api", "frob"], "unknown subcommand 'frob'"),
    (["api", "show"], "needs an API id"),
    (["api", "import", "x"], "import needs --file FILE"),
    (["api", "list", "extra"], "unexpected argument 'extra'"),
    (["product", "add-api", "p"], "needs a product id and an API id"),
    (["product", "create", "p"], "create needs --display-name NAME"),
    (["subscription", "create", "s", "--display-name", "S"], "create needs --scope SCOPE"),
    (["subscription", "create", "s", "--display-name", "S", "--scope", "nowhere"], "--scope \"nowhere\""),
    (["subscription", "regenerate", "s", "tertiary"], "expected primary or secondary"),
    (["named-value", "set", "n"], "exactly one of --value and --value-file"),
    (["policy", "get"], "get needs --scope SCOPE"),
    (["policy", "get", "--scope", "operation:x"], "--scope \"operation:x\""),
    (["policy", "set", "--scope", "global", "--format", "json"], "--format must be rawxml or xml"),
    (["apply"], "-f FILE is required"),
    (["apply", "-f", "x", "--endpoint", "ftp://h"], "only http:// and https://"),
    (["export", "--timeout", "0"], "--timeout must be seconds"),
    (["api", "list", "--token", "t", "--key-file", "k"], "exclude each other"),
])
def test_usage_errors_exit_2(cli, args, message):
    code, out, err = cli.run(*args, expect=2)
    assert message in err, err
    assert out == ""


def test_help_lists_the_management_commands(cli):
    out = cli.out("help")
    for name in ("api", "product", "subscription", "named-value", "apply", "export"):
        assert re.search(r"^  %s\s" % name, out, re.M), out
    assert "Usage: meridian api list" in cli.out("api", "--help")
    assert "Usage: meridian policy get" in cli.out("policy", "get", "--help")
    assert "Usage: meridian apply -f FILE" in cli.out("help", "apply")


# ---- api ---------------------------------------------------------------------------------

def test_api_list_show_delete(cli, manage):
    assert manage.put("/apis/pets", api_props("pets")).status == 201
    assert manage.put("/apis/pets/operations/show", op_props("GET", "/pets/{petId}")).status == 201
    assert manage.put("/apis/store", api_props("shop")).status == 201
    rows = table(cli.out("api", "list"))
    assert rows[0] == ["ID", "PATH", "DISPLAY NAME", "SERVICE URL"]
    assert [r[:2] for r in rows[1:]] == [["pets", "pets"], ["store", "shop"]]
    listed = json.loads(cli.out("api", "list", "--json"))
    assert [a["name"] for a in listed] == ["pets", "store"]

    shown = cli.out("api", "show", "pets")
    assert shown.startswith("id: pets\n") and "path: pets\n" in shown
    assert "operations:\n" in shown and re.search(r"^show\s+GET\s+/pets/\{petId\}", shown, re.M), shown
    assert json.loads(cli.out("api", "show", "pets", "--json"))["properties"]["path"] == "pets"

    assert cli.out("api", "delete", "pets").strip() == "deleted api pets"
    assert cli.out("api", "delete", "pets").strip() == "api pets did not exist"
    err = cli.err("api", "show", "pets")
    assert err.startswith("meridian: ResourceNotFound: "), err


def test_api_import(cli, manage, tmp_path):
    doc = tmp_path / "pets.json"
    doc.write_text(json.dumps(OPENAPI_JSON))
    assert cli.out("api", "import", "pets", "--file", str(doc), "--path", "pets").strip() == \
        "created api pets (3 operations)"
    ops = manage.get("/apis/pets/operations").json()["value"]
    assert sorted(o["properties"]["urlTemplate"] for o in ops) == ["/pets", "/pets", "/pets/{petId}"]

    yaml_doc = tmp_path / "store.yaml"
    yaml_doc.write_text(OPENAPI_YAML)
    # no --path: a new API is served under its id
    assert cli.out("api", "import", "store", "--file", "-", stdin=OPENAPI_YAML).strip() == \
        "created api store (1 operations)"
    assert manage.get("/apis/store").json()["properties"]["path"] == "store"
    # re-import keeps the path
    manage.patch("/apis/store", {"path": "shop"})
    assert cli.out("api", "import", "store", "--file", str(yaml_doc)).strip() == \
        "replaced api store (1 operations)"
    assert manage.get("/apis/store").json()["properties"]["path"] == "shop"

    assert table(cli.out("api", "list"))[1:3] == [
        ["pets", "pets", "Pets", "http://127.0.0.1:9001/pets"],
        ["store", "shop", "Store", "http://127.0.0.1:9001/store"]]


def test_api_import_of_a_broken_document_is_refused(cli, manage, tmp_path):
    before = manage.state()
    bad = tmp_path / "bad.yaml"
    bad.write_text("openapi: 3.0.0\npaths:\n  /x: [unclosed\n")
    err = cli.err("api", "import", "x", "--file", str(bad))
    assert err.startswith("meridian: "), err
    assert manage.state() == before


# ---- policy ------------------------------------------------------------------------------

def test_policy_set_get_delete_at_every_scope(cli, manage, tmp_path):
    assert manage.put("/apis/a", api_props("a")).status == 201
    assert manage.put("/apis/a/operations/o", op_props()).status == 201
    assert manage.put("/products/p", {"displayName": "P"}).status == 201
    f = tmp_path / "p.xml"
    f.write_text(GOOD_POLICY)
    for scope, path in [("global", "/policies/policy"), ("api:a", "/apis/a/policies/policy"),
                        ("operation:a/o", "/apis/a/operations/o/policies/policy"),
                        ("product:p", "/products/p/policies/policy")]:
        assert cli.out("policy", "set", "--scope", scope, "--file", str(f)).strip() == \
            "created the policy of %s" % scope
        assert manage.get(path).status == 200
        assert cli.out("policy", "get", "--scope", scope).strip() == GOOD_POLICY
        assert json.loads(cli.out("policy", "get", "--scope", scope, "--json"))["name"] == "policy"
        assert cli.out("policy", "set", "--scope", scope, stdin=GOOD_POLICY).strip() == \
            "replaced the policy of %s" % scope
        assert cli.out("policy", "delete", "--scope", scope).strip() == \
            "deleted the policy of %s" % scope
        assert cli.out("policy", "delete", "--scope", scope).strip() == "%s had no policy" % scope
        assert cli.err("policy", "get", "--scope", scope).startswith("meridian: ResourceNotFound")


def test_invalid_policy_prints_target_line_col(cli, manage):
    assert manage.put("/apis/a", api_props("a")).status == 201
    before = manage.state()
    code, out, err = cli.run("policy", "set", "--scope", "api:a",
                             stdin="<policies>\n  <inbound><bse /></inbound>\n</policies>", expect=1)
    lines = err.splitlines()
    assert lines[0].startswith("meridian: ValidationError: "), err
    assert lines[1].startswith("  /apis/a/policies/policy:2:"), err
    assert "<bse>" in lines[1]
    assert out == "" and manage.state() == before


# ---- product -----------------------------------------------------------------------------

def test_product_commands(cli, manage):
    assert manage.put("/apis/a", api_props("a")).status == 201
    assert cli.out("product", "create", "gold", "--display-name", "Gold", "--state", "published",
                   "--subscription-required", "false", "--description", "best",
                   "--subscriptions-limit", "3").strip() == "created product gold"
    props = manage.get("/products/gold").json()["properties"]
    assert (props["displayName"], props["state"], props["subscriptionRequired"],
            props["description"], props["subscriptionsLimit"]) == ("Gold", "published", False, "best", 3)
    assert cli.out("product", "create", "gold", "--display-name", "Gold 2").strip() == "replaced product gold"
    assert table(cli.out("product", "list"))[1][0] == "gold"
    assert cli.out("product", "add-api", "gold", "a").strip() == "api a added to product gold"
    assert manage.get("/products/gold/apis/a").status == 200
    shown = cli.out("product", "show", "gold")
    assert "displayName: Gold 2" in shown and re.search(r"^a\s+a\s+A$", shown, re.M), shown
    assert cli.out("product", "remove-api", "gold", "a").strip() == "api a removed from product gold"
    assert cli.out("product", "remove-api", "gold", "a").strip() == "api a was not in product gold"
    err = cli.err("product", "add-api", "gold", "nope")
    assert err.startswith("meridian: "), err
    assert cli.out("product", "delete", "gold").strip() == "deleted product gold"
    assert manage.get("/products/gold").status == 404


# ---- subscription ------------------------------------------------------------------------

def test_subscription_commands(cli, manage):
    assert manage.put("/products/p", {"displayName": "P"}).status == 201
    assert manage.put("/users/alice", {"email": "alice@example.com", "firstName": "A",
                                       "lastName": "B"}).status == 201
    assert cli.out("subscription", "create", "s1", "--scope", "product:p", "--display-name", "S one",
                   "--state", "active", "--owner", "alice").strip() == "created subscription s1"
    assert cli.out("subscription", "create", "s2", "--scope", "all", "--display-name", "S two",
                   "--primary-key", "k" * 32).strip() == "created subscription s2"
    rows = table(cli.out("subscription", "list"))
    assert rows[0] == ["ID", "SCOPE", "STATE", "OWNER", "DISPLAY NAME"]
    assert rows[1][:4] == ["s1", "/products/p", "active", "/users/alice"]
    assert rows[2][:2] == ["s2", "/apis"]
    shown = cli.out("subscription", "show", "s2")
    assert "kkkk" not in shown, "keys are never in show"
    keys = cli.out("subscription", "keys", "s2")
    assert keys.startswith("primaryKey: %s\nsecondaryKey: " % ("k" * 32)), keys
    before = json.loads(cli.out("subscription", "keys", "s2", "--json"))
    assert cli.out("subscription", "regenerate", "s2", "primary").strip() == \
        "regenerated the primary key of subscription s2"
    after = json.loads(cli.out("subscription", "keys", "s2", "--json"))
    assert after["primaryKey"] != before["primaryKey"]
    assert after["secondaryKey"] == before["secondaryKey"]
    cli.out("subscription", "regenerate", "s2", "secondary")
    assert json.loads(cli.out("subscription", "keys", "s2", "--json"))["secondaryKey"] != before["secondaryKey"]
    assert cli.out("subscription", "delete", "s1").strip() == "deleted subscription s1"
    assert cli.err("subscription", "keys", "s1").startswith("meridian: ResourceNotFound")


# ---- named-value -------------------------------------------------------------------------

def test_named_value_commands(cli, manage):
    assert cli.out("named-value", "set", "host", "--value", "http://h").strip() == "created named value host"
    assert cli.out("named-value", "set", "key", "--value-file", "-", "--secret", "--tags", "a,b",
                   stdin="s3cr3t\n").strip() == "created named value key"
    props = manage.get("/namedValues/key").json()["properties"]
    assert props["secret"] is True and props["tags"] == ["a", "b"] and "value" not in props
    assert manage.post("/namedValues/key/listValue").json()["value"] == "s3cr3t"
    rows = table(cli.out("named-value", "list"))
    assert rows[1] == ["host", "host", "false", "http://h"]
    assert rows[2] == ["key", "key", "true", "-"]
    assert "s3cr3t" not in cli.out("named-value", "show", "key")
    assert "value: s3cr3t" in cli.out("named-value", "show", "key", "--reveal")
    assert json.loads(cli.out("named-value", "show", "key", "--reveal", "--json"))["properties"]["value"] == "s3cr3t"
    # in use by a policy: the server refuses the delete
    assert manage.put("/apis/a", api_props("a")).status == 201
    policy = GOOD_POLICY.replace("@(context.Request.Method)", "{{key}}")
    cli.out("policy", "set", "--scope", "api:a", stdin=policy)
    err = cli.err("named-value", "delete", "key")
    assert err.startswith("meridian: Conflict: "), err
    cli.out("policy", "delete", "--scope", "api:a")
    assert cli.out("named-value", "delete", "key").strip() == "deleted named value key"


def test_lists_follow_next_link(cli, manage):
    for i in range(105):
        assert manage.put("/namedValues/nv%03d" % i, {"displayName": "nv%03d" % i, "value": str(i)}).status == 201
    assert "nextLink" in manage.get("/namedValues").json()
    rows = table(cli.out("named-value", "list"))
    assert len(rows) == 106 and rows[-1][0] == "nv104"
    assert len(json.loads(cli.out("named-value", "list", "--json"))) == 105
