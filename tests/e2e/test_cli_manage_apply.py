"""`meridian apply` and `meridian export` (docs/service-file.md) against a real
`meridian manage`: the plan and its order, creates/updates/deletes, managed sections,
secrets, export | apply planning nothing, a round trip apply -> export -> apply that is a
no-op (same revision), a failing step, and file errors with file:line:col."""

import http.client
import json
import os
import re
import socket
import stat
import threading

import pytest


POLICY = ("<policies><inbound><base /></inbound><backend><base /></backend>"
          "<outbound><base /></outbound><on-error><base /></on-error></policies>")

SERVICE_YAML = """
service:
  publisherEmail: ops@example.com
  publisherName: Contoso
policy: |
  <policies><inbound><set-header name="X-Global" exists-action="override"><value>1</value></set-header></inbound><backend><forward-request /></backend><outbound /><on-error /></policies>
namedValues:
  backend-url: {displayName: backend-url, value: "http://127.0.0.1:19081"}
  api-key: {displayName: api-key, value: s3cr3t, secret: true}
policyFragments:
  add-trace:
    value: <fragment><set-header name="X-Trace" exists-action="override"><value>1</value></set-header></fragment>
backends:
  echo: {url: "http://127.0.0.1:19081", protocol: http}
apis:
  echo:
    displayName: Echo
    path: echo
    serviceUrl: http://127.0.0.1:19081
    protocols: [http, https]
    policy: <policies><inbound><base /><include-fragment fragment-id="add-trace" /><set-header name="X-Key" exists-action="override"><value>{{api-key}}</value></set-header></inbound><backend><base /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>
    operations:
      get-item:
        displayName: Get item
        method: GET
        urlTemplate: /items/{id}
        templateParameters: [{name: id, type: string, required: true}]
        policy: %(policy)s
      list:
        displayName: List
        method: GET
        urlTemplate: /items
users:
  alice: {email: alice@example.com, firstName: Alice, lastName: Doe}
groups:
  devs: {displayName: Developers, users: [alice]}
products:
  starter:
    displayName: Starter
    state: published
    subscriptionRequired: true
    apis: [echo]
    policy: %(policy)s
subscriptions:
  alice-starter:
    scope: /products/starter
    displayName: Alice starter
    ownerId: /users/alice
    state: active
    primaryKey: 0123456789abcdef0123456789abcdef
""" % {"policy": POLICY}

FULL_PLAN = """Plan: 17 to create, 1 to update, 0 to delete.
  update  service (publisherEmail, publisherName)
  create  named value backend-url
  create  named value api-key
  create  backend echo
  create  policy fragment add-trace
  create  global policy
  create  api echo
  create  operation echo/get-item
  create  operation echo/list
  create  policy of api echo
  create  policy of operation echo/get-item
  create  user alice
  create  group devs
  create  user alice in group devs
  create  product starter
  create  api echo in product starter
  create  policy of product starter
  create  subscription alice-starter
"""

NO_CHANGES = "No changes: the service matches the file.\n"


@pytest.fixture
def applied(cli, tmp_path):
    f = tmp_path / "service.yaml"
    f.write_text(SERVICE_YAML)
    cli.out("apply", "-f", str(f))
    return f


def test_dry_run_prints_the_plan_in_dependency_order_and_writes_nothing(cli, manage, tmp_path):
    f = tmp_path / "service.yaml"
    f.write_text(SERVICE_YAML)
    before = manage.state()
    assert cli.out("apply", "-f", str(f), "--dry-run") == FULL_PLAN
    assert manage.state() == before


