"""Builders for configuration snapshots (docs/snapshot.md)."""

import copy

REGION = "West US"


def op(id, method="*", template="/*", timeout=None, **extra):
    o = {"id": id, "method": method, "urlTemplate": template}
    if timeout is not None:
        o["timeoutSeconds"] = timeout
    o.update(extra)
    return o


def api(id, path, service_url, operations=None, hostnames=None, **extra):
    """An API; operations default to one wildcard operation "any" (method *, /*)."""
    a = {
        "id": id,
        "displayName": id.title(),
        "path": path,
        "serviceUrl": service_url,
        "subscriptionRequired": False,
        "operations": operations if operations is not None else [op("any")],
    }
    if hostnames is not None:
        a["hostnames"] = hostnames
    a.update(extra)
    return a


def snapshot(apis=(), revision=1, settings=None, **extra):
    s = {
        "revision": revision,
        "service": {"name": "contoso", "domain": "meridian.local"},
        "regions": [{"name": REGION, "primary": True}, {"name": "East Asia"}],
        "settings": dict(settings or {}),
        "backends": [],
        "apis": [copy.deepcopy(a) for a in apis],
        "policies": {"global": None, "products": {}, "apis": {}, "operations": {}},
        "policyFragments": {},
        "products": [],
        "subscriptions": [],
        "namedValues": [],
    }
    s.update(extra)
    return s


def echo_snapshot(backend, path="", revision=1, settings=None, operations=None, base=""):
    """One API "echo" at `path` forwarding everything to `backend`."""
    return snapshot([api("echo", path, backend.url(base), operations)], revision, settings)
