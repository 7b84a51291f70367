"""How does the real app hold up under load, next to a bare Flask app on the same server?

    uv run python bench/bench_load.py                  # table, about 65 s
    uv run python bench/bench_load.py --json           # the same figures as JSON
    uv run python bench/bench_load.py --seconds 4 --concurrency 4 --threads 4

Three servers run side by side, each in its own process, all under waitress as
``bme serve`` runs them (bench/_load_server.py), on 127.0.0.1 only:

- app:  ``create_app()`` with a fresh temporary SQLite database and instance folder
  and a fixed BME_SECRET_KEY;
- bare: a Flask app with one route returning a static page as large as the summary;
- burn (the calibration, journeys only; --burn-ms 0 leaves it out): the bare route,
  spending --burn-ms of Python CPU per request before it answers.

Measured, the two sides interleaved in alternating rounds so that machine noise
hits both alike:

1. GET /summary (one real submission, its session cookie) vs GET /bare: latency
   p50/p99 and requests/s with C client threads (standard library urllib), and
   with ``wrk`` when it is installed (it measures the servers, not a Python client
   sharing their CPUs).
2. Whole journeys: C client threads each doing start, every page (CSRF token read
   from the HTML), check, submit, summary, again and again for a bounded time;
   against the same number of requests to /bare per "bare journey".

Every loop is bounded in count or time; the servers and temporary files are
removed at the end, also on Ctrl+C.
"""

from __future__ import annotations

import argparse
import contextlib
import http.cookiejar
import json
import os
import platform
import re
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for tests/web.py, and the app when run outside uv

from tests.web import RUNNER, page_data  # noqa: E402

LAUNCHER = Path(__file__).resolve().parent / "_load_server.py"
SECRET_KEY = "bench-load-fixed-secret-key-not-for-production"
TOKEN = re.compile(r'name="csrf_token"[^>]*\svalue="([^"]+)"')
REQUEST_TIMEOUT = 30.0  # seconds, per HTTP request
MAX_PAGES = 40  # a journey that goes round in circles stops here


def log(message: str) -> None:
    """Progress on stderr, so that --json output on stdout stays clean."""
    print(f"[bench_load] {message}", file=sys.stderr, flush=True)


# --- Servers --------------------------------------------------------------------------


@dataclass
class Server:
    name: str
    proc: subprocess.Popen
    log_path: Path
    port: int = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def start_server(name: str, args: list[str], env: dict, log_path: Path) -> Server:
    """Start the launcher and wait for waitress's "Serving on" line to learn the port."""
    with open(log_path, "wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-u", str(LAUNCHER), *args],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,  # closing it stops the server (see the launcher)
            stdout=subprocess.PIPE,
            stderr=err,
        )
    server = Server(name, proc, log_path)
    deadline = time.monotonic() + 60
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        while time.monotonic() < deadline and proc.poll() is None:
            if sel.select(timeout=0.5):
                line = proc.stdout.readline().decode(errors="replace")
                match = re.search(r"Serving on http://127\.0\.0\.1:(\d+)", line)
                if match:
                    server.port = int(match.group(1))
                    return server
    stop_server(server)
    raise RuntimeError(f"{name} server did not start; its log:\n{log_tail(log_path)}")


def stop_server(server: Server) -> None:
    """Close its stdin (it exits at once), then make sure it has gone."""
    proc = server.proc
    with contextlib.suppress(OSError):
        proc.stdin.close()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
    with contextlib.suppress(OSError):
        proc.stdout.close()