def test_apply_creates_everything(cli, manage, tmp_path):
    f = tmp_path / "service.yaml"
    f.write_text(SERVICE_YAML)
    out = cli.out("apply", "--file", str(f))
    assert out.startswith(FULL_PLAN)
    assert out.endswith("created subscription alice-starter\nApplied 18 steps; service "
                        "revision %d.\n" % manage.revision()), out
    assert "s3cr3t" not in out
    assert manage.get("").json()["properties"]["publisherName"] == "Contoso"
    assert manage.get("/apis/echo/operations/get-item/policies/policy").status == 200
    assert manage.get("/products/starter/apis/echo").status == 200
    assert manage.get("/groups/devs/users/alice").status == 200
    assert manage.post("/namedValues/api-key/listValue").json()["value"] == "s3cr3t"
    keys = manage.post("/subscriptions/alice-starter/listSecrets").json()
    assert keys["primaryKey"] == "0123456789abcdef0123456789abcdef"
    # applying the same file again changes nothing
    revision = manage.revision()
    assert cli.out("apply", "-f", str(f)) == NO_CHANGES
    assert manage.revision() == revision


def test_export_then_apply_plans_nothing_and_round_trip_is_a_no_op(cli, manage, applied, tmp_path):
    exported = tmp_path / "export.json"
    cli.out("export", "-o", str(exported))
    doc = json.loads(exported.read_text())
    assert list(doc) == ["service", "policy", "namedValues", "policyFragments", "backends",
                         "apiVersionSets", "apis", "users", "groups", "products", "subscriptions"]
    # secrets are left out without --include-secrets
    assert "value" not in doc["namedValues"]["api-key"]
    assert "primaryKey" not in doc["subscriptions"]["alice-starter"]
    assert doc["apis"]["echo"]["operations"]["get-item"]["policy"] == POLICY
    assert doc["products"]["starter"]["apis"] == ["echo"]
    assert cli.out("apply", "-f", str(exported), "--dry-run") == NO_CHANGES
    # export | apply -f -
    text = cli.out("export")
    assert json.loads(text) == doc
    assert cli.out("apply", "-f", "-", "--dry-run", stdin=text) == NO_CHANGES
    # round trip: apply the export for real, export again: same file, same revision
    revision = manage.revision()
    assert cli.out("apply", "-f", str(exported)) == NO_CHANGES
    assert manage.revision() == revision
    assert json.loads(cli.out("export")) == doc
    # secrets the file leaves out stay as they were
    assert manage.post("/namedValues/api-key/listValue").json()["value"] == "s3cr3t"


def test_export_with_secrets(cli, manage, applied, tmp_path):
    out = tmp_path / "secret.json"
    cli.out("export", "-o", str(out), "--include-secrets")
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    doc = json.loads(out.read_text())
    assert doc["namedValues"]["api-key"]["value"] == "s3cr3t"
    keys = manage.post("/subscriptions/alice-starter/listSecrets").json()
    assert doc["subscriptions"]["alice-starter"]["primaryKey"] == keys["primaryKey"]
    assert doc["subscriptions"]["alice-starter"]["secondaryKey"] == keys["secondaryKey"]
    assert not os.path.exists(str(out) + ".tmp")
    assert cli.out("apply", "-f", str(out), "--dry-run") == NO_CHANGES


def test_updates_and_deletes(cli, manage, applied, tmp_path):
    doc = json.loads(cli.out("export"))
    doc["apis"]["echo"]["serviceUrl"] = "http://127.0.0.1:19082"
    del doc["apis"]["echo"]["operations"]["list"]
    del doc["apis"]["echo"]["operations"]["get-item"]["policy"]
    doc["namedValues"]["api-key"]["value"] = "rotated"
    del doc["namedValues"]["backend-url"]
    doc["groups"]["devs"]["users"] = []
    del doc["products"]["starter"]["policy"]
    doc["policy"] = None
    del doc["users"]  # not managed any more: alice stays
    f = tmp_path / "changed.json"
    f.write_text(json.dumps(doc))
    out = cli.out("apply", "-f", str(f))
    assert out.startswith("""Plan: 0 to create, 2 to update, 6 to delete.
  update  named value api-key (value)
  update  api echo (serviceUrl)
  delete  policy of product starter
  delete  user alice in group devs
  delete  policy of operation echo/get-item
  delete  operation echo/list
  delete  global policy
  delete  named value backend-url
"""), out
    assert "rotated" not in out
    assert manage.get("/apis/echo").json()["properties"]["serviceUrl"] == "http://127.0.0.1:19082"
    assert manage.get("/apis/echo/operations/list").status == 404
    assert manage.get("/policies/policy").status == 404
    assert manage.get("/users/alice").status == 200
    assert manage.post("/namedValues/api-key/listValue").json()["value"] == "rotated"
    assert cli.out("apply", "-f", str(f), "--dry-run") == NO_CHANGES


