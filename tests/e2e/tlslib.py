"""Certificates and TLS peers for the TLS end-to-end tests (docs/tls.md).

Certificates are made with Debian's `openssl` command (scripts/bootstrap installs it):
python's ssl module can use certificates but not make them. EC P-256 keys keep it fast."""

import http.client
import json
import os
import socket
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def _openssl(*args, cwd):
    subprocess.run(["openssl"] + list(args), cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE)


class CertFactory:
    """A CA in `directory` and leaf certificates it signs."""

    def __init__(self, directory, name="ca"):
        self.dir = str(directory)
        os.makedirs(self.dir, exist_ok=True)
        self.name = name
        self.cert = os.path.join(self.dir, name + ".crt")
        self.key = os.path.join(self.dir, name + ".key")
        _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                 "-keyout", self.key, "-out", self.cert, "-days", "2", "-subj", "/CN=%s test CA" % name,
                 "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=self.dir)

    def leaf(self, stem, names, directory=None):
        """Returns (cert path, key path) for `names` (DNS names or IPv4 literals)."""
        d = str(directory or self.dir)
        os.makedirs(d, exist_ok=True)
        crt, key, csr = (os.path.join(d, stem + ext) for ext in (".crt", ".key", ".csr"))
        ext = os.path.join(d, stem + ".ext")
        san = ",".join(("IP:" if n.replace(".", "").isdigit() else "DNS:") + n for n in names)
        with open(ext, "w") as f:
            f.write("subjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\n" % san)
        _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
                 "-out", csr, "-subj", "/CN=%s" % names[0], cwd=d)
        _openssl("x509", "-req", "-in", csr, "-CA", self.cert, "-CAkey", self.key, "-CAcreateserial",
                 "-out", crt, "-days", "2", "-extfile", ext, cwd=d)
        os.remove(csr)
        os.remove(ext)
        return crt, key


def client_context(ca_file=None, verify=True, cert=None, key=None):
    ctx = ssl.create_default_context(cafile=ca_file)
    if not verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if cert:
        ctx.load_cert_chain(cert, key)
    return ctx


def https_request(port, target, ctx, server_name, method="GET", body=None, headers=None, timeout=10,
                  connect_to="127.0.0.1"):
    """One request over TLS to connect_to:port with SNI server_name. Returns
    (status, body bytes, the server's certificate as a dict, TLS version)."""
    conn = http.client.HTTPSConnection(connect_to, port, timeout=timeout, context=ctx)
    # SNI and the name check follow the host given to wrap_socket: connect by address,
    # present the name.
    conn.host = server_name
    conn._create_connection = lambda addr, timeout, source: socket.create_connection(
        (connect_to, port), timeout, source)
    try:
        conn.request(method, target, body=body, headers=headers or {})
        r = conn.getresponse()
        data = r.read()
        sock = conn.sock
        return r.status, data, sock.getpeercert(), sock.version()
    finally:
        conn.close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _handle(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)
        self.server.owner.requests.append((self.command, self.path, self.headers.get("Host")))
        payload = json.dumps({"backend": self.server.owner.name, "path": self.path,
                              "tls": True}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_HEAD = _handle


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request, client_address):
        self.owner.handshake_errors += 1


class HttpsBackend:
    """An HTTPS backend on 127.0.0.1 with the given certificate."""

    def __init__(self, cert, key, name="https-backend"):
        self.name = name
        self.requests = []
        self.handshake_errors = 0
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        self.server = _Server(("127.0.0.1", 0), _Handler)
        self.server.owner = self
        # Handshakes run in the handler threads, not in the accept loop.
        self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True,
                                             do_handshake_on_connect=False)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
