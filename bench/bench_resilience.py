"""Does the running app hold up under attack and load? (issue 12's resilience suite)

    uv run python bench/bench_resilience.py            # table, about 1 minute
    uv run python bench/bench_resilience.py --json     # the same figures as JSON
    uv run python bench/bench_resilience.py --quick    # bounded for the test suite

The real app runs as ``bme serve`` runs it (waitress, bench/_load_server.py) on
127.0.0.1 only, two workers on one SQLite database, and is measured from outside:

1. fuzzing: random methods, paths, query strings and form bodies (long, unicode,
   NUL bytes, broken percent-encoding) over every kind of route: the 5xx count;
2. concurrent journeys: patients start to summary in parallel on both workers;
   every summary received must be stored, with the same answers, and no more;
3. parallel sign-in bursts on both workers at once against one account: how many
   passwords were checked in one lockout window (the limit is 5);
4. a sign-in flood with patients' pages alongside: their median latency against
   the same pages idle.

Not covered here (said in the README): kill -9 mid-submit, a locked, full or
read-only disk, and PostgreSQL stopped or restarted; tests/test_hardening.py and
tests/test_web_security.py cover the app's side of those in-process.
Every loop is bounded in count and time; servers and files go at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_load import (
    SECRET_KEY,
    Client,
    JourneyError,
    journey,
    start_server,
    stop_server,
)

PASSWORD = "resilience suite staff password"
PATHS = [
    "/", "/start", "/start-again", "/questions/about", "/questions/pain", "/questions/nope",
    "/check", "/submit", "/summary", "/finish", "/notice", "/notice?next=check",
    "/staff/", "/staff/sign-in", "/staff/find", "/staff/audit", "/staff/print-new",
    "/staff/submissions/ZZZZ-ZZZZ-ZZZZ", "/staff/print.css", "/learn/", "/learn/rules",
    "/learn/cases/runner_hip_pain", "/learn/cases/my-answers", "/learn/what-if",
    "/bone-marrow-edema", "/static/style.css", "/nope",
]  # fmt: skip
JUNK = ["", "a" * 5000, "\x00", "%ff%fe", "é€𝄞", "<script>", "' OR 1=1 --", "9999-12-31",
        "-1", "1e99", "../../etc/passwd", "\r\nX: y"]  # fmt: skip


def fuzz(base: str, count: int, seed: int = 12) -> dict:
    """Random requests; a 5xx is a failure, anything else is an answer."""
    rng = random.Random(seed)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    statuses: dict[int, int] = {}
    for _ in range(count):
        path = rng.choice(PATHS)
        query = "&".join(
            f"{rng.choice(['date', 'from', 'to', 'reference', 'show', 'page', 'step', 'x'])}="
            + urllib.parse.quote(rng.choice(JUNK), safe="%")
            for _ in range(rng.randint(0, 3))
        )
        url = base + path + ("?" + query if query and "?" not in path else "")
        method = rng.choice(["GET", "GET", "POST", "POST", "PUT", "DELETE", "HEAD"])
        body = None
        if method in ("POST", "PUT"):
            body = urllib.parse.urlencode(
                {
                    rng.choice(["csrf_token", "age_band", "username", "password", "notice"]): (
                        rng.choice(JUNK)
                    )
                    for _ in range(rng.randint(0, 4))
                }
            ).encode()
        req = urllib.request.Request(url, data=body, method=method)
        try:
            with opener.open(req, timeout=30) as resp:
                status = resp.status
        except urllib.error.HTTPError as e:
            status = e.code
        except (urllib.error.URLError, ValueError):
            status = 0  # refused by the client library itself (e.g. a bad URL)
        statuses[status] = statuses.get(status, 0) + 1
    return {
        "requests": count,
        "5xx": sum(n for s, n in statuses.items() if s >= 500),
        "statuses": statuses,
    }


def journeys(bases: list[str], clients: int, each: int, db_path: Path) -> dict:
    """Patients in parallel on every worker; summaries received == submissions stored."""
    received: list[str] = []
    failed: list[str] = []
    lock = threading.Lock()

    def run(n: int):
        for _ in range(each):
            try:
                _, html = journey(bases[n % len(bases)])
            except (JourneyError, OSError, urllib.error.HTTPError) as e:
                with lock:
                    failed.append(type(e).__name__)
                continue
            code = html.split('class="reference-code">', 1)[1].split("<", 1)[0]
            with lock:
                received.append(code)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    with sqlite3.connect(db_path) as db:
        stored = {r[0] for r in db.execute("SELECT reference FROM submissions")}
    return {
        "journeys": clients * each,
        "summaries_received": len(received),
        "failed": len(failed),
        "stored": len(stored),
        "lost": len(set(received) - stored),
        "stored_but_not_received": len(stored - set(received)),
    }


def sign_in_bursts(bases: list[str], per_worker: int, db_path: Path) -> dict:
    """Wrong passwords on every worker at once: passwords checked in one window."""
    barrier = threading.Barrier(per_worker * len(bases))

    def guess(base: str, n: int):
        c = Client(base)
        _, html = c.fetch("/staff/sign-in")
        token = html.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
        barrier.wait(timeout=60)
        with contextlib.suppress(urllib.error.HTTPError):  # 401 is the expected answer
            c.fetch("/staff/sign-in", {"csrf_token": token, "username": "burst",
                                       "password": f"wrong guess number {n}"})  # fmt: skip

    threads = [
        threading.Thread(target=guess, args=(base, n)) for base in bases for n in range(per_worker)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    with sqlite3.connect(db_path) as db:
        checked = db.execute(
            "SELECT count(*) FROM audit_events WHERE actor = 'burst' AND action = "
            "'sign_in_failed' AND detail = 'wrong password'"
        ).fetchone()[0]
    return {"attempts": len(threads), "passwords_checked": checked, "limit": 5}


def median_latency(base: str, count: int) -> float:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    times = []
    for _ in range(count):
        t0 = time.perf_counter()
        with opener.open(base + "/", timeout=30) as resp:
            resp.read()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def flood(base: str, seconds: float, flooders: int, samples: int) -> dict:
    """Patients' start page, idle and then under a flood of wrong sign-ins.

    The flood comes from another process, as an attacker is another machine: threads in
    this one would hold the measuring client's GIL and count their own cost as the
    server's."""
    idle = median_latency(base, samples)
    hammer = subprocess.Popen(
        [sys.executable, __file__, "--hammer", base, str(seconds), str(flooders)],
        stdout=subprocess.PIPE,
        text=True,
    )
    time.sleep(min(1.0, seconds / 4))
    loaded = median_latency(base, samples)
    out, _ = hammer.communicate(timeout=seconds + 60)
    return {
        "idle_ms": round(idle * 1000, 2),
        "under_flood_ms": round(loaded * 1000, 2),
        "ratio": round(loaded / idle, 2),
        "sign_in_attempts": int(out.strip() or 0),
    }