def test_deleting_an_api_takes_its_children(cli, manage, applied, tmp_path):
    doc = json.loads(cli.out("export"))
    del doc["apis"]["echo"]
    doc["products"]["starter"]["apis"] = []
    doc["apis"]["other"] = {"displayName": "Other", "path": "other",
                            "serviceUrl": "http://127.0.0.1:19081"}
    f = tmp_path / "changed.json"
    f.write_text(json.dumps(doc))
    out = cli.out("apply", "-f", str(f))
    assert "  create  api other\n" in out
    assert "  delete  api echo (and 4 operations/policies under it)\n" in out
    assert "  delete  api echo in product starter\n" in out
    assert out.index("delete  api echo in product") < out.index("delete  api echo (")
    assert "operation echo/" not in out
    assert manage.get("/apis/echo").status == 404
    assert manage.get("/apis/echo/operations/get-item").status == 404
    assert cli.out("apply", "-f", str(f), "--dry-run") == NO_CHANGES


def test_a_failed_step_stops_and_reports_what_was_applied(cli, manage, applied, tmp_path):
    f = tmp_path / "bad.yaml"
    f.write_text("""
namedValues:
  api-key: {displayName: api-key, secret: true}
  backend-url: {displayName: backend-url, value: "http://127.0.0.1:19081"}
  newnv: {displayName: newnv, value: x}
apis:
  echo:
    displayName: Echo
    path: echo
    serviceUrl: http://127.0.0.1:19081
    protocols: [http, https]
    policy: <policies><inbound><base /><set-header name="a" exists-action="override"><value>{{nope}}</value></set-header></inbound><backend><base /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>
  two: {displayName: Two, path: two, serviceUrl: "http://127.0.0.1:19081"}
""")
    code, out, err = cli.run("apply", "-f", str(f), expect=1)
    assert "created named value newnv\ncreated api two\n" in out
    lines = err.splitlines()
    assert lines[0].startswith("meridian: ValidationError: "), err
    assert "nope" in err
    tail = err[err.index("meridian: apply stopped"):]
    assert tail.startswith("meridian: apply stopped: 2 of 6 steps applied; not applied:\n"
                           "  update  policy of api echo  (failed)\n"), err
    assert "  delete  operation echo/list\n" in tail
    assert manage.get("/namedValues/newnv").status == 200
    assert manage.get("/apis/echo/operations/list").status == 200


def test_file_errors_name_file_line_col_and_change_nothing(cli, manage, tmp_path):
    before = manage.state()
    f = tmp_path / "svc.yaml"
    f.write_text("apis:\n  x:\n    path: x\n    operations: [1]\n")
    code, out, err = cli.run("apply", "-f", str(f), expect=1)
    assert err == ("%s:4:17: 'operations' must be a mapping of operation ids to their properties, "
                   "not a list (at apis.x.operations)\n" % f)
    assert out == ""
    g = tmp_path / "svc.json"
    g.write_text('{"apis": {"x": {"path": "x"}},\n "prodcts": {}}')
    err = cli.err("apply", "-f", str(g))
    assert err.startswith("%s:2:13: unknown section 'prodcts'" % g), err
    h = tmp_path / "syntax.yaml"
    h.write_text("apis:\n  x: {path: x\n")
    err = cli.err("apply", "-f", str(h))
    assert err.startswith("%s:3:" % h), err
    assert "No such file" in cli.err("apply", "-f", str(tmp_path / "missing.yaml"))
    assert manage.state() == before


# ---- concurrency: a change made by someone else while apply runs ---------------------------

