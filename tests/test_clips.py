"""The knowledge base exported to CLIPS (rules/clips.py), run by CLIPS itself through
clipspy: a second, independent engine that must give experta's statements."""

from __future__ import annotations

import random
import re

import clips
import pytest
from experta import Rule

from rules import cli
from rules.answers import validate
from rules.clips import _check_body, answer_facts, export
from rules.content import cases
from rules.engine import evaluate, rules

from .answer_sets import random_answers

#: Answer sets for the cross-check: "thousands", from a fixed seed, so a failure repeats.
SAMPLES = 2000


def load(text: str) -> clips.Environment:
    env = clips.Environment()
    for construct in split(text):
        env.build(construct)
    return env


def split(text: str) -> list[str]:
    """The top-level constructs of a CLIPS file (comments dropped)."""
    body = "\n".join(line for line in text.splitlines() if not line.startswith(";"))
    return [c.strip() for c in re.split(r"\n(?=\(def)", body) if c.strip()]


def statements(env: clips.Environment, answers: dict) -> set[str]:
    env.reset()
    for fact in answer_facts(answers):
        env.assert_string(fact)
    env.run()
    return {f["id"] for f in env.find_template("Statement").facts()}


@pytest.fixture(scope="module")
def env():
    return load(export())


def test_every_rule_is_a_defrule_with_its_salience(env):
    for name, rule in rules().items():
        text = str(env.find_rule(name))
        assert f"(declare (salience {rule.salience}))" in text, name
    assert {r.name for r in env.rules()} == set(rules())


def test_the_bundled_cases_give_the_same_statements(env):
    for case in cases().values():
        assert statements(env, case.answers) == set(evaluate(case.answers).statement_ids), case.id


def test_clips_agrees_with_experta_over_thousands_of_answer_sets(env):
    rng = random.Random(13)
    differ = []
    for _ in range(SAMPLES):
        answers = validate(random_answers(rng))
        theirs, ours = statements(env, answers), set(evaluate(answers).statement_ids)
        if theirs != ours:
            differ.append((answers, theirs ^ ours))
    assert not differ, f"{len(differ)} of {SAMPLES} differ; first: {differ[0]}"


def test_the_cross_check_sees_a_rule_that_went_missing():
    """The oracle can fail: without one rule, CLIPS disagrees on some bundled case."""
    constructs = [c for c in split(export()) if not c.startswith("(defrule cancer_history ")]
    env = clips.Environment()
    for c in constructs:
        env.build(c)
    assert any(
        statements(env, case.answers) != set(evaluate(case.answers).statement_ids)
        for case in cases().values()
    )


def test_a_body_it_cannot_translate_is_refused():
    """An export that silently left out part of a rule would be a different knowledge base."""

    def checked(self):
        """A rule that decides in Python."""
        if self.facts:
            self.say("safety_net")

    with pytest.raises(ValueError, match="no CLIPS translation"):
        _check_body(Rule()(checked))


def test_export_clips_command(tmp_path, capsys):
    out = tmp_path / "bme.clp"
    assert cli.main(["export-clips", "-o", str(out)]) == 0
    assert out.read_text() == export() + "\n"
    env = clips.Environment()
    env.load(str(out))  # the file a class loads into CLIPS itself
    assert {r.name for r in env.rules()} == set(rules())
    assert cli.main(["export-clips"]) == 0
    assert capsys.readouterr().out.startswith(";;; Bone marrow edema")


def test_educators_can_download_it(client):
    response = client.get("/learn/knowledge-base.clp")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == export() + "\n"
    assert "attachment" in response.headers["Content-Disposition"]
    assert 'href="/learn/knowledge-base.clp"' in client.get("/learn/").get_data(as_text=True)
