"""The reverse proxy of deploy/nginx, run in front of a real worker: patients' pages
pass through unchanged, and a sign-in flood is refused by nginx itself, so that it costs
the Python workers nothing (issue 12, defect 2; bench/bench_resilience.py measures the
patients' latency under it)."""

import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from _nginx import nginx, start_nginx
from bench_load import SECRET_KEY, log_counts, start_server, stop_server


@pytest.fixture(scope="module")
def proxied(tmp_path_factory):
    """(the proxy's address, the worker's log) for one worker behind deploy/nginx."""
    if nginx() is None:
        if os.environ.get("CI"):
            pytest.fail("nginx is not installed (.ci/run installs it)")
        pytest.skip("nginx is not installed")
    tmp = tmp_path_factory.mktemp("deploy")
    env = {k: v for k, v in os.environ.items() if not k.startswith("BME_")}
    env.update(
        BME_DATABASE_URL=f"sqlite:///{tmp / 'bme.sqlite'}",
        BME_SECRET_KEY=SECRET_KEY,
        BME_INSTANCE_PATH=str(tmp / "instance"),
    )
    args = ["app", "--threads", "4", "--trusted-proxy", "127.0.0.1"]
    server = start_server("deploy", args, env, tmp / "app.log")
    proxy = start_nginx(tmp, int(server.base.rsplit(":", 1)[1]))
    yield proxy.base, server.log_path
    proxy.stop()
    stop_server(server)


def fetch(url: str) -> tuple[int, dict, str]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=10) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


def test_patients_pages_pass_through_with_the_apps_headers(proxied):
    base, _ = proxied
    status, headers, html = fetch(base + "/")
    assert status == 200
    assert "Content-Security-Policy" in headers and "bone" in html.lower()


def test_a_sign_in_flood_is_refused_by_the_proxy_with_retry_after(proxied):
    base, log = proxied
    answers = [fetch(base + "/staff/sign-in") for _ in range(40)]
    statuses = [status for status, _, _ in answers]
    assert statuses[0] == 200
    refused = [a for a in answers if a[0] == 429]
    assert len(refused) >= 40 - 11, statuses  # the burst of 10, then the rate
    # nginx's own answer (the app's gate says "Too many sign-in attempts" in HTML)
    _, headers, text = refused[-1]
    assert headers["Retry-After"] == "60" and headers["Cache-Control"] == "no-store"
    assert text.startswith("Too many sign-in attempts") and "<html" not in text.lower()
    # ...so the worker saw only the requests within the limit, and logged no error
    assert log_counts(log)["errors"] == 0
    assert fetch(base + "/")[0] == 200  # patients are not limited
