"""A small MaxMind DB (format 2.0) writer for tests: no network, no MaxMind tooling.

Format (https://maxmind.github.io/MaxMind-DB/): a binary search tree over the address bits
(each node two records, here 28 bits each: 7 bytes a node), 16 zero bytes, the data
section (typed fields: control byte with the type in the top 3 bits and the size in the
low 5), then the marker b"\\xab\\xcd\\xefMaxMind.com" and the metadata map. A record
below node_count is a node, equal to node_count is "no data", above it points into the
data section at (record - node_count - 16).

    write("geo.mmdb", [("127.0.1.0/24", city("NA", "US", "CA")), ...], ip_version=4)

Used by tests/e2e/test_router_geoip.py and to make tests/data/geoip/test.mmdb (run this
file: python3 mmdb_writer.py OUT.mmdb)."""

import ipaddress
import struct
import sys

MARKER = b"\xab\xcd\xefMaxMind.com"

# Types (spec "Output Data Section"); 8 and above are "extended" (written as type 0 plus
# a byte holding type - 7).
T_UTF8, T_DOUBLE, T_BYTES, T_UINT16, T_UINT32, T_MAP = 2, 3, 4, 5, 6, 7
T_UINT64, T_ARRAY, T_BOOL = 9, 11, 14


def _control(type_, size):
    """Control byte(s): type and size, with the size's extra bytes (29/30/31 forms)."""
    if size < 29:
        first, extra = size, b""
    elif size < 29 + 256:
        first, extra = 29, bytes([size - 29])
    elif size < 285 + 65536:
        first, extra = 30, struct.pack(">H", size - 285)
    else:
        first, extra = 31, struct.pack(">I", size - 65821)[1:]
    if type_ <= 7:
        return bytes([(type_ << 5) | first]) + extra
    return bytes([first, type_ - 7]) + extra


def _uint(type_, value, width):
    raw = value.to_bytes(width, "big").lstrip(b"\0")
    return _control(type_, len(raw)) + raw


def encode(value):
    """One data-section field from a Python value: str, bool, int (uint32, or
    ('uint16', n) / ('uint64', n) tuples), float (double), bytes, dict (map), list."""
    if isinstance(value, bool):
        return _control(T_BOOL, 1 if value else 0)
    if isinstance(value, tuple):
        kind, n = value
        return _uint({"uint16": T_UINT16, "uint32": T_UINT32, "uint64": T_UINT64}[kind], n,
                     {"uint16": 2, "uint32": 4, "uint64": 8}[kind])
    if isinstance(value, int):
        return _uint(T_UINT32, value, 4)
    if isinstance(value, float):
        return _control(T_DOUBLE, 8) + struct.pack(">d", value)
    if isinstance(value, str):
        raw = value.encode()
        return _control(T_UTF8, len(raw)) + raw
    if isinstance(value, bytes):
        return _control(T_BYTES, len(value)) + value
    if isinstance(value, dict):
        out = _control(T_MAP, len(value))
        for k, v in value.items():
            out += encode(str(k)) + encode(v)
        return out
    if isinstance(value, list):
        return _control(T_ARRAY, len(value)) + b"".join(encode(v) for v in value)
    raise TypeError(f"cannot encode {value!r}")


def city(continent, country, subdivision=None, point=None):
    """A GeoIP2-City-shaped record (only the members the router reads, plus names);
    point: (latitude, longitude) in degrees, as location.latitude/longitude. With
    continent and country None, a record with the location only."""
    rec = {}
    if country:
        rec["continent"] = {"code": continent, "names": {"en": continent}}
        rec["country"] = {"iso_code": country, "names": {"en": country}}
    if subdivision:
        rec["subdivisions"] = [{"iso_code": subdivision}]
    if point:
        rec["location"] = {"latitude": float(point[0]), "longitude": float(point[1]),
                           "accuracy_radius": 100}
    return rec


