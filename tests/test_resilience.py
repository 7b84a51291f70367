"""The resilience suite in its short form (bench/bench_resilience.py --quick): two real
workers under waitress on loopback, fuzzed, driven by parallel patients, sign-in bursts."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import bench_resilience


@pytest.fixture(scope="module")
def figures():
    return bench_resilience.run(quick=True)


def test_fuzzing_gets_no_5xx(figures):
    assert figures["fuzz"]["requests"] >= 300
    assert figures["fuzz"]["5xx"] == 0, figures["fuzz"]["statuses"]


def test_no_answer_lost_and_nothing_stored_twice(figures):
    j = figures["journeys"]
    assert j["failed"] == 0 and j["summaries_received"] == j["journeys"]
    assert j["lost"] == 0 and j["stored_but_not_received"] == 0
    assert j["stored"] == j["summaries_received"]


def test_parallel_bursts_on_two_workers_check_at_most_the_limit(figures):
    b = figures["sign_in_bursts"]
    assert 0 < b["passwords_checked"] <= b["limit"], b
