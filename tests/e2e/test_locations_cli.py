"""`meridian location list|show|add|set|remove|token` against a real `meridian manage`
(docs/cli.md "location")."""

import http.client
import json

from cli_manage_util import table


def test_location_lifecycle(cli, manage):
    rows = table(cli.out("location", "list"))
    assert rows[0] == ["NAME", "DISPLAY NAME", "PRIMARY", "UNITS", "UP", "HEALTH", "REGIONAL HOSTNAME"]
    assert rows[1] == ["westus", "West US", "yes", "1", "0", "down",
                       "meridian-westus-01.regional.meridian.local"]
    out = cli.out("location", "add", "East Asia", "--units", "2")
    assert out.strip() == ("added location East Asia (eastasia): 2 unit(s), "
                           "meridian-eastasia-01.regional.meridian.local")
    p = manage.get("/locations/eastasia").json()["properties"]
    assert (p["displayName"], p["units"], p["disableGateway"]) == ("East Asia", 2, False)
    # adding it again is refused; so is a bad unit count
    assert "exists already" in cli.err("location", "add", "East Asia")
    assert "--units" in cli.err("location", "add", "North Europe", "--units", "65", expect=2)
    # set, by slug or by display name
    out = cli.out("location", "set", "eastasia", "--units", "3", "--disable-gateway", "true")
    assert "3 unit(s), gateway disabled" in out
    cli.out("location", "set", "East Asia", "--disable-gateway", "false")
    p = manage.get("/locations/eastasia").json()["properties"]
    assert (p["units"], p["disableGateway"]) == (3, False)
    assert "nothing to set" in cli.err("location", "set", "East Asia", expect=2)
    rows = table(cli.out("location", "list"))
    assert [r[0] for r in rows[1:]] == ["westus", "eastasia"]
    # show and --json
    out = cli.out("location", "show", "East Asia")
    assert "displayName: East Asia" in out and "health: down (0 unit(s) up)" in out
    j = json.loads(cli.out("location", "show", "East Asia", "--json"))
    assert j["name"] == "eastasia" and j["properties"]["units"] == 3
    assert len(json.loads(cli.out("location", "list", "--json"))) == 2
    # a token that the feed accepts
    tok = cli.out("location", "token", "East Asia").strip()
    assert tok.startswith("GatewayKey eastasia&")
    conn = http.client.HTTPConnection("127.0.0.1", manage.port, timeout=10)
    conn.request("GET", "/gateway/v1/config?region=eastasia&after=-1", headers={"Authorization": tok})
    assert conn.getresponse().status == 200
    conn.close()
    assert cli.out("location", "token", "eastasia", "--key", "secondary", "--days", "1").startswith("GatewayKey ")
    assert "--days" in cli.err("location", "token", "eastasia", "--days", "31", expect=2)
    # the primary cannot go; the other can
    err = cli.err("location", "remove", "West US")
    assert "Conflict" in err and "primary" in err
    cli.out("location", "remove", "East Asia")
    assert manage.get("/locations/eastasia").status == 404
    assert "unknown subcommand" in cli.err("location", "move", "x", expect=2)
    assert "needs a location name" in cli.err("location", "show", expect=2)
