"""Server launcher for bench_load.py: the real app or a bare Flask app, under waitress.

    python bench/_load_server.py app  --threads 8             # env BME_* as for `bme serve`
    python bench/_load_server.py bare --threads 8 --size 30000 [--burn-ms 1]

Both are served as ``bme serve`` does (``waitress.serve(app, ...)``), on
127.0.0.1 only, with port 0 so the OS picks a free port; waitress logs
"Serving on http://127.0.0.1:PORT" (at INFO), which is copied to stdout for the
benchmark to read the port from. Other logs go to stderr (a file).
The server exits when its stdin closes, so it never outlives the benchmark even
if the benchmark is killed.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # webapp, outside uv too


def bare_app(size: int, burn_ms: float = 0.0):
    """One route, a static HTML page of ``size`` bytes: waitress + Flask and nothing else.

    With ``burn_ms``, the route first spends that much of its thread's CPU in Python:
    what a route of that cost does to a server's rate (bench_load.py's calibration).
    """
    import time

    from flask import Flask

    head = "<!doctype html><html lang=en><head><meta charset=utf-8><title>Bare</title></head><body>"
    tail = "</body></html>"
    para = "<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit.</p>\n"
    body = (para * (max(size - len(head) - len(tail), 0) // len(para) + 1))[
        : max(size - len(head) - len(tail), 0)
    ]
    page = head + body + tail

    app = Flask("bare")

    @app.get("/bare")
    def bare():
        if burn_ms:
            end = time.thread_time() + burn_ms / 1000
            while time.thread_time() < end:
                pass
        return page

    return app


class ListenLine(logging.Handler):
    """Copy waitress's "Serving on ..." line to stdout, where the benchmark waits for it."""

    def emit(self, record):
        message = record.getMessage()
        if message.startswith("Serving on "):
            print(message, flush=True)


def exit_when_stdin_closes() -> None:
    """The benchmark holds our stdin open; EOF means it has gone, so stop at once."""
    sys.stdin.buffer.read()
    os._exit(0)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("kind", choices=["app", "bare"])
    p.add_argument("--threads", type=int, default=8)
    p.add_argument("--size", type=int, default=30_000)
    p.add_argument("--burn-ms", type=float, default=0.0, help="bare: CPU to spend per request")
    p.add_argument("--trusted-proxy", help="as for `bme serve`: behind deploy/nginx")
    args = p.parse_args()

    import waitress

    if args.kind == "app":
        from webapp import create_app

        app = create_app()  # BME_DATABASE_URL, BME_SECRET_KEY, BME_INSTANCE_PATH from env
    else:
        app = bare_app(args.size, args.burn_ms)
    threading.Thread(target=exit_when_stdin_closes, daemon=True).start()
    logger = logging.getLogger("waitress")
    logger.setLevel(logging.INFO)
    logger.addHandler(ListenLine())
    proxy = {}
    if args.kind == "app":
        from webapp.serving import proxy_options, serve  # as `bme serve` does

        proxy = proxy_options(args.trusted_proxy)
    else:
        serve = waitress.serve
    serve(
        app,
        host="127.0.0.1",
        port=0,
        threads=args.threads,
        ident="bme",
        clear_untrusted_proxy_headers=True,
        **proxy,
    )


if __name__ == "__main__":
    main()
