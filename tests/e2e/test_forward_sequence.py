"""Two forward-requests in sequence on one composed path, in a running gateway (spec §1.6
counts forward-request per document: an API's `<base/><forward-request/>` under a global
document that forwards runs both). The second re-sends the current request, body included,
and its answer replaces the first (docs/policy-composition.md "Effective backend")."""

from snapshots import api, snapshot

GLOBAL = "<policies><inbound /><backend><forward-request /></backend><outbound /><on-error /></policies>"


def policies(api_doc):
    return {"global": GLOBAL, "products": {}, "apis": {"orders": api_doc}, "operations": {}}


def header_of(record, name):
    for k, v in record["headers"]:
        if k.lower() == name.lower():
            return v
    return None


def test_second_forward_resends_the_changed_request_and_replaces_the_response(gateways, backends):
    echo = backends.echo()
    doc = """<policies><inbound><base /></inbound><backend><base />
    <choose><when condition="true">
      <set-header name="X-First-Status" exists-action="override">
        <value>@(context.Response.StatusCode.ToString())</value>
      </set-header>
      <forward-request timeout="10" />
    </when></choose>
  </backend><outbound><base /></outbound></policies>"""
    gw = gateways(snapshot([api("orders", "orders", echo.url())], policies=policies(doc)))
    echo.fail_next(1)  # the first forward is answered 503, the second normally
    r = gw.request("POST", "/orders/x", body=b"payload")
    assert r.status == 200, r
    assert len(echo.requests) == 2
    assert all(rec["bodyLength"] == len(b"payload") for rec in echo.requests)
    assert header_of(echo.requests[0], "X-First-Status") is None
    assert header_of(echo.requests[1], "X-First-Status") == "503"
    assert header_of(r.json(), "X-First-Status") == "503"  # the client gets the second answer


def test_a_streamed_first_answer_is_dropped_for_the_second(gateways, backends):
    """No policy reads a body: the first answer would stream; it is dropped with its
    connection when the second forward starts, and the body is still sent twice."""
    echo = backends.echo()
    doc = ("<policies><inbound><base /></inbound><backend><base /><forward-request timeout=\"10\" />"
           "</backend><outbound><base /></outbound></policies>")
    gw = gateways(snapshot([api("orders", "orders", echo.url())], policies=policies(doc)))
    r = gw.request("PUT", "/orders/items/1?v=2", body=b"x" * 5000)
    assert r.status == 200, r
    assert [rec["target"] for rec in echo.requests] == ["/items/1?v=2", "/items/1?v=2"]
    assert all(rec["bodyLength"] == 5000 for rec in echo.requests)
    assert r.json()["connection"] == echo.requests[1]["connection"]
