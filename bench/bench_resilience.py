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
   the same pages idle, straight to a worker and through the reverse proxy of
   deploy/nginx (when nginx is installed; CI installs it), the flood on a CPU of its
   own.

5. kill -9 mid-submit: patients send together, the worker is killed as the first
   summary returns; restarted, each has exactly one stored submission;
6. SQLite locked by another process past the busy timeout, patients retrying;
7. on PostgreSQL (when BME_TEST_POSTGRES_URL is set, as in CI): backends terminated
   again and again and the database refusing connections for a while, under two
   workers' load.

8. a full disk under a worker, then freed: every file write refused for a while;
9. in CI, PostgreSQL itself restarted under the workers (BME_TEST_POSTGRES_RESTART,
   a command that restarts it, which .ci/run sets).

Not covered here: a read-only folder. Root (as CI runs) writes through any mode bits,
and an immutable -shm file (chattr +i) kills SQLite with SIGBUS: a crash, which part 5
covers. tests/test_db_resilience.py covers the app's side of a read-only folder
in-process.
Every loop is bounded in count and time; servers and files go at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
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
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_load import (
    SECRET_KEY,
    Client,
    JourneyError,
    csrf_token,
    journey,
    log_counts,
    start_server,
    stop_server,
    to_check,
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


@contextlib.contextmanager
def cpus_apart():
    """(the server's CPUs, the attacker's CPUs): an attacker is another machine, so its
    own work must not be counted as the server's. With two CPUs or more, this thread
    (the patient's client) and the servers it starts run on all but the last, and the
    flood on the last; with one, on the same (said in the figures)."""
    everything = sorted(os.sched_getaffinity(0))
    if len(everything) < 2:
        yield set(everything), set(everything)
        return
    server, attacker = set(everything[:-1]), {everything[-1]}
    os.sched_setaffinity(0, server)
    try:
        yield server, attacker
    finally:
        os.sched_setaffinity(0, set(everything))


def flood(env: dict, tmp: Path, seconds: float, flooders: int, samples: int) -> dict:
    """Patients' start page, idle and then under a flood of wrong sign-ins: straight to
    a worker, and through the reverse proxy of deploy/nginx (when nginx is installed).

    The flood comes from another process on a CPU of its own, as an attacker is
    another machine: threads in this one would hold the measuring client's GIL, and
    its work on the server's CPUs would count as the server's."""
    from _nginx import start_nginx

    figures = {}
    with cpus_apart() as (server_cpus, attacker_cpus):
        args = ["app", "--threads", "8", "--trusted-proxy", "127.0.0.1"]
        server = start_server("flood", args, env, tmp / "flood.log")
        proxy = start_nginx(tmp, int(server.base.rsplit(":", 1)[1]))
        try:
            routes = {"direct": server.base, **({"proxied": proxy.base} if proxy else {})}
            for route, base in routes.items():
                idle = median_latency(base, samples)
                hammer = subprocess.Popen(
                    [sys.executable, __file__, "--hammer", base, str(seconds), str(flooders)],
                    stdout=subprocess.PIPE,
                    text=True,
                    preexec_fn=lambda: os.sched_setaffinity(0, attacker_cpus),
                )
                time.sleep(min(1.0, seconds / 4))
                loaded = median_latency(base, samples)
                out, _ = hammer.communicate(timeout=seconds + 60)
                figures[route] = {
                    "idle_ms": round(idle * 1000, 2),
                    "under_flood_ms": round(loaded * 1000, 2),
                    "ratio": round(loaded / idle, 2),
                    "sign_in_attempts": int(out.strip() or 0),
                }
        finally:
            if proxy:
                proxy.stop()
            stop_server(server)
    figures["cpus"] = {"server": len(server_cpus), "attacker": len(attacker_cpus)}
    figures["nginx"] = proxy is not None
    return figures


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


# --- Crashes and outages: a person who is told "try again" does --------------------------


class Patient(Client):
    """A browser whose person, told "wait a moment, then try again" (a 503) or finding
    the server gone, waits and presses the same button again."""

    def __init__(self, base: str):
        super().__init__(base)
        self.retries = 0

    def fetch(self, path: str, data: dict | None = None, headers: dict | None = None):
        for _ in range(150):
            try:
                return super().fetch(path, data, headers)
            except urllib.error.HTTPError as e:
                if e.code != 503:
                    raise
                failed = urllib.parse.urlsplit(e.geturl())
                if failed.path != urllib.parse.urlsplit(path).path:
                    # The form was saved; the page it led to failed: reload that page,
                    # as a person would, rather than send the form again.
                    path, data = failed.path + (f"?{failed.query}" if failed.query else ""), None
            except (urllib.error.URLError, ConnectionError, http.client.HTTPException):
                pass
            self.retries += 1
            time.sleep(0.1)
        raise JourneyError("still unavailable after 15 s")


def reference_of(html: str) -> str:
    if 'class="reference-code">' not in html:
        raise JourneyError("no reference code on the page")
    return html.split('class="reference-code">', 1)[1].split("<", 1)[0]


def stored_answers(query) -> dict[str, str]:
    """Every stored submission: reference -> its answers, as stored (JSON text)."""
    return {ref: json.dumps(json.loads(a) if isinstance(a, str) else a, sort_keys=True)
            for ref, a in query("SELECT reference, answers FROM submissions")}  # fmt: skip


def sqlite_query(db_path: Path):
    def query(sql: str):
        with contextlib.closing(sqlite3.connect(db_path)) as db:
            return db.execute(sql).fetchall()

    return query


def crash_mid_submit(env: dict, tmp: Path, db_path: Path, count: int) -> dict:
    """Patients at the check page press Send together; the worker is killed (SIGKILL)
    as the first summary comes back. Restarted, every patient ends with exactly one
    stored submission holding their answers: none lost, none twice."""
    before = set(stored_answers(sqlite_query(db_path)))
    server = start_server("crash", ["app", "--threads", "8"], env, tmp / "crash.log")
    patients = [Patient(server.base) for _ in range(count)]
    pages = [to_check(p) for p in patients]
    codes: list[str | None] = [None] * count
    barrier = threading.Barrier(count + 1)

    def send(i: int):
        barrier.wait(timeout=60)
        with contextlib.suppress(OSError, JourneyError, http.client.HTTPException):
            codes[i] = reference_of(
                Client.fetch(patients[i], "/submit", {"csrf_token": csrf_token(pages[i])})[1]
            )

    threads = [threading.Thread(target=send, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    barrier.wait(timeout=60)
    deadline = time.monotonic() + 30
    while not any(codes) and time.monotonic() < deadline:
        time.sleep(0.001)
    server.proc.kill()  # SIGKILL: no clean-up of any kind
    server.proc.wait(timeout=10)
    for t in threads:
        t.join(timeout=60)
    answered = sum(c is not None for c in codes)
    stop_server(server)
    server = start_server("restarted", ["app", "--threads", "8"], env, tmp / "restarted.log")
    try:
        for i, patient in enumerate(patients):
            patient.base = server.base
            if codes[i] is None:  # as the person would: open the summary, or send again
                path, html = patient.fetch("/summary")
                if path != "/summary":
                    path, html = patient.fetch("/submit", {"csrf_token": csrf_token(html)})
                codes[i] = reference_of(html)
    finally:
        stop_server(server)
    stored = {k: v for k, v in stored_answers(sqlite_query(db_path)).items() if k not in before}
    return {
        "patients": count,
        "answered_before_the_kill": answered,
        "cut_by_the_kill": count - answered,
        "stored": len(stored),
        "lost": len(set(filter(None, codes)) - set(stored)) + codes.count(None),
        "stored_twice": len(stored) - len(set(filter(None, codes)) & set(stored)),
        "different_answers": len(set(stored.values())) - 1 if stored else 0,
        "integrity": sqlite_query(db_path)("PRAGMA integrity_check")[0][0],
    }


def patients_through(bases: list[str], clients: int, each: int, outage) -> dict:
    """Patients (retrying when told to) in parallel while ``outage()`` runs."""
    received: list[str] = []
    failed: Counter = Counter()
    retries = [0]
    lock = threading.Lock()

    def run(n: int):
        for _ in range(each):
            patient = Patient(bases[n % len(bases)])
            try:
                html = to_check(patient)
                _, html = patient.fetch("/submit", {"csrf_token": csrf_token(html)})
                code = reference_of(html)
            except urllib.error.HTTPError as e:
                with lock:
                    failed[e.code] += 1
                continue
            except (JourneyError, OSError) as e:
                with lock:
                    failed[type(e).__name__] += 1
                continue
            with lock:
                received.append(code)
                retries[0] += patient.retries

    threads = [threading.Thread(target=run, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    events = outage()
    for t in threads:
        t.join(timeout=600)
    return {"received": received, "failed": dict(failed), "retries": retries[0], **events}


def one_worker_outage(name: str, env: dict, tmp: Path, db_path: Path, clients: int, outage):
    """Patients through one worker on the SQLite database while ``outage(server)`` runs:
    the summaries they received against the submissions stored."""
    server = start_server(name, ["app", "--threads", "8"], env, tmp / f"{name}.log")
    before = set(stored_answers(sqlite_query(db_path)))
    try:
        result = patients_through([server.base], clients, 2, lambda: outage(server))
    finally:
        stop_server(server)
    stored = set(stored_answers(sqlite_query(db_path))) - before
    return summarise(result, stored, clients * 2)


def locked_database(env: dict, tmp: Path, db_path: Path, hold: float, clients: int) -> dict:
    """Another process holds SQLite's write lock longer than the busy timeout."""
    env = {**env, "BME_DATABASE_BUSY_TIMEOUT_MS": "300"}

    def outage(_server):
        with contextlib.closing(sqlite3.connect(db_path, isolation_level=None)) as db:
            db.execute("BEGIN EXCLUSIVE")
            time.sleep(hold)
            db.execute("COMMIT")
        return {"locked_seconds": hold}

    return one_worker_outage("locked", env, tmp, db_path, clients, outage)


def full_disk(env: dict, tmp: Path, db_path: Path, hold: float, clients: int) -> dict:
    """The disk fills under a worker, then space is freed: for ``hold`` seconds every
    write it makes to a file fails (RLIMIT_FSIZE set to one byte from outside, with
    prlimit: the kernel refuses the write, as a full disk does, and SQLite's commit
    fails), while patients answer and send."""
    import resource

    def outage(server):
        pid, fsize = server.proc.pid, resource.RLIMIT_FSIZE
        _, hard = resource.prlimit(pid, fsize)
        time.sleep(0.3)  # patients on their way
        resource.prlimit(pid, fsize, (1, hard))
        time.sleep(hold)
        resource.prlimit(pid, fsize, (hard, hard))  # space freed
        return {"full_seconds": hold}

    figures = one_worker_outage("full", env, tmp, db_path, clients, outage)
    return {**figures, "integrity": sqlite_query(db_path)("PRAGMA integrity_check")[0][0]}


def summarise(result: dict, stored: set[str], journeys: int) -> dict:
    received = set(result.pop("received"))
    return {
        "journeys": journeys,
        "summaries_received": len(received),
        "stored": len(stored),
        "lost": len(received - stored),
        "stored_but_not_received": len(stored - received),
        **result,
    }


def postgres_outage(env: dict, tmp: Path, admin_url: str, clients: int) -> dict:
    """Two workers on PostgreSQL: its connections terminated again and again, then the
    database refusing every connection for a while (as when it is stopped), then back."""
    from sqlalchemy import create_engine, text

    name = f"bme_resilience_{os.getpid()}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.rsplit("/", 1)[0] + "/" + name
    env = {**env, "BME_DATABASE_URL": url}
    servers = [
        start_server(f"pg{n}", ["app", "--threads", "8"], env, tmp / f"pg{n}.log") for n in (1, 2)
    ]

    def terminate(c) -> int:
        return len(c.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = :n AND pid <> pg_backend_pid()"), {"n": name}).all())  # fmt: skip

    def outage():
        killed, refused, restarted = 0, 1.5, False
        with admin.connect() as c:
            for _ in range(6):
                time.sleep(0.3)
                killed += terminate(c)
        if restart := os.environ.get("BME_TEST_POSTGRES_RESTART"):
            # The server itself stopped and started again (CI: pg_ctl restart -m fast):
            # every connection of every worker cut, new ones refused until it is back.
            subprocess.run(restart, shell=True, check=True, timeout=120)
            restarted = True
            admin.dispose()  # its pooled connection died with the server
        with admin.connect() as c:
            c.execute(text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false'))
            killed += terminate(c)
            time.sleep(refused)
            c.execute(text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true'))
            for _ in range(4):
                time.sleep(0.3)
                killed += terminate(c)
        return {"backends_terminated": killed, "refused_seconds": refused, "restarted": restarted}

    try:
        result = patients_through([s.base for s in servers], clients, 3, outage)
    finally:
        for s in servers:
            stop_server(s)
    data = create_engine(url)
    with data.connect() as c:
        stored = {r[0] for r in c.execute(text("SELECT reference FROM submissions"))}
    data.dispose()
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
    errors = sum(log_counts(tmp / f"pg{n}.log")["errors"] for n in (1, 2))
    return {**summarise(result, stored, clients * 3), "server_log_errors": errors}


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
            "flood": flood(env, tmp, 4.0 if quick else 15.0, 8, 30 if quick else 100),
            "crash": crash_mid_submit(env, tmp, db_path, 16 if quick else 32),
            "locked": locked_database(env, tmp, db_path, 1.5 if quick else 4.0, 4),
            "full": full_disk(env, tmp, db_path, 1.5 if quick else 4.0, 4),
        }
        if pg_url := os.environ.get("BME_TEST_POSTGRES_URL"):
            figures["postgres"] = postgres_outage(env, tmp, pg_url, 4 if quick else 8)
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
    for route in ("direct", "proxied"):
        if route in fl:
            r = fl[route]
            print(
                f"start page median, {route}: idle {r['idle_ms']} ms, under a sign-in flood "
                f"{r['under_flood_ms']} ms ({r['ratio']}x; {r['sign_in_attempts']} attempts)"
            )
    if not fl["nginx"]:
        print("start page through the proxy: not measured, nginx is not installed")
    c = figures["crash"]
    print(
        f"kill -9 mid-submit: {c['patients']} patients, {c['cut_by_the_kill']} cut by the kill, "
        f"stored {c['stored']}, lost {c['lost']}, stored twice {c['stored_twice']}, "
        f"integrity {c['integrity']}"
    )
    for name in ("locked", "full", "postgres"):
        if name in figures:
            o = figures[name]
            print(
                f"{name}: {o['journeys']} journeys, summaries {o['summaries_received']}, "
                f"stored {o['stored']}, lost {o['lost']}, failed {o['failed']}, "
                f"retries after 503 {o['retries']}"
                + (
                    f", backends terminated {o.get('backends_terminated')}, server restarted "
                    f"{o.get('restarted')}" * (name == "postgres")
                )
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
