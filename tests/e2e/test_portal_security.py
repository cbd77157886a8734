"""The developer portal's security (docs/portal.md, issue 8): one developer never sees or
changes another's keys, CSRF and session-fixation attempts fail, anonymous writes are
refused, and secrets (keys, passwords, session ids, CSRF tokens) appear in no page and no
log. A real `meridian manage` whose --global-endpoint is an echo backend (try-it)."""

import http.client
import json
import os
import re

import pytest

from manage_harness import Manage
from harness import TIME_SCALE

PASSWORD_A = "alpha-secret-password-1"
PASSWORD_B = "bravo-secret-password-2"


class Browser:
    """A cookie jar and the portal's JSON API, like the page's script uses it."""

    def __init__(self, manage):
        self.m = manage
        self.cookie = None
        self.csrf = None

    def request(self, method, path, body=None, headers=None, cookie=True, csrf=True):
        conn = http.client.HTTPConnection("127.0.0.1", self.m.port, timeout=30 * TIME_SCALE)
        h = {"Host": "127.0.0.1:%d" % self.m.port}
        if cookie and self.cookie:
            h["Cookie"] = "meridian_session=" + self.cookie
        if csrf and self.csrf and method not in ("GET", "HEAD"):
            h["X-CSRF-Token"] = self.csrf
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        h.update(headers or {})
        try:
            conn.request(method, path, body=data, headers=h)
            r = conn.getresponse()
            text = r.read().decode(errors="replace")
            set_cookie = r.getheader("Set-Cookie")
            if set_cookie:
                m = re.match(r"meridian_session=([^;]*)", set_cookie)
                self.cookie = m.group(1) or None
            parsed = None
            try:
                parsed = json.loads(text)
            except ValueError:
                pass
            if isinstance(parsed, dict) and "csrfToken" in parsed:
                self.csrf = parsed["csrfToken"]
            return r.status, parsed, text, dict((k.lower(), v) for k, v in r.getheaders())
        finally:
            conn.close()

    def api(self, method, route, body=None, **kw):
        return self.request(method, "/portal/api/" + route, body, **kw)

    def open(self):
        status, body, _, headers = self.api("GET", "session")
        assert status == 200, body
        return body, headers

    def sign_up(self, email, password, first="Ada", last="Lovelace"):
        self.open()
        status, body, _, _ = self.api("POST", "signup", {"email": email, "password": password,
                                                        "firstName": first, "lastName": last})
        assert status == 201, body
        return body


@pytest.fixture
def portal(meridian_bin, tmp_path, backends):
    echo = backends.echo()
    m = Manage(meridian_bin, tmp_path / "data",
               extra_args=["--global-endpoint", echo.url()]).start()
    m.echo = echo
    assert m.put("/apis/echo", {"displayName": "Echo", "path": "echo", "serviceUrl": echo.url(),
                                "protocols": ["http"], "subscriptionRequired": True}).status == 201
    assert m.put("/apis/echo/operations/get", {"displayName": "Get", "method": "GET",
                                               "urlTemplate": "/*"}).status == 201
    assert m.put("/products/starter", {"displayName": "Starter", "state": "published",
                                       "subscriptionRequired": True}).status == 201
    assert m.put("/products/starter/apis/echo").status == 201
    assert m.put("/products/secret", {"displayName": "Secret", "state": "notPublished"}).status == 201
    yield m
    m.stop()


def subscribe(b, product="starter"):
    status, body, _, _ = b.api("POST", "subscriptions", {"productId": product})
    assert status == 201, body
    return body


