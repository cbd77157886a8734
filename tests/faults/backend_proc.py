"""A backend process for the fault suite: `backend_proc.py PORT LOGFILE MODE`.

Every request to a path other than /ready is appended to LOGFILE as "METHOD id" (the ?id=
query parameter), flushed, before the answer is written: a request a client saw answered is
always in the log. MODE:
- echo: 200 with {"id", "method", "path", "pid"};
- hang: reads the request and never answers (the connection stays open);
- trickle: answers 200 with a 10-piece body, one piece every 0.3 s (Content-Length known)."""

import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PORT, LOG, MODE = int(sys.argv[1]), sys.argv[2], sys.argv[3]
log = open(LOG, "a", buffering=1)
TRICKLE_PIECES, TRICKLE_GAP = 10, 0.3


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def handle_one(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)
        url = urlsplit(self.path)
        if url.path == "/ready":
            return self.answer(b"ready")
        rid = parse_qs(url.query).get("id", ["-"])[0]
        log.write("%s %s\n" % (self.command, rid))
        if MODE == "hang":
            time.sleep(3600)
            return
        if MODE == "trickle":
            piece = b"x" * 100
            self.send_response(200)
            self.send_header("Content-Length", str(len(piece) * TRICKLE_PIECES))
            self.end_headers()
            for _ in range(TRICKLE_PIECES):
                self.wfile.write(piece)
                self.wfile.flush()
                time.sleep(TRICKLE_GAP)
            return
        self.answer(json.dumps({"id": rid, "method": self.command, "path": url.path,
                                "pid": __import__("os").getpid()}).encode())

    def answer(self, body):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = handle_one


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 512

    def handle_error(self, request, client_address):
        pass


Server(("127.0.0.1", PORT), Handler).serve_forever(poll_interval=0.05)
