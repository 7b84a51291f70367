"""bench/bench_load.py's reading of a server's own CPU time, which the README quotes."""

from __future__ import annotations

import os
import sys
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from bench_load import per_request, server_cpu, start_server, stop_server


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_the_servers_cpu_grows_with_the_requests_it_answers(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("BME_")}
    server = start_server(
        "bare", ["bare", "--threads", "2", "--size", "20000"], env, tmp_path / "log"
    )
    try:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        before = server_cpu(server)
        for _ in range(400):
            with opener.open(server.base + "/bare", timeout=10) as response:
                response.read()
        after = server_cpu(server)
    finally:
        stop_server(server)
    assert before is not None and after > before
    # A bare route costs well under 10 ms of CPU a request on any machine we know.
    assert 0 < per_request(after - before, 400) < 10


def test_cpu_per_request():
    assert per_request(1.5, 1000) == 1.5
    assert per_request(None, 1000) is None and per_request(1.0, 0) is None


def test_the_calibration_route_spends_the_cpu_it_is_given():
    """bench_load.py's calibration: the bare route, spending ``burn_ms`` of its thread's CPU."""
    import time

    from _load_server import bare_app

    client = bare_app(2000, burn_ms=5.0).test_client()
    start = time.thread_time()
    response = client.get("/bare")
    assert (time.thread_time() - start) * 1000 >= 5.0
    assert response.status_code == 200 and len(response.get_data()) == 2000