def hammer(base: str, seconds: float, flooders: int) -> int:
    """Wrong sign-ins from ``flooders`` threads for ``seconds``: the attempts sent."""
    stop = time.monotonic() + seconds
    sent = [0]

    def one():
        c = Client(base)
        while time.monotonic() < stop:
            try:
                _, html = c.fetch("/staff/sign-in")
                token = html.split('value="', 1)[1].split('"', 1)[0]
                c.fetch("/staff/sign-in", {"csrf_token": token, "username": "flood",
                                           "password": "not the password at all"})  # fmt: skip
            except (urllib.error.HTTPError, IndexError, OSError):
                # Refused (429) at the page: post anyway, as a flood would.
                with contextlib.suppress(urllib.error.HTTPError, OSError):
                    c.fetch("/staff/sign-in", {"username": "flood", "password": "x" * 12})
            sent[0] += 1

    threads = [threading.Thread(target=one) for _ in range(flooders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 60)
    return sent[0]


def run(quick: bool) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="bme-resilience-"))
    db_path = tmp / "bme.sqlite"
    env = {k: v for k, v in os.environ.items() if not k.startswith("BME_")}
    env.update(
        BME_DATABASE_URL=f"sqlite:///{db_path}",
        BME_SECRET_KEY=SECRET_KEY,
        BME_INSTANCE_PATH=str(tmp / "instance"),
    )
    from webapp import auth, create_app

    # The same database as the servers: make the tables and the staff accounts.
    app = create_app(
        {
            "DATABASE_URL": env["BME_DATABASE_URL"],
            "SECRET_KEY": SECRET_KEY,
            "INSTANCE_PATH": env["BME_INSTANCE_PATH"],
        }
    )
    with app.app_context():
        for name in ("burst", "flood"):
            auth.create_staff(name, PASSWORD)
    servers = []
    try:
        for n in (1, 2):
            servers.append(
                start_server(f"app{n}", ["app", "--threads", "8"], env, tmp / f"app{n}.log")
            )
        bases = [s.base for s in servers]
        figures = {
            "fuzz": fuzz(bases[0], 300 if quick else 3000),
            "journeys": journeys(bases, 4 if quick else 16, 2 if quick else 8, db_path),
            "sign_in_bursts": sign_in_bursts(bases, 8, db_path),
            "flood": flood(bases[1], 4.0 if quick else 15.0, 8, 30 if quick else 100),
        }
    finally:
        for s in servers:
            stop_server(s)
        app.extensions["bme_engine"].dispose()
        shutil.rmtree(tmp, ignore_errors=True)
    return figures


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--json", action="store_true")
    p.add_argument("--quick", action="store_true", help="bounded for the test suite")
    p.add_argument("--hammer", nargs=3, metavar=("BASE", "SECONDS", "THREADS"),
                   help="internal: be the flood's process, print the attempts sent")  # fmt: skip
    args = p.parse_args(argv)
    if args.hammer:
        base, seconds, threads = args.hammer
        print(hammer(base, float(seconds), int(threads)))
        return 0
    figures = run(args.quick)
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    f, j, b, fl = (figures[k] for k in ("fuzz", "journeys", "sign_in_bursts", "flood"))
    print(f"fuzzed requests: {f['requests']}, 5xx: {f['5xx']} (statuses {f['statuses']})")
    print(
        f"journeys: {j['journeys']} on two workers, summaries {j['summaries_received']}, "
        f"stored {j['stored']}, lost {j['lost']}, failed {j['failed']}"
    )
    print(f"sign-in burst: {b['attempts']} at once, passwords checked {b['passwords_checked']}")
    print(
        f"start page median: idle {fl['idle_ms']} ms, under a sign-in flood "
        f"{fl['under_flood_ms']} ms ({fl['ratio']}x; {fl['sign_in_attempts']} attempts)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
