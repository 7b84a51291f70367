"""The engine pool: reused engines give exactly what a new engine gives, from any thread.

``evaluate`` reuses experta engines (reset between uses) and takes shortcuts in
matching for speed; ``evaluate_naive`` builds a new engine each time. They must
agree to the last fact id and trace line. No timings here: see bench/.
"""

from __future__ import annotations

import json
import random
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from rules.answers import AnswerError, validate
from rules.content import cases
from rules.engine import EnginePool, KnowledgeBase, evaluate, evaluate_naive
from rules.facts import Statement, answer_facts

from .answer_sets import random_answers

TESTS = Path(__file__).resolve().parent

#: Many conditions at once, so that most rules fire (a bundled case).
FULL = cases()["everything_at_once"].answers


def answer_sets() -> dict[str, dict]:
    sets = {"full": FULL, "minimal": {"pain_sites": ["knee"]}, "nothing": {}}
    sets.update({f"case {c.id}": c.answers for c in cases().values()})
    for path in sorted((TESTS / "cases").glob("*.json")):  # if the folder exists
        sets[f"tests/cases {path.stem}"] = json.loads(path.read_text(encoding="utf-8"))["answers"]
    rng = random.Random(20240611)
    sets.update({f"random {n}": random_answers(rng) for n in range(16)})
    return sets


SETS = answer_sets()


class Counting:
    """An engine factory that keeps every engine it builds."""

    def __init__(self, engine_class=KnowledgeBase):
        self.engine_class = engine_class
        self.built: list = []
        self._lock = threading.Lock()

    def __call__(self):
        engine = self.engine_class()
        with self._lock:
            self.built.append(engine)
        return engine


@pytest.fixture(scope="module")
def expected() -> dict[str, dict]:
    """What a new engine gives for each answer set."""
    return {name: evaluate_naive(answers).to_dict() for name, answers in SETS.items()}


# --- (a) pooled == naive --------------------------------------------------------------


def test_pooled_equals_naive_on_one_reused_engine(expected):
    """One engine serves every answer set in turn, and each result is a new engine's."""
    factory = Counting()
    pool = EnginePool(factory)
    for name, answers in SETS.items():
        assert evaluate(answers, pool=pool).to_dict() == expected[name], name
    assert len(factory.built) == 1


def test_pooled_equals_naive_in_any_order(expected):
    """What came before on the same engine does not matter (here: reversed, then again)."""
    pool = EnginePool()
    names = list(SETS)[::-1] + list(SETS)
    for name in names:
        assert evaluate(SETS[name], pool=pool).to_dict() == expected[name], name


def test_default_pool_equals_naive(expected):
    for name in ("full", "minimal", "nothing"):
        assert evaluate(SETS[name]).to_dict() == expected[name]


def test_the_full_set_exercises_much_of_the_knowledge_base(expected):
    """The benchmark's main case should keep meaning something."""
    full = expected["full"]
    assert len(full["trace"]) >= 50
    assert len(full["statements"]) >= 25


# --- (b) threads ------------------------------------------------------------------------


def test_eight_threads_get_the_sequential_results(expected):
    factory = Counting()
    pool = EnginePool(factory)
    names = list(SETS)

    def work(seed: int) -> list[tuple[str, dict]]:
        order = names * 2
        random.Random(seed).shuffle(order)
        return [(name, evaluate(SETS[name], pool=pool).to_dict()) for name in order]

    with ThreadPoolExecutor(max_workers=8) as executor:
        outcomes = list(executor.map(work, range(8)))

    assert sum(len(results) for results in outcomes) == 8 * 2 * len(names)
    for results in outcomes:
        for name, result in results:
            assert result == expected[name], name
    assert 1 <= len(factory.built) <= 8


# --- (c) reuse, never sharing -------------------------------------------------------------


def test_the_pool_reuses_an_idle_engine():
    factory = Counting()
    pool = EnginePool(factory)
    with pool.engine() as first:
        pass
    with pool.engine() as second:
        pass
    assert first is second
    evaluate(FULL, pool=pool)
    evaluate({}, pool=pool)
    assert factory.built == [first]