def test_one_developer_never_sees_or_changes_another_developers_keys(portal):
    a, b = Browser(portal), Browser(portal)
    a.sign_up("a@example.com", PASSWORD_A)
    b.sign_up("b@example.com", PASSWORD_B)
    sub_a = subscribe(a)
    sub_b = subscribe(b)
    assert re.fullmatch(r"[0-9a-f]{32}", sub_a["primaryKey"])

    # Each sees only their own subscription, with their own keys.
    for me, mine, theirs in ((a, sub_a, sub_b), (b, sub_b, sub_a)):
        status, body, text, _ = me.api("GET", "subscriptions")
        assert status == 200
        assert [s["id"] for s in body["value"]] == [mine["id"]]
        for secret in (theirs["primaryKey"], theirs["secondaryKey"]):
            assert secret not in text

    # B cannot regenerate A's keys, nor use A's subscription in try-it: answered as missing.
    for key in ("primary", "secondary"):
        status, body, _, _ = b.api("POST", "subscriptions/%s/regenerate" % sub_a["id"], {"key": key})
        assert status == 404, body
    status, body, _, _ = b.api("POST", "try", {"subscriptionId": sub_a["id"], "method": "GET",
                                               "path": "/echo/x"})
    assert status == 404, body
    assert portal.echo.requests == []
    secrets = portal.post("/subscriptions/%s/listSecrets" % sub_a["id"]).json()
    assert secrets == {"primaryKey": sub_a["primaryKey"], "secondaryKey": sub_a["secondaryKey"]}

    # No public page or API shows a key.
    anon = Browser(portal)
    anon.open()
    for path in ("/portal", "/portal/", "/web/portal/portal.js", "/web/common/app.js",
                 "/portal/api/products", "/portal/api/apis", "/portal/api/apis/echo",
                 "/portal/api/session"):
        for who in (anon, b):
            status, _, text, _ = who.request("GET", path)
            assert status == 200, path
            for secret in (sub_a["primaryKey"], sub_a["secondaryKey"]):
                assert secret not in text, path
    # Unpublished products are not in the catalog and cannot be subscribed to.
    assert "Secret" not in anon.api("GET", "products")[2]
    status, body, _, _ = a.api("POST", "subscriptions", {"productId": "secret"})
    assert status == 404, body

    # A's own regeneration works and changes only A's primary key.
    status, body, _, _ = a.api("POST", "subscriptions/%s/regenerate" % sub_a["id"], {"key": "primary"})
    assert status == 200, body
    assert body["primaryKey"] != sub_a["primaryKey"]
    assert body["secondaryKey"] == sub_a["secondaryKey"]


def test_try_it_sends_the_developers_own_key_to_the_global_endpoint_only(portal):
    a = Browser(portal)
    a.sign_up("t@example.com", PASSWORD_A)
    sub = subscribe(a)
    status, body, _, _ = a.api("POST", "try", {
        "subscriptionId": sub["id"], "apiId": "echo", "method": "POST", "path": "/echo/hi?x=1",
        "headers": [["X-Trace", "t1"], ["Ocp-Apim-Subscription-Key", "forged"]], "body": "hello"})
    assert status == 200, body
    assert body["status"] == 200
    seen = json.loads(body["body"])
    assert seen["method"] == "POST" and seen["path"] == "/echo/hi" and seen["query"] == "x=1"
    headers = {k.lower(): v for k, v in seen["headers"]}
    assert headers["x-trace"] == "t1"
    assert headers["ocp-apim-subscription-key"] == sub["primaryKey"]  # the page cannot forge it
    assert seen["bodyLength"] == 5
    # Only a path on the global endpoint: no absolute URL, no header smuggling.
    for bad in ({"path": "http://169.254.169.254/"}, {"path": "//evil.example/"},
                {"path": "/x y"}, {"headers": [["Host", "evil.example"]]},
                {"headers": [["X-A", "1\r\nX-Injected: 1"]]}, {"method": "CONNECT"}):
        req = {"subscriptionId": sub["id"], "method": "GET", "path": "/echo/x"}
        req.update(bad)
        status, body, _, _ = a.api("POST", "try", req)
        if bad.get("path") == "//evil.example/":
            # A path, not an authority: it goes to the global endpoint like any other.
            assert status == 200 and json.loads(body["body"])["backend"] == "echo", body
        else:
            assert status == 400, (bad, body)
    assert [r["path"] for r in portal.echo.requests] == ["/echo/hi", "/evil.example/"]