def server_cpu(server: Server) -> float | None:
    """CPU seconds (user + system) the server's process has used, from /proc; None where
    there is no /proc. The clients' own CPU is not in it."""
    try:
        fields = Path(f"/proc/{server.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def add_cpu(server: Server, spent: float | None, run):
    """run(), adding the server's CPU seconds over it to ``spent``; returns (spent, result)."""
    before = server_cpu(server)
    result = run()
    after = server_cpu(server)
    if spent is None or before is None or after is None:
        return None, result
    return spent + after - before, result


def per_request(cpu: float | None, requests: int) -> float | None:
    return round(1000 * cpu / requests, 3) if cpu is not None and requests else None


def log_tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def log_counts(path: Path) -> dict:
    """Waitress queue warnings (requests waiting for a thread) and errors in a server log."""
    text = path.read_text(errors="replace") if path.exists() else ""
    return {
        "queue_warnings": text.count("Task queue depth"),
        "errors": len(re.findall(r"^(?:ERROR|CRITICAL)|Traceback", text, re.M)),
    }


# --- HTTP client (standard library only) -----------------------------------------------


class CountRequests(urllib.request.BaseHandler):
    """Counts every request sent, redirects followed included."""

    def __init__(self):
        self.count = 0

    def http_request(self, req):
        self.count += 1
        return req


class Client:
    """One browser: its own cookie jar; follows redirects (POST, then GET the next page).

    ProxyHandler({}) ignores any http_proxy setting: traffic stays on 127.0.0.1.
    """

    def __init__(self, base: str, cookies: bool = True):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.counter = CountRequests()
        handlers = [urllib.request.ProxyHandler({}), self.counter]
        if cookies:
            handlers.append(urllib.request.HTTPCookieProcessor(self.jar))
        self.opener = urllib.request.build_opener(*handlers)

    def fetch(self, path: str, data: dict | None = None, headers: dict | None = None):
        """(final path after redirects, body); HTTP errors raise urllib.error.HTTPError."""
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body, headers=headers or {})
        with self.opener.open(req, timeout=REQUEST_TIMEOUT) as resp:
            html = resp.read().decode("utf-8", errors="replace")
            return urllib.parse.urlsplit(resp.geturl()).path, html

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


class JourneyError(Exception):
    pass


def csrf_token(html: str) -> str:
    match = TOKEN.search(html)
    if not match:
        raise JourneyError("no CSRF token on the page")
    return match.group(1)


_forms: dict[str, dict] = {}


def form_for(section: str) -> dict:
    """The fields RUNNER sends on a page (tests/web.py's page_data), computed once per page."""
    if section not in _forms:
        _forms[section] = page_data(section, RUNNER)
    return _forms[section]


ACTION = re.compile(r'<form method="post" action="(/notice[^"]*)"')
NOTICE = re.compile(r'<input type="hidden" name="notice" value="([^"]+)"')


def to_check(c: Client) -> str:
    """Start, then page after page, past each urgent notice, to the check page's HTML."""
    path, html = c.fetch("/")
    path, html = c.fetch("/start", {"csrf_token": csrf_token(html)})
    for _ in range(MAX_PAGES):
        if path.startswith("/questions/"):
            section = path.rsplit("/", 1)[1]
            path, html = c.fetch(path, {"csrf_token": csrf_token(html), **form_for(section)})
        elif path == "/notice":  # "Continue the questionnaire for the clinic"
            action = ACTION.search(html).group(1).replace("&amp;", "&")
            seen = NOTICE.findall(html)
            path, html = c.fetch(action, {"csrf_token": csrf_token(html), "notice": seen})
        else:
            break
    if path != "/check":
        raise JourneyError(f"expected the check page, got {path}")
    return html


def journey(base: str) -> tuple[int, str]:
    """A new patient, start to summary; returns (requests sent, summary HTML)."""
    c = Client(base)
    html = to_check(c)
    path, html = c.fetch("/submit", {"csrf_token": csrf_token(html)})
    if path != "/summary" or "reference-code" not in html:
        raise JourneyError(f"expected the summary, got {path}")
    return c.counter.count, html


# --- Measuring -------------------------------------------------------------------------