class Interceptor:
    """An HTTP proxy in front of manage that runs `action()` once, just before forwarding
    the first request for which `trigger(method, target)` is true: a change someone else
    makes at the worst moment."""

    def __init__(self, manage, trigger, action):
        self.manage, self.trigger, self.action = manage, trigger, action
        self.fired = False
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                self._one(conn)

    def _one(self, conn):
        f = conn.makefile("rb")
        method, target, _ = f.readline().decode().split(" ", 2)
        headers = {}
        for line in iter(f.readline, b"\r\n"):
            name, value = line.decode().split(":", 1)
            headers[name.strip()] = value.strip()
        body = f.read(int(headers.get("Content-Length", "0")))
        if not self.fired and self.trigger(method, target):
            self.fired = True
            self.action()
        headers.pop("Host", None)
        up = http.client.HTTPConnection("127.0.0.1", self.manage.port, timeout=30)
        up.request(method, target, body=body, headers=headers)
        r = up.getresponse()
        data = r.read()
        out = "HTTP/1.1 %d %s\r\n" % (r.status, r.reason)
        for k, v in r.getheaders():
            if k.lower() not in ("content-length", "transfer-encoding", "connection"):
                out += "%s: %s\r\n" % (k, v)
        out += "Content-Length: %d\r\nConnection: close\r\n\r\n" % len(data)
        conn.sendall(out.encode() + data)
        up.close()

    def close(self):
        self.sock.close()


def change_echo_while_applying(cli, manage, tmp_path, trigger):
    doc = json.loads(cli.out("export"))
    doc["apis"]["echo"]["serviceUrl"] = "http://127.0.0.1:19099"
    f = tmp_path / "changed.json"
    f.write_text(json.dumps(doc))
    proxy = Interceptor(manage, trigger,
                        lambda: manage.patch("/apis/echo", {"description": "someone else"}))
    try:
        code, out, err = cli.run("apply", "-f", str(f), env={
            "MERIDIAN_ENDPOINT": "http://127.0.0.1:%d" % proxy.port}, expect=1)
    finally:
        proxy.close()
    assert proxy.fired
    props = manage.get("/apis/echo").json()["properties"]
    assert props["description"] == "someone else"
    assert props["serviceUrl"] == "http://127.0.0.1:19081", "the other change was not overwritten"
    return out, err


def test_a_change_made_after_the_plan_stops_apply(cli, manage, applied, tmp_path):
    # apply re-reads the API before updating it: the change made before that read is seen
    out, err = change_echo_while_applying(
        cli, manage, tmp_path, lambda m, t: m == "GET" and re.search(r"/apis/echo\?", t))
    assert "  update  api echo (serviceUrl)\n" in out
    assert err.startswith("meridian: api echo changed on the server since the plan was made; "
                          "run apply again\n"), err


def test_a_change_between_read_and_write_is_refused_by_if_match(cli, manage, applied, tmp_path):
    # the change lands after apply's re-read, before its PATCH: the ETag no longer matches
    out, err = change_echo_while_applying(
        cli, manage, tmp_path, lambda m, t: m == "PATCH" and re.search(r"/apis/echo\?", t))
    assert err.startswith("meridian: PreconditionFailed: "), err
    assert "  update  api echo  (failed)\n" in err


VERSIONED_YAML = """
apiVersionSets:
  orders: {displayName: Orders, versioningScheme: Segment}
namedValues:
  k: {displayName: k, value: v}
backends:
  b1:
    url: http://127.0.0.1:9/x
    protocol: http
    title: B one
    credentials: {header: {x-key: ["{{k}}"]}}
    tls: {validateCertificateChain: false, validateCertificateName: false}
apis:
  orders-v1:
    displayName: Orders
    path: orders
    serviceUrl: http://127.0.0.1:9/orders
    apiVersion: v1
    apiVersionSetId: /apiVersionSets/orders
    subscriptionKeyParameterNames: {header: X-Key, query: key}
    subscriptionRequired: false
    operations:
      op:
        displayName: Op
        method: POST
        urlTemplate: /o/{id}
        templateParameters: [{name: id, type: string, required: true}]
products:
  p: {displayName: P, terms: t, approvalRequired: true, subscriptionsLimit: 2, state: notPublished}
subscriptions:
  all: {scope: /apis, displayName: All}
  one: {scope: /apis/orders-v1, displayName: One, state: suspended}
"""