def test_csrf_missing_wrong_or_foreign_tokens_are_refused(portal):
    a, b = Browser(portal), Browser(portal)
    a.sign_up("c@example.com", PASSWORD_A)
    b.sign_up("d@example.com", PASSWORD_B)
    before = portal.revision()
    for label, kw in (("missing", {"csrf": False}),
                      ("wrong", {"headers": {"X-CSRF-Token": "x" * 43}}),
                      ("another session's", {"headers": {"X-CSRF-Token": b.csrf}}),
                      ("empty", {"headers": {"X-CSRF-Token": ""}})):
        status, body, _, _ = a.api("POST", "subscriptions", {"productId": "starter"}, **kw)
        assert status == 403, (label, body)
        assert body["error"]["code"] == "CsrfTokenInvalid", label
    # A right token from another origin (a cross-site form or fetch) is refused too.
    status, body, _, _ = a.api("POST", "subscriptions", {"productId": "starter"},
                               headers={"Origin": "http://evil.example"})
    assert status == 403 and body["error"]["code"] == "CrossOrigin", body
    # Sign-in and sign-up need the token as well (login CSRF).
    c = Browser(portal)
    c.open()
    status, body, _, _ = c.api("POST", "signin", {"email": "c@example.com", "password": PASSWORD_A},
                               csrf=False)
    assert status == 403, body
    status, body, _, _ = c.api("POST", "signup", {"email": "e@example.com", "password": PASSWORD_A,
                                                  "firstName": "E", "lastName": "F"}, csrf=False)
    assert status == 403, body
    assert portal.revision() == before, "a refused write changed nothing"
    # With the token, it works.
    subscribe(a)


def test_session_fixation_a_planted_session_id_is_not_kept_after_sign_in(portal):
    portal_user = Browser(portal)
    portal_user.sign_up("f@example.com", PASSWORD_A)
    portal_user.api("POST", "signout")

    # 1. An id the server never issued is ignored: the server issues its own.
    victim = Browser(portal)
    victim.cookie = "attacker-chosen-session-id-000000000000000"
    body, headers = victim.open()
    assert victim.cookie != "attacker-chosen-session-id-000000000000000"
    assert "HttpOnly" in headers["set-cookie"] and "SameSite=Strict" in headers["set-cookie"]

    # 2. A real anonymous id the attacker obtained and planted: sign-in rotates it.
    attacker = Browser(portal)
    attacker.open()
    planted_id, planted_csrf = attacker.cookie, attacker.csrf
    victim = Browser(portal)
    victim.cookie, victim.csrf = planted_id, planted_csrf
    status, body, _, headers = victim.api("POST", "signin", {"email": "f@example.com",
                                                            "password": PASSWORD_A})
    assert status == 200 and body["signedIn"], body
    assert victim.cookie != planted_id
    assert victim.csrf != planted_csrf
    # The attacker's id is not signed in (it no longer exists: a new anonymous session).
    status, body, _, _ = attacker.api("GET", "session")
    assert body["signedIn"] is False
    assert attacker.cookie != planted_id
    status, body, _, _ = Browser(portal).request("GET", "/portal/api/subscriptions",
                                                 headers={"Cookie": "meridian_session=" + planted_id})
    assert status == 401, body
    # The victim is.
    assert victim.api("GET", "subscriptions")[0] == 200

    # Sign-out ends the session on the server, not only in the browser.
    old = victim.cookie
    victim.api("POST", "signout")
    status, _, _, _ = Browser(portal).request("GET", "/portal/api/subscriptions",
                                              headers={"Cookie": "meridian_session=" + old})
    assert status == 401


def test_anonymous_writes_are_refused(portal):
    anon = Browser(portal)
    # No session at all.
    status, body, _, _ = anon.api("POST", "subscriptions", {"productId": "starter"})
    assert status == 403, body
    # An anonymous session with its valid CSRF token: still not signed in.
    anon.open()
    before = portal.revision()
    for method, route, body in (("POST", "subscriptions", {"productId": "starter"}),
                                ("POST", "subscriptions/x/regenerate", {"key": "primary"}),
                                ("POST", "try", {"method": "GET", "path": "/echo/"}),
                                ("GET", "subscriptions", None)):
        status, answer, _, _ = anon.api(method, route, body)
        assert status == 401, (route, answer)
    # The management API itself needs its own credentials; a portal session is not one.
    status, _, _, _ = anon.request("PUT", portal.url("/products/p2"),
                                   {"properties": {"displayName": "P2"}})
    assert status == 401
    # Unknown portal routes and methods are not writable either.
    assert anon.api("DELETE", "session")[0] == 404
    assert anon.request("POST", "/portal")[0] == 405
    assert anon.request("PUT", "/web/common/app.js")[0] == 405
    assert portal.revision() == before
    assert portal.echo.requests == []