def build(networks, ip_version=4, database_type="Meridian-Test-City", build_epoch=1790000000):
    """The database's bytes. networks: [(cidr text, record dict)]; IPv4 networks in an
    ip_version 6 database go under ::/96, as MaxMind's own databases place them."""
    depth = 32 if ip_version == 4 else 128
    data = b""
    offsets = {}
    root = [None, None]  # a node: [left, right]; a leaf: ("data", offset)
    for cidr, record in networks:
        net = ipaddress.ip_network(cidr)
        bits, plen = int(net.network_address), net.prefixlen
        if net.version == 4 and ip_version == 6:
            plen += 96
        elif net.version != (4 if ip_version == 4 else 6):
            raise ValueError(f"{cidr}: IPv6 network in an IPv4 database")
        key = repr(record)
        if key not in offsets:
            offsets[key] = len(data)
            data += encode(record)
        node = root
        for i in range(plen):
            bit = (bits >> (depth - 1 - i)) & 1
            if i == plen - 1:
                node[bit] = ("data", offsets[key])
            else:
                if not isinstance(node[bit], list):
                    node[bit] = [None, None]
                node = node[bit]
    # Number the nodes breadth first, then write each as two 28-bit records.
    nodes, queue = [], [root]
    while queue:
        n = queue.pop(0)
        nodes.append(n)
        queue.extend(c for c in n if isinstance(c, list))
    index = {id(n): i for i, n in enumerate(nodes)}
    count = len(nodes)

    def record(child):
        if child is None:
            return count
        if isinstance(child, list):
            return index[id(child)]
        return count + 16 + child[1]

    tree = b""
    for n in nodes:
        left, right = record(n[0]), record(n[1])
        if max(left, right) >= 1 << 28:
            raise ValueError("database too large for 28-bit records")
        tree += bytes([(left >> 16) & 0xFF, (left >> 8) & 0xFF, left & 0xFF,
                       ((left >> 24) & 0x0F) << 4 | ((right >> 24) & 0x0F),
                       (right >> 16) & 0xFF, (right >> 8) & 0xFF, right & 0xFF])
    metadata = {
        "node_count": ("uint32", count),
        "record_size": ("uint16", 28),
        "ip_version": ("uint16", ip_version),
        "database_type": database_type,
        "languages": ["en"],
        "binary_format_major_version": ("uint16", 2),
        "binary_format_minor_version": ("uint16", 0),
        "build_epoch": ("uint64", build_epoch),
        "description": {"en": "Meridian test database (tests/e2e/mmdb_writer.py)"},
    }
    return tree + b"\0" * 16 + data + MARKER + encode(metadata)


def write(path, networks, **kwargs):
    with open(path, "wb") as f:
        f.write(build(networks, **kwargs))


# The networks of tests/data/geoip/test.mmdb and of the e2e tests: US clients (California),
# Japan, Germany, Australia (Oceania → GEO-AP) and a Middle East client.
TEST_NETWORKS = [
    ("127.0.1.0/24", city("NA", "US", "CA", (37.39, -122.08))),    # Mountain View
    ("127.0.2.0/24", city("AS", "JP", None, (35.69, 139.69))),     # Tokyo
    ("127.0.3.0/24", city("EU", "DE", None, (50.11, 8.68))),       # Frankfurt
    ("127.0.4.0/25", city("OC", "AU", "QLD", (-27.47, 153.03))),   # Brisbane
    ("127.0.5.0/24", city("AS", "AE", None, (25.20, 55.27))),      # Dubai
    ("127.0.16.0/24", city("SA", "BR", None, (-23.55, -46.63))),    # São Paulo
    ("127.0.17.0/24", city("AS", "IN", None, (19.08, 72.88))),      # Mumbai
    ("127.0.18.0/24", city(None, None, None, (51.51, -0.13))),      # London, no country
]

if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: mmdb_writer.py OUT.mmdb")
    write(sys.argv[1], TEST_NETWORKS)