def test_engines_in_use_at_once_are_distinct():
    pool = EnginePool()
    with pool.engine() as one, pool.engine() as two:
        assert one is not two


def test_the_pool_never_hands_an_engine_to_two_users_at_once(expected):
    """Eight threads take engines and run them; no engine is ever held twice."""
    factory = Counting()
    pool = EnginePool(factory)
    holding: set[int] = set()
    lock = threading.Lock()
    clashes: list[int] = []
    names = ["full", "minimal", *[n for n in SETS if n.startswith("case ")]]

    def work(seed: int) -> list[tuple[str, list[str]]]:
        rng = random.Random(seed)
        seen = []
        for _ in range(12):
            name = rng.choice(names)
            with pool.engine() as engine:
                with lock:
                    if id(engine) in holding:
                        clashes.append(id(engine))
                    holding.add(id(engine))
                engine.reset()
                engine.declare(*answer_facts(validate(SETS[name])))
                engine.run()
                said = sorted(f["id"] for f in engine.facts.values() if isinstance(f, Statement))
                with lock:
                    holding.discard(id(engine))
            seen.append((name, said))
        return seen

    with ThreadPoolExecutor(max_workers=8) as executor:
        outcomes = list(executor.map(work, range(8)))

    assert clashes == []
    assert 1 <= len(factory.built) <= 8
    for seen in outcomes:
        for name, said in seen:
            assert said == sorted(s["id"] for s in expected[name]["statements"]), name


# --- (d) a failure does not poison the pool -------------------------------------------------


class FailingEngine(KnowledgeBase):
    """Raises when ``fail_on`` is said (a statement rule, after the derivations)."""

    fail_on: str | None = None

    def say(self, statement_id: str) -> None:
        if statement_id == self.fail_on:
            raise RuntimeError(f"failing on {statement_id}")
        super().say(statement_id)


class StoppingEngine(KnowledgeBase):
    """Stops with an error after ``stop_after`` firings, leaving its agenda half done."""

    stop_after: int | None = None

    def run(self, steps=float("inf")):
        if self.stop_after is None:
            return super().run(steps)
        super().run(self.stop_after)
        raise RuntimeError("stopped half-way")


@pytest.mark.parametrize("fail_on", ["urgent_infection", "knee_site", "about_bme"])
def test_a_rule_that_raises_does_not_poison_the_next_evaluation(expected, fail_on):
    factory = Counting(FailingEngine)
    pool = EnginePool(factory)
    evaluate(SETS["minimal"], pool=pool)  # the engine has served once already
    engine = factory.built[0]
    engine.fail_on = fail_on
    with pytest.raises(RuntimeError, match=fail_on):
        evaluate(FULL, pool=pool)
    engine.fail_on = None
    for name in ("full", "minimal", "nothing", "case fever_warm_knee"):
        assert evaluate(SETS[name], pool=pool).to_dict() == expected[name], name
    assert factory.built == [engine]


@pytest.mark.parametrize("stop_after", [0, 1, 10, 40])
def test_an_evaluation_stopped_half_way_does_not_poison_the_next(expected, stop_after):
    factory = Counting(StoppingEngine)
    pool = EnginePool(factory)
    evaluate(SETS["minimal"], pool=pool)
    engine = factory.built[0]
    engine.stop_after = stop_after
    with pytest.raises(RuntimeError, match="half-way"):
        evaluate(FULL, pool=pool)
    assert engine.agenda.activations or stop_after >= len(expected["full"]["trace"])
    engine.stop_after = None
    for name in ("full", "minimal", "case steroids_hip_osteonecrosis"):
        assert evaluate(SETS[name], pool=pool).to_dict() == expected[name], name
    assert factory.built == [engine]


def test_invalid_answers_take_no_engine():
    factory = Counting()
    pool = EnginePool(factory)
    with pytest.raises(AnswerError):
        evaluate({"pain_sites": "knee"}, pool=pool)
    assert factory.built == []
