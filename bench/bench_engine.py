"""How fast is an evaluation? Pooled engines vs a new engine each time vs plain Python.

    uv run python bench/bench_engine.py              # the table, 20 s at most
    uv run python bench/bench_engine.py --json       # the same figures as JSON
    uv run python bench/bench_engine.py --threads 8  # one pool, 8 threads: same results?

Three ways to get statements from answers, timed side by side in one run:

- pooled: ``rules.engine.evaluate``, an engine from the pool, reset between uses;
- naive:  ``rules.engine.evaluate_naive``, a new experta engine per evaluation;
- plain:  ``tests/oracle.py``'s ``expected_statements``, the rules as plain Python
  (statement ids only, no trace; answers validated beforehand), when that file exists.

Each round times one evaluation of every answer set by every path, the paths in
a rotating order, so that a noisy machine slows all of them alike; the garbage
collector runs between paths, not inside a timing (as ``timeit`` does). The
process is pinned to one core (the idlest, or ``--cpu``) where the OS allows it.

Answer sets: ``tests/cases/*.json``, else the bundled ``rules/data/cases/*.json``,
plus two built in here: ``full`` (every section answered, most rules fire) and
``minimal``.

The target: on ``full``, a pooled median under 3 ms, at least 4x faster than
naive, with identical results (checked before timing).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import statistics
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for tests/oracle.py, and rules when run outside uv

from rules.answers import validate  # noqa: E402
from rules.content import cases  # noqa: E402
from rules.engine import EnginePool, KnowledgeBase, evaluate, evaluate_naive  # noqa: E402

TARGET_MS = 3.0
TARGET_SPEEDUP = 4.0

#: Many conditions at once, so that most rules fire (a bundled case).
FULL = cases()["everything_at_once"].answers

#: Where it hurts, and nothing else.
MINIMAL = {"pain_sites": ["knee"]}


def answer_sets() -> dict[str, dict]:
    """ "full" (everything_at_once) and "minimal" first, then every other bundled case."""
    sets = {"full": FULL, "minimal": MINIMAL}
    for case in cases().values():
        if case.answers != FULL:
            sets[case.id] = case.answers
    return sets


def plain_python() -> Callable[[dict], object] | None:
    """``tests/oracle.py``'s ``expected_statements``, if it is there."""
    try:
        from tests.oracle import expected_statements
    except ImportError:
        return None
    return expected_statements


def pin_to_one_core(cpu: int | None) -> str:
    """Run on one core, so that the figures are one core's: ``cpu``, else the idlest."""
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (no sched_setaffinity here)"
    allowed = sorted(os.sched_getaffinity(0))
    if cpu is None:
        cpu = idlest(allowed)
    os.sched_setaffinity(0, {cpu})
    return f"pinned to CPU {cpu} of {len(allowed)}"


def idlest(cpus: list[int]) -> int:
    """The CPU that was busy least over the last 0.2 s (from /proc/stat), else the last."""

    def busy() -> dict[int, tuple[int, int]]:
        found = {}
        try:
            lines = Path("/proc/stat").read_text().splitlines()
        except OSError:
            return found
        for line in lines:
            name, *ticks = line.split()
            if name.startswith("cpu") and name[3:].isdigit():
                ticks = [int(t) for t in ticks]
                found[int(name[3:])] = (sum(ticks) - ticks[3] - ticks[4], sum(ticks))
        return found

    before = busy()
    time.sleep(0.2)
    after = busy()

    def load(cpu: int) -> float:
        if cpu not in before or cpu not in after:
            return 1.0
        (b0, t0), (b1, t1) = before[cpu], after[cpu]
        return (b1 - b0) / max(1, t1 - t0)

    return min(reversed(cpus), key=load)


def summary(samples_ns: list[int]) -> dict:
    ms = sorted(s / 1e6 for s in samples_ns)
    return {
        "n": len(ms),
        "median_ms": statistics.median(ms),
        "p90_ms": ms[min(len(ms) - 1, round(0.9 * (len(ms) - 1)))],
    }


def time_paths(sets: dict[str, dict], paths: dict, rounds: int, seconds: float) -> dict:
    """Interleaved rounds: each path evaluates every set once per round, both rotating.

    As ``timeit`` does, the collector runs between timed blocks, not inside them;
    each block starts with one untimed evaluation (a collection leaves caches cold).
    """
    clean = {name: validate(answers) for name, answers in sets.items()}
    inputs = {path: clean if path == "plain" else sets for path in paths}
    samples = {path: {name: [] for name in sets} for path in paths}
    clock = time.perf_counter_ns
    deadline = time.monotonic() + seconds
    done = 0
    while done < rounds and (done < 3 or time.monotonic() < deadline):
        for path in rotated(list(paths), done):
            fn, args = paths[path], inputs[path]
            gc.collect()
            gc.disable()
            try:
                fn(args["minimal"])  # untimed
                for name in rotated(list(sets), done):  # no set always first after a collection
                    arg = args[name]
                    start = clock()
                    fn(arg)
                    samples[path][name].append(clock() - start)
            finally:
                gc.enable()
        done += 1
    figures = {}
    for name in sets:
        row = {path: summary(samples[path][name]) for path in paths}
        row["naive/pooled"] = row["naive"]["median_ms"] / row["pooled"]["median_ms"]
        if "plain" in row:
            row["pooled/plain"] = row["pooled"]["median_ms"] / row["plain"]["median_ms"]
        figures[name] = row
    return {"rounds": done, "sets": figures}


def rotated(items: list, by: int) -> list:
    by %= len(items)
    return items[by:] + items[:by]


