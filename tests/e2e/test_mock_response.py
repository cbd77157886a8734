"""mock-response answers with the operation's documented example (spec §2.3): the management
plane flattens each operation's responses[] (representations' examples, or the older
`sample`) into the snapshot's responseExamples, and the gateway's mock-response picks the
one for its status and content type — chosen when the configuration compiles."""

import json

from harness import TIME_SCALE, Gateway, wait_until
from manage_harness import Manage, api_props, op_props
from snapshots import api, snapshot

RESPONSES = [
    {"statusCode": 200, "description": "a pet", "representations": [
        {"contentType": "application/json",
         "examples": {"default": {"value": {"id": 7, "name": "cat"}}}},
        {"contentType": "application/xml", "examples": {"xml": {"value": "<pet id=\"7\"/>"}}},
    ]},
    {"statusCode": 404, "representations": [
        {"contentType": "application/json", "sample": "{\"error\": \"no pet\"}"},
    ]},
    {"statusCode": 500, "representations": [{"contentType": "text/plain"}]},
]

MOCK = ("<policies><inbound><base/><mock-response status-code=\"@(int.Parse("
        "context.Request.Headers.GetValueOrDefault(&quot;X-Status&quot;, &quot;200&quot;)))\"/>"
        "</inbound><backend><base/></backend><outbound><base/></outbound><on-error><base/></on-error>"
        "</policies>")
MOCK_XML = ("<policies><inbound><base/><mock-response status-code=\"200\" content-type=\"application/xml\"/>"
            "</inbound><backend><base/></backend><outbound><base/></outbound><on-error><base/></on-error>"
            "</policies>")


def test_mock_response_answers_with_the_operations_example(meridian_bin, tmp_path):
    m = Manage(meridian_bin, tmp_path / "data").start()
    try:
        assert m.put("/apis/pets", api_props("pets", "http://127.0.0.1:9/pets",
                                             subscriptionRequired=False)).status in (200, 201)
        assert m.put("/apis/pets/operations/get-pet",
                     op_props("GET", "/pets/{id}", responses=RESPONSES,
                              templateParameters=[{"name": "id", "type": "string", "required": True}])
                     ).status in (200, 201)
        assert m.put("/apis/pets/operations/get-pet-xml",
                     op_props("GET", "/xml/pets/{id}", responses=RESPONSES,
                              templateParameters=[{"name": "id", "type": "string", "required": True}])
                     ).status in (200, 201)
        assert m.put("/apis/pets/operations/get-pet/policies/policy", {"value": MOCK}).status in (200, 201)
        assert m.put("/apis/pets/operations/get-pet-xml/policies/policy",
                     {"value": MOCK_XML}).status in (200, 201)
        snap = json.loads(m.snapshot())
    finally:
        m.stop()
    op = next(o for a in snap["apis"] if a["id"] == "pets" for o in a["operations"] if o["id"] == "get-pet")
    assert op["responseExamples"] == [
        {"statusCode": 200, "contentType": "application/json",
         "body": json.dumps({"id": 7, "name": "cat"}, separators=(",", ":"))},
        {"statusCode": 200, "contentType": "application/xml", "body": "<pet id=\"7\"/>"},
        {"statusCode": 404, "contentType": "application/json", "body": "{\"error\": \"no pet\"}"},
        {"statusCode": 500, "contentType": "text/plain"},
    ]
    gw = Gateway(meridian_bin, tmp_path, snap, access_log="off")
    gw.start()
    try:
        r = gw.request("GET", "/pets/pets/1")
        assert r.status == 200 and r.header("Content-Type") == "application/json"
        assert json.loads(r.body) == {"id": 7, "name": "cat"}
        r = gw.request("GET", "/pets/pets/1", headers={"X-Status": "404"})
        assert r.status == 404 and json.loads(r.body) == {"error": "no pet"}
        r = gw.request("GET", "/pets/pets/1", headers={"X-Status": "500"})
        assert r.status == 500 and r.header("Content-Type") == "text/plain" and r.body == b""
        r = gw.request("GET", "/pets/pets/1", headers={"X-Status": "418"})  # not documented
        assert r.status == 418 and r.body == b""
        r = gw.request("GET", "/pets/xml/pets/1")
        assert r.status == 200 and r.header("Content-Type") == "application/xml"
        assert r.body == b"<pet id=\"7\"/>"
    finally:
        gw.stop()
        assert not gw.finish()


def test_a_bad_response_example_is_a_located_snapshot_error(meridian_bin, tmp_path):
    snap = snapshot([api("pets", "pets", "http://127.0.0.1:9/")])
    snap["apis"][0]["operations"][0]["responseExamples"] = [{"statusCode": 99, "contentType": "x/y"}]
    gw = Gateway(meridian_bin, tmp_path, snap, access_log="off")
    gw.start(wait="port")
    try:
        wait_until(lambda: "(at apis[0].operations[0].responseExamples[0].statusCode)" in gw.stderr(),
                   10 * TIME_SCALE, message="the located error")
        assert "must be between 100 and 599" in gw.stderr()
        assert gw.request("GET", "/pets/").status == 503
    finally:
        gw.stop()
        gw.finish()