def test_version_sets_backends_and_references_round_trip(cli, manage, tmp_path):
    f = tmp_path / "versioned.yaml"
    f.write_text(VERSIONED_YAML)
    out = cli.out("apply", "-f", str(f))
    assert out.index("create  api version set orders") < out.index("create  api orders-v1")
    assert re.search(r"\nApplied 8 steps; service revision \d+\.\n$", out), out
    assert cli.out("apply", "-f", str(f), "--dry-run") == NO_CHANGES
    doc = json.loads(cli.out("export"))
    assert doc["apis"]["orders-v1"]["apiVersionSetId"] == "/apiVersionSets/orders"
    assert doc["subscriptions"]["one"]["scope"] == "/apis/orders-v1"
    assert doc["backends"]["b1"]["credentials"] == {"header": {"x-key": ["{{k}}"]}}
    assert cli.out("apply", "-f", "-", "--dry-run", stdin=json.dumps(doc)) == NO_CHANGES
    # a full ARM id in the file names the same resource
    full = f.read_text().replace("scope: /apis/orders-v1", "scope: %s/apis/orders-v1" % manage.base)
    assert cli.out("apply", "-f", "-", "--dry-run", stdin=full) == NO_CHANGES


def test_yaml_export_round_trips(cli, manage, applied, tmp_path):
    cli.out("named-value", "set", "looks-like-a-number", "--value", "12")
    text = cli.out("export", "--format", "yaml")
    assert text.startswith("service:\n  publisherEmail: ops@example.com\n"), text
    assert "policy: |\n  <policies>" in text
    assert 'value: "12"' in text
    assert cli.out("apply", "-f", "-", "--dry-run", stdin=text) == NO_CHANGES
    out = tmp_path / "service.yml"
    cli.out("export", "-o", str(out))
    assert out.read_text() == text, "a .yml file gets YAML"
    assert cli.out("apply", "-f", str(out), "--dry-run") == NO_CHANGES
    assert cli.run("export", "--format", "toml", expect=2)[2].startswith(
        "meridian export: --format must be json or yaml")


def test_the_documented_example_applies(cli, manage, tmp_path):
    """docs/service-file.md's example is a file apply accepts as written."""
    doc = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "service-file.md")
    with open(doc) as f:
        text = f.read()
    example = re.search(r"```yaml\n(.*?)```", text, re.S).group(1)
    f = tmp_path / "example.yaml"
    f.write_text(example)
    out = cli.out("apply", "-f", str(f))
    assert re.search(r"\nApplied 18 steps; service revision \d+\.\n$", out), out
    assert cli.out("apply", "-f", str(f), "--dry-run") == NO_CHANGES
    assert manage.get("/apis/orders/operations/get-order/policies/policy").status == 200


def test_swapping_a_named_value_in_a_policy_orders_create_update_delete(cli, manage, applied,
                                                                        tmp_path):
    """The API policy uses {{api-key}}; the new file uses {{new-key}} and drops api-key.
    Deleting api-key first would be refused (in use, 409), and updating the policy before
    new-key exists would be refused (400): the plan creates, updates, then deletes."""
    doc = json.loads(cli.out("export"))
    doc["namedValues"]["new-key"] = {"displayName": "new-key", "value": "n", "secret": True}
    del doc["namedValues"]["api-key"]
    api = doc["apis"]["echo"]
    api["policy"] = api["policy"].replace("{{api-key}}", "{{new-key}}")
    f = tmp_path / "swap.json"
    f.write_text(json.dumps(doc))
    out = cli.out("apply", "-f", str(f))
    assert out.startswith("Plan: 1 to create, 1 to update, 1 to delete.\n"
                          "  create  named value new-key\n"
                          "  update  policy of api echo\n"
                          "  delete  named value api-key\n"), out
    assert manage.get("/namedValues/api-key").status == 404
    assert "{{new-key}}" in manage.get("/apis/echo/policies/policy").json()["properties"]["value"]