def check_identical(sets: dict[str, dict]) -> None:
    """Pooled and naive must agree exactly before their times mean anything."""
    for name, answers in sets.items():
        if evaluate(answers).to_dict() != evaluate_naive(answers).to_dict():
            raise SystemExit(f"pooled and naive results differ for {name!r}")


def print_table(report: dict) -> None:
    paths = report["paths"]
    head = f"{'answer set':28}"
    for path in paths:
        head += f" {path + ' med':>11} {'p90':>7}"
    head += f" {'naive/pooled':>13}"
    if "plain" in paths:
        head += f" {'pooled/plain':>13}"
    print(head)
    print("-" * len(head))
    for name, row in report["sets"].items():
        line = f"{name:28}"
        for path in paths:
            line += f" {row[path]['median_ms']:9.3f}ms {row[path]['p90_ms']:5.2f}ms"
        line += f" {row['naive/pooled']:12.1f}x"
        if "plain" in paths:
            line += f" {row['pooled/plain']:12.1f}x"
        print(line)


def single_threaded(args) -> dict:
    sets = answer_sets()
    check_identical(sets)
    paths = {"pooled": evaluate, "naive": evaluate_naive}
    plain = plain_python()
    if plain is not None:
        paths["plain"] = plain
    pinned = pin_to_one_core(args.cpu) if args.cpu != -1 else "not pinned"
    timed = time_paths(sets, paths, args.rounds, args.seconds)
    full = timed["sets"]["full"]
    return {
        "mode": "single-threaded",
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpu": pinned,
        "paths": list(paths),
        "plain_baseline": "tests/oracle.py expected_statements" if plain else None,
        "rounds": timed["rounds"],
        "sets": timed["sets"],
        "target": {
            "full_pooled_median_ms": full["pooled"]["median_ms"],
            "full_naive_over_pooled": full["naive/pooled"],
            "met": full["pooled"]["median_ms"] < TARGET_MS
            and full["naive/pooled"] >= TARGET_SPEEDUP,
        },
    }


def threaded(args) -> dict:
    """N threads share one pool; every result must equal the single-threaded one."""
    sets = answer_sets()
    expected = {name: evaluate(answers).to_dict() for name, answers in sets.items()}
    built = []
    lock = threading.Lock()

    def factory():
        with lock:
            built.append(1)
        return KnowledgeBase()

    pool = EnginePool(factory)
    names = list(sets)

    def passes(names_order: list[str]) -> float:
        start = time.perf_counter()
        for name in names_order:
            evaluate(sets[name], pool=pool)
        return time.perf_counter() - start

    # Single-threaded throughput on the same pool, for comparison: about a second.
    done, spent = 0, 0.0
    while spent < 1.0:
        spent += passes(names)
        done += len(names)

    per_thread = max(1, args.rounds)
    deadline = time.monotonic() + args.seconds

    def worker(seed: int) -> tuple[int, list[tuple[str, object]]]:
        rng = random.Random(seed)
        results = []
        for _ in range(per_thread):
            order = names[:]
            rng.shuffle(order)
            for name in order:
                results.append((name, evaluate(sets[name], pool=pool)))
            if time.monotonic() > deadline:
                break
        return seed, results

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.threads) as executor:
        outcomes = list(executor.map(worker, range(args.threads)))
    wall = time.perf_counter() - start
    count = sum(len(results) for _, results in outcomes)
    wrong = [
        (seed, name)
        for seed, results in outcomes
        for name, result in results
        if result.to_dict() != expected[name]
    ]
    return {
        "mode": "threads",
        "threads": args.threads,
        "evaluations": count,
        "wall_s": wall,
        "throughput_per_s": count / wall,
        "single_thread_throughput_per_s": done / spent,
        "engines_built": len(built),
        "mismatches": len(wrong),
        "first_mismatch": wrong[0] if wrong else None,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=200, help="at most this many rounds")
    parser.add_argument("--seconds", type=float, default=20.0, help="stop after about this long")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--threads", type=int, default=0, help="run the pool from N threads")
    parser.add_argument(
        "--cpu", type=int, default=None, help="pin to this CPU (default: the idlest; -1: none)"
    )
    args = parser.parse_args(argv)

    if args.threads:
        report = threaded(args)
        if args.json:
            print(json.dumps(report, indent=2))
        else:
            print(
                f"{report['threads']} threads, one pool: {report['evaluations']} evaluations "
                f"in {report['wall_s']:.2f} s = {report['throughput_per_s']:.0f}/s "
                f"(one thread: {report['single_thread_throughput_per_s']:.0f}/s; "
                f"the GIL runs one at a time)"
            )
            print(f"engines built: {report['engines_built']}")
            print(
                "results identical to single-threaded: "
                + ("yes" if not report["mismatches"] else f"NO ({report['mismatches']} differ)")
            )
        return 1 if report["mismatches"] else 0

    report = single_threaded(args)
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(
        f"Python {report['python']} on {report['machine']}, {report['cpu']}; "
        f"{report['rounds']} interleaved rounds; time per evaluation"
    )
    if report["plain_baseline"] is None:
        print("(no tests/oracle.py: plain-Python baseline skipped)")
    print()
    print_table(report)
    target = report["target"]
    print()
    print(
        f"target on 'full': pooled median {target['full_pooled_median_ms']:.2f} ms "
        f"(< {TARGET_MS:g} ms), naive/pooled {target['full_naive_over_pooled']:.1f}x "
        f"(>= {TARGET_SPEEDUP:g}x): {'met' if target['met'] else 'NOT MET'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