def pct(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile: p99 of 50 samples is the largest, never an interpolation."""
    if not values:
        return None
    s = sorted(values)
    return s[max(0, min(len(s) - 1, -(-len(s) * p // 100) - 1))]


@dataclass
class Sample:
    """Timings of one kind of operation, accumulated over the rounds."""

    times: list[float] = field(default_factory=list)
    elapsed: float = 0.0  # wall time of the rounds, all threads together
    errors: Counter = field(default_factory=Counter)
    requests: int = 0
    cpu: float | None = 0.0  # the server's CPU seconds over the rounds (None: unknown)

    def summary(self, unit: float = 1000.0) -> dict:
        n = len(self.times)
        return {
            "cpu_ms_per_request": per_request(self.cpu, self.requests),
            "count": n,
            "p50": _round(pct(self.times, 50), unit),
            "p99": _round(pct(self.times, 99), unit),
            "per_s": round(n / self.elapsed, 2) if self.elapsed else None,
            "requests_per_s": round(self.requests / self.elapsed, 1) if self.elapsed else None,
            "errors": sum(self.errors.values()),
            "error_kinds": dict(self.errors.most_common(5)),
        }


def _round(value: float | None, unit: float) -> float | None:
    return None if value is None else round(value * unit, 3)


def run_threads(concurrency: int, work, sample: Sample, limit: int, seconds: float) -> None:
    """C threads call work() until ``limit`` operations started or ``seconds`` passed.

    work() returns the number of requests it sent; an exception counts as an error.
    An operation under way at the deadline is finished, so a round may overrun by one.
    """
    lock = threading.Lock()
    started = 0
    deadline = time.perf_counter() + seconds

    def worker():
        nonlocal started
        while time.perf_counter() < deadline:
            with lock:
                if started >= limit:
                    return
                started += 1
            t0 = time.perf_counter()
            try:
                requests = work()
            except Exception as e:  # any failure is counted, not fatal
                with lock:
                    sample.errors[_kind(e)] += 1
                continue
            dt = time.perf_counter() - t0
            with lock:
                sample.times.append(dt)
                sample.requests += requests

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 2 * REQUEST_TIMEOUT * MAX_PAGES)
    sample.elapsed += time.perf_counter() - t0


def _kind(e: Exception) -> str:
    if isinstance(e, urllib.error.HTTPError):
        return f"HTTP {e.code}"
    return f"{type(e).__name__}: {e}"[:80]


def page_getter(base: str, path: str, cookie: str, size: int):
    """work() for one GET of a page: 200, no redirect, and about the expected size."""
    local = threading.local()

    def work() -> int:
        if not hasattr(local, "client"):
            local.client = Client(base, cookies=False)
        final, html = local.client.fetch(path, headers={"Cookie": cookie})
        if final != path or len(html) < size * 0.9:
            raise JourneyError(f"unexpected page {final} ({len(html)} characters)")
        return 1

    return work


def interleaved(rounds: int, sides: dict, run) -> None:
    """Run each side once per round, alternating which goes first."""
    names = list(sides)
    for r in range(rounds):
        for name in names if r % 2 == 0 else names[::-1]:
            run(name, sides[name])


# --- wrk -------------------------------------------------------------------------------

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}
BYTES = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}


def wrk(url: str, cookie: str, concurrency: int, seconds: int) -> dict:
    """One bounded wrk run; latency percentiles in ms, requests/s, bytes per response."""
    threads = max(1, min(2, concurrency))
    cmd = ["wrk", "--latency", f"-t{threads}", f"-c{concurrency}", f"-d{seconds}s"]
    cmd += ["--timeout", "10s", "-H", f"Cookie: {cookie}", url]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 30).stdout

    def latency(p: str) -> float | None:
        m = re.search(rf"^\s*{p}%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)
        return round(float(m.group(1)) * UNITS[m.group(2)], 3) if m else None

    total = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m), ([\d.]+)([KMGT]?)B read", out)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    requests = int(total.group(1)) if total else 0
    read = float(total.group(4)) * BYTES[total.group(5)] if total else 0.0
    return {
        "p50_ms": latency(50),
        "p99_ms": latency(99),
        "requests": requests,
        "seconds": float(total.group(2)) * UNITS[total.group(3)] / 1e3 if total else seconds,
        "requests_per_s": float(rps.group(1)) if rps else None,
        "bytes_per_response": round(read / requests) if requests else None,
        "errors": (int(non2xx.group(1)) if non2xx else 0)
        + (sum(int(x) for x in sock.groups()) if sock else 0),
    }


def wrk_measured(server: Server, url: str, cookie: str, concurrency: int, seconds: int) -> dict:
    """wrk(), with the server's CPU seconds over the run."""
    cpu, run = add_cpu(server, 0.0, lambda: wrk(url, cookie, concurrency, seconds))
    return {**run, "cpu": cpu}


def merge_wrk(runs: list[dict]) -> dict:
    """Rounds together: throughput over all of them; p50 the median of rounds, p99 the worst."""
    requests = sum(r["requests"] for r in runs)
    seconds = sum(r["seconds"] for r in runs)
    p50s = sorted(r["p50_ms"] for r in runs if r["p50_ms"] is not None)
    p99s = [r["p99_ms"] for r in runs if r["p99_ms"] is not None]
    sizes = [r["bytes_per_response"] for r in runs if r["bytes_per_response"]]
    return {
        "count": requests,
        "p50": p50s[len(p50s) // 2] if p50s else None,
        "p99": max(p99s) if p99s else None,
        "per_s": round(requests / seconds, 1) if seconds else None,
        "errors": sum(r["errors"] for r in runs),
        "bytes_per_response": round(sum(sizes) / len(sizes)) if sizes else None,
        "cpu_ms_per_request": per_request(
            None if any(r.get("cpu") is None for r in runs) else sum(r["cpu"] for r in runs),
            requests,
        ),
        "rounds": runs,
    }


# --- The benchmark ---------------------------------------------------------------------


def ratio(a, b) -> float | None:
    return round(a / b, 3) if a and b else None


def benchmark(args, tmp: Path, servers: list[Server]) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BME_")}
    env.update(
        BME_DATABASE_URL=f"sqlite:///{tmp / 'bme.sqlite'}",
        BME_SECRET_KEY=SECRET_KEY,
        BME_INSTANCE_PATH=str(tmp / "instance"),
    )
    threads = ["--threads", str(args.threads)]
    log(f"starting the app (waitress threads={args.threads}) ...")
    app = start_server("app", ["app", *threads], env, tmp / "app.log")
    servers.append(app)

    # One real submission; its session cookie opens /summary from then on.
    c = Client(app.base)
    html = to_check(c)
    path, html = c.fetch("/submit", {"csrf_token": csrf_token(html)})
    if path != "/summary":
        raise JourneyError(f"submit did not lead to the summary: {path}")
    per_journey = c.counter.count
    cookie = c.cookie_header()
    size = len(html.encode())

    log(f"summary page {size} bytes, {per_journey} requests per journey; starting bare ...")
    bare = start_server("bare", ["bare", *threads, "--size", str(size)], env, tmp / "bare.log")
    servers.append(bare)
    targets = {
        "app": (app.base, "/summary"),
        "bare": (bare.base, "/bare"),
    }
    getters = {k: page_getter(b, p, cookie, size) for k, (b, p) in targets.items()}
    by_name = {"app": app, "bare": bare}
    if args.burn_ms:  # the calibration: the bare route, with some Python work per request
        burn_args = ["bare", *threads, "--size", str(size), "--burn-ms", str(args.burn_ms)]
        burn = start_server("burn", burn_args, env, tmp / "burn.log")
        servers.append(burn)
        by_name["burn"] = burn
        burn_get = page_getter(burn.base, "/bare", cookie, size)
        run_threads(args.concurrency, burn_get, Sample(), 4 * args.concurrency, 10)

    def measured(name: str, sample: Sample, run) -> None:
        sample.cpu, _ = add_cpu(by_name[name], sample.cpu, run)

    _, bare_html = Client(bare.base).fetch("/bare")

    # Warm-up: every waitress thread and database connection used once.
    for work in getters.values():
        run_threads(args.concurrency, work, Sample(), 4 * args.concurrency, 10)
    run_threads(min(2, args.concurrency), lambda: journey(app.base)[0], Sample(), 2, 30)

    result = {
        "config": {
            "seconds": args.seconds,
            "concurrency": args.concurrency,
            "waitress_threads": args.threads,
            "requests": args.requests,
            "rounds": args.rounds,
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "summary_bytes": size,
            "bare_bytes": len(bare_html.encode()),
            "requests_per_journey": per_journey,
            "burn_ms": args.burn_ms,
        }
    }

    # 1. Summary vs bare, Python client.
    # Bounded by count and by time: a slow side stops at seconds/2, in all rounds together.
    log(f"1. GET /summary vs /bare, urllib, up to {args.requests} requests each ...")
    page = {k: Sample() for k in targets}
    per_round = max(1, args.requests // args.rounds)
    interleaved(
        args.rounds,
        getters,
        lambda name, work: measured(
            name,
            page[name],
            lambda: run_threads(
                args.concurrency, work, page[name], per_round, args.seconds / 2 / args.rounds
            ),
        ),
    )
    py = {k: s.summary() for k, s in page.items()}
    py["ratio"] = {
        "cpu": ratio(py["app"]["cpu_ms_per_request"], py["bare"]["cpu_ms_per_request"]),
        "p50": ratio(py["app"]["p50"], py["bare"]["p50"]),
        "p99": ratio(py["app"]["p99"], py["bare"]["p99"]),
        "per_s": ratio(py["app"]["per_s"], py["bare"]["per_s"]),
    }
    result["summary_urllib"] = py

    # 1b. The same with wrk, if installed.
    if args.wrk and shutil.which("wrk"):
        each = max(1, round(args.seconds / args.rounds))
        log(f"1b. wrk -c{args.concurrency}, {args.rounds} x {each} s each ...")
        runs = {k: [] for k in targets}
        interleaved(
            args.rounds,
            targets,
            lambda name, t: runs[name].append(
                wrk_measured(by_name[name], t[0] + t[1], cookie, args.concurrency, each)
            ),
        )
        w = {k: merge_wrk(v) for k, v in runs.items()}
        w["ratio"] = {
            "cpu": ratio(w["app"]["cpu_ms_per_request"], w["bare"]["cpu_ms_per_request"]),
            "p50": ratio(w["app"]["p50"], w["bare"]["p50"]),
            "p99": ratio(w["app"]["p99"], w["bare"]["p99"]),
            "per_s": ratio(w["app"]["per_s"], w["bare"]["per_s"]),
        }
        # wrk counts a redirect as success: a summary that shrank means the session broke.
        for name in targets:
            got = w[name]["bytes_per_response"] or 0
            w[name]["suspect"] = got < 0.9 * size
        result["summary_wrk"] = w
        # The cookie must still open the summary (wrk would not notice a redirect).
        getters["app"]()
    else:
        result["summary_wrk"] = None
        log("1b. wrk not found (or --no-wrk): the urllib figures above stand alone")

    # 2. Whole journeys vs the same number of GET /bare.
    log(f"2. journeys vs {per_journey} x GET /bare, {args.concurrency} threads ...")
    jobs = {
        "app": lambda: journey(app.base)[0],
        "bare": lambda: sum(getters["bare"]() for _ in range(per_journey)),
    }
    if args.burn_ms:
        jobs["burn"] = lambda: sum(burn_get() for _ in range(per_journey))
    trips = {k: Sample() for k in jobs}
    interleaved(
        args.rounds,
        jobs,
        lambda name, work: measured(
            name,
            trips[name],
            lambda: run_threads(
                args.concurrency, work, trips[name], 10**6, args.seconds / args.rounds
            ),
        ),
    )
    j = {k: s.summary(unit=1.0) for k, s in trips.items()}
    j["ratio"] = {
        "cpu": ratio(j["app"]["cpu_ms_per_request"], j["bare"]["cpu_ms_per_request"]),
        "per_s": ratio(j["app"]["per_s"], j["bare"]["per_s"]),
        "p50": ratio(j["app"]["p50"], j["bare"]["p50"]),
        "p99": ratio(j["app"]["p99"], j["bare"]["p99"]),
    }
    if "burn" in j:
        j["ratio"]["burn_per_s"] = ratio(j["burn"]["per_s"], j["bare"]["per_s"])
    result["journeys"] = j
    result["server_logs"] = {s.name: log_counts(s.log_path) for s in servers}
    return result


# --- Output ----------------------------------------------------------------------------


def fmt(value, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def table(r: dict) -> str:
    cfg = r["config"]
    lines = [
        "Load benchmark: the real app vs a bare Flask app, each under waitress, 127.0.0.1",
        f"  waitress threads {cfg['waitress_threads']}, client concurrency "
        f"{cfg['concurrency']}, {cfg['rounds']} interleaved rounds, {cfg['cpus']} CPUs, "
        f"Python {cfg['python']}",
        f"  summary page {cfg['summary_bytes']} B, bare page {cfg['bare_bytes']} B, "
        f"{cfg['requests_per_journey']} requests per journey",
        "",
    ]

    def block(title, data, unit, rate, extra=""):
        lines.append(title)
        lines.append(
            f"  {'':<14}{'p50 ' + unit:>11}{'p99 ' + unit:>11}{rate:>13}"
            f"{'count':>8}{'errors':>8}{extra:>9}"
        )
        for name in ("app", "bare"):
            d = data[name]
            ex = ""
            if extra:
                ex = fmt(d.get("bytes_per_response") or d.get("requests_per_s"), ".0f")
            lines.append(
                f"  {name:<14}{fmt(d['p50'], '.2f'):>11}{fmt(d['p99'], '.2f'):>11}"
                f"{fmt(d['per_s'], '.1f'):>13}{d['count']:>8}{d['errors']:>8}{ex:>9}"
            )
        q = data["ratio"]
        lines.append(
            f"  {'app / bare':<14}{fmt(q['p50'], '.2f') + 'x':>11}"
            f"{fmt(q['p99'], '.2f') + 'x':>11}{fmt(q['per_s'], '.3f') + 'x':>13}"
        )
        cpu = {name: data[name].get("cpu_ms_per_request") for name in ("app", "bare")}
        lines.append(
            f"  server CPU per request (from /proc): app {fmt(cpu['app'], '.2f')} ms, "
            f"bare {fmt(cpu['bare'], '.2f')} ms, app / bare {fmt(q.get('cpu'), '.2f')}x"
        )
        lines.append("")

    block(
        "1. GET /summary (app) vs GET /bare, Python urllib client threads",
        r["summary_urllib"],
        "ms",
        "req/s",
    )
    if r["summary_wrk"]:
        block(
            f"1b. The same with wrk --latency -c{cfg['concurrency']} "
            "(p50: median of rounds, p99: worst round)",
            r["summary_wrk"],
            "ms",
            "req/s",
            "B/resp",
        )
        for name in ("app", "bare"):
            if r["summary_wrk"][name]["suspect"]:
                lines.append(f"  WARNING: {name} responses smaller than the page: redirects?")
    else:
        lines.append("1b. wrk not run (not installed, or --no-wrk)\n")
    block(
        "2. Whole journeys (app) vs the same number of GET /bare in a row (bare)",
        r["journeys"],
        "s",
        "journeys/s",
        "req/s",
    )
    burn = r["journeys"].get("burn")
    if burn:
        lines.append(
            f"  calibration: the bare route spending {cfg['burn_ms']:g} ms of Python CPU per "
            f"request: {fmt(r['journeys']['ratio']['burn_per_s'], '.3f')}x the bare route "
            f"(server CPU {fmt(burn['cpu_ms_per_request'], '.2f')} ms per request)"
        )
    for name, counts in r["server_logs"].items():
        lines.append(
            f"  server log {name}: {counts['errors']} errors, {counts['queue_warnings']} "
            "'Task queue depth' warnings (requests waiting for a thread)"
        )
    for section in ("summary_urllib", "journeys"):
        for name in (n for n in r[section] if n != "ratio"):
            for kind, n in r[section][name]["error_kinds"].items():
                lines.append(f"  {section} {name} error x{n}: {kind}")
    lines.append("  Note: the urllib client shares the CPUs with both servers and opens a new")
    lines.append("  connection per request; wrk's figures are closer to the servers' own.")
    return "\n".join(line.rstrip() for line in lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=10.0, help="seconds per side per test")
    p.add_argument("--concurrency", type=int, default=8, help="client threads/connections")
    p.add_argument("--threads", type=int, default=8, help="waitress threads per server")
    p.add_argument("--requests", type=int, default=2000, help="most urllib GETs per side in test 1")
    p.add_argument("--rounds", type=int, default=2, help="interleaved rounds per test")
    p.add_argument("--no-wrk", dest="wrk", action="store_false", help="Python client only")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument(
        "--burn-ms",
        type=float,
        default=1.0,
        help="calibration: also run journeys on a bare route spending this much Python CPU "
        "per request (0: no calibration)",
    )
    args = p.parse_args(argv)
    if args.burn_ms < 0:
        p.error("--burn-ms must be 0 or more")
    if min(args.seconds, args.concurrency, args.threads, args.requests, args.rounds) <= 0:
        p.error("every number must be positive")

    # SIGTERM ends the run like Ctrl+C does: through the finally below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    tmp = Path(tempfile.mkdtemp(prefix="bme-bench-load-"))
    servers: list[Server] = []
    started = time.monotonic()
    try:
        result = benchmark(args, tmp, servers)
    except Exception:
        for s in servers:
            log(f"{s.name} server log (tail):\n{log_tail(s.log_path)}")
        raise
    finally:
        for s in servers:
            stop_server(s)
        shutil.rmtree(tmp, ignore_errors=True)
    result["config"]["total_seconds"] = round(time.monotonic() - started, 1)
    print(json.dumps(result, indent=2) if args.json else table(result))
    log(f"done in {result['config']['total_seconds']} s; servers stopped, {tmp} removed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