def test_passwords_hashed_sign_in_checked_and_no_secret_in_logs_or_store(portal):
    a = Browser(portal)
    a.sign_up("g@example.com", PASSWORD_A)
    sub = subscribe(a)
    session_id, csrf = a.cookie, a.csrf
    a.api("POST", "subscriptions/%s/regenerate" % sub["id"], {"key": "secondary"})
    a.api("POST", "try", {"subscriptionId": sub["id"], "method": "GET", "path": "/echo/"})

    # Wrong password, unknown email, weak password, duplicate email.
    b = Browser(portal)
    b.open()
    assert b.api("POST", "signin", {"email": "g@example.com", "password": "wrong-password-1"})[0] == 401
    assert b.api("POST", "signin", {"email": "nobody@example.com", "password": PASSWORD_A})[0] == 401
    assert b.api("POST", "signup", {"email": "h@example.com", "password": "short",
                                    "firstName": "H", "lastName": "I"})[0] == 400
    assert b.api("POST", "signup", {"email": "G@example.com", "password": PASSWORD_B,
                                    "firstName": "H", "lastName": "I"})[0] == 409
    assert b.api("POST", "signin", {"email": "g@example.com", "password": PASSWORD_A})[0] == 200

    # The user resource shows no password, hash or secret.
    users = portal.get("/users").json()["value"]
    [user] = [u for u in users if u["properties"]["email"] == "g@example.com"]
    assert "password" not in json.dumps(user).lower()

    # A blocked developer cannot sign in, and their open session ends.
    assert portal.patch("/users/" + user["name"], {"state": "blocked"}).status == 200
    c = Browser(portal)
    c.open()
    status, body, _, _ = c.api("POST", "signin", {"email": "g@example.com", "password": PASSWORD_A})
    assert status == 403, body
    assert b.api("GET", "subscriptions")[0] == 401

    secrets = portal.post("/subscriptions/%s/listSecrets" % sub["id"]).json()
    portal.stop()
    logs = portal.stderr()
    assert "portal/api/signup -> 201 by developer" in logs  # the log does record the writes
    for secret in (PASSWORD_A, PASSWORD_B, sub["primaryKey"], secrets["secondaryKey"],
                   session_id, csrf):
        assert secret not in logs
    # The store holds the Argon2id hash, never the password.
    store = b"".join(open(os.path.join(portal.data_dir, f), "rb").read()
                     for f in os.listdir(portal.data_dir) if f.startswith("meridian.db"))
    assert PASSWORD_A.encode() not in store and PASSWORD_B.encode() not in store
    assert b"$argon2id$v=19$m=19456,t=2,p=1$" in store


def test_over_tls_the_session_cookie_is_secure(meridian_bin, tmp_path):
    from tlslib import CertFactory, client_context
    ca = CertFactory(tmp_path / "pki")
    crt, key = ca.leaf("manage", ["127.0.0.1"])
    m = Manage(meridian_bin, tmp_path / "data", extra_args=["--tls-cert", crt, "--tls-key", key])
    m.ssl_context = client_context(ca.cert)
    m.start()
    try:
        r = m.raw("GET", "/portal/api/session", auth=False)
        assert r.status == 200, r
        cookie = r.header("Set-Cookie")
        assert cookie.startswith("meridian_session=") and cookie.endswith(
            "; Path=/; HttpOnly; SameSite=Strict; Secure"), cookie
        assert "Content-Security-Policy" in r.headers or "content-security-policy" in r.headers
    finally:
        m.stop()


def test_password_guessing_is_throttled_per_email(portal):
    Browser(portal).sign_up("k@example.com", PASSWORD_A)
    Browser(portal).sign_up("l@example.com", PASSWORD_B)
    guesser = Browser(portal)
    guesser.open()
    for i in range(5):
        status, body, _, _ = guesser.api("POST", "signin", {"email": "K@example.com",
                                                          "password": "guess-number-%d" % i})
        assert status == 401, body
    # Locked for this email, even with the right password (and without computing a hash).
    status, body, _, _ = guesser.api("POST", "signin", {"email": "k@example.com",
                                                      "password": PASSWORD_A})
    assert status == 429 and body["error"]["code"] == "TooManyAttempts", body
    # Another account is not affected.
    status, body, _, _ = guesser.api("POST", "signin", {"email": "l@example.com",
                                                      "password": PASSWORD_B})
    assert status == 200, body
