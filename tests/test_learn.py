"""Educator mode: IF/THEN from the rules, HOW, WHY, WHY-NOT, what-if, the pages."""

import re

import pytest
from experta import KnowledgeEngine

from rules import explain
from rules.answers import validate
from rules.content import cases, catalogue
from rules.engine import StockKnowledgeBase, evaluate, rules
from rules.facts import answer_facts

from .web import RUNNER, answer_all, submit

CASES = cases()


# --- IF/THEN, generated from the rules -------------------------------------------------


def test_every_rule_is_in_the_catalogue_with_if_then():
    infos = explain.catalogue_of_rules()
    assert set(infos) == set(rules())
    for name, info in infos.items():
        assert info.doc and info.actions, name
        assert len(info.conditions) == len(rules()[name]) or info.conditions == ()
        assert info.if_then.startswith("IF ") and "\nTHEN " in info.if_then


def test_if_then_reads_like_the_rule():
    info = explain.catalogue_of_rules()["hip_under_strain"]
    assert info.if_then == (
        "IF the painful area takes repeated strain (sport, heavy work, long standing)\n"
        "AND the answer to \u201cWhere is the pain?\u201d includes \u201cHip or groin\u201d\n"
        "THEN conclude: a warning sign: hip_stress"
    )
    mri = explain.catalogue_of_rules()["lasting_pain_no_mri"]
    assert (
        "AND NOT the answer to \u201cWhich scans have you had for this pain?\u201d includes "
        "\u201cMRI scan\u201d" in mri.if_then
    )
    assert mri.statements == ("imaging_mri",) and mri.negated == ("q:imaging",)
    always = explain.catalogue_of_rules()["what_bme_is"]
    assert always.if_then.startswith("IF always\nTHEN show")


def test_actions_come_from_the_rule_bodies(cat):
    said = {s for info in explain.catalogue_of_rules().values() for s in info.statements}
    assert said == set(cat.statements)
    declared = {
        a.target
        for info in explain.catalogue_of_rules().values()
        for a in info.actions
        if a.kind == "declare"
    }
    assert {"LastingPain", "RedFlag(kind=infection)", "CauseFamily(name=metabolic)"} <= declared


# --- WHY ------------------------------------------------


def test_why_a_question_is_asked():
    answer = explain.why("athlete")
    assert [r.name for r in answer.rules] == ["athletic", "warning_question_unanswered"]
    assert {"urgent_hip_stress", "overload_link", "athlete_care", "check_early"} <= set(
        answer.statements
    )
    assert "pregnancy_hip" not in answer.statements
    assert "overload_link" in explain.why("overload").statements


def test_why_follows_chains_through_derived_facts():
    # fever -> RedFlag(infection) -> urgent_infection; and the NOT side: swelling_warmth
    answer = explain.why("fever")
    assert {"urgent_infection", "swelling_warmth", "infection_history", "no_urgent_signs"} <= set(
        answer.statements
    )


# --- HOW ------------------------------------------------


def flatten(node, depth=0):
    yield depth, node
    for step in node.steps:
        for b in step.because:
            yield from flatten(b, depth + 1)


def test_how_shows_the_chain_of_rules_and_answers():
    result = evaluate(CASES["runner_hip_pain"].answers)
    tree = explain.how(result, "urgent_hip_stress")
    rules_used = [s.rule for _, n in flatten(tree) for s in n.steps]
    assert rules_used[:2] == ["warn_hip_stress", "hip_under_strain"]
    assert "athletic" in rules_used
    answers = {n.fact for _, n in flatten(tree) if n.kind == "answer"}
    assert {"pain_sites = hip_groin", "athlete = yes", "overload = training_increase"} <= answers
    assert explain.how(result, "pregnancy_hip") is None


@pytest.mark.parametrize("case", CASES.values(), ids=list(CASES))
def test_how_every_statement_reaches_answers_or_always(case):
    result = evaluate(case.answers)
    for statement in result.statements:
        tree = explain.how(result, statement.id)
        assert tree.steps, statement.id
        leaves = [n for _, n in flatten(tree) if not n.steps]
        assert all(n.kind == "answer" for n in leaves), statement.id


# --- WHY-NOT ------------------------------------------------


def test_why_not_names_the_failed_condition():
    result = evaluate(CASES["runner_hip_pain"].answers)
    [reason] = explain.why_not(result, "athlete_care")
    assert reason.rule == "athlete_without_hip_warning"
    assert reason.unmet == (
        "NOT a warning sign: hip_stress: but there is RedFlag(kind=hip_stress)",
    )
    [pregnancy] = explain.why_not(result, "pregnancy_hip")
    assert any("pregnant" in u.lower() for u in pregnancy.unmet)


@pytest.mark.parametrize("case", CASES.values(), ids=list(CASES))
def test_why_not_explains_every_absent_statement(case, cat):
    """Every rule that could have made an absent statement has a condition that failed."""
    result = evaluate(case.answers)
    for sid in set(cat.statements) - set(result.statement_ids):
        reasons = explain.why_not(result, sid)
        assert reasons, sid
        for r in reasons:
            assert r.unmet, (sid, r.rule)


# --- What-if ------------------------------------------------


def test_what_if_diff():
    before = evaluate(CASES["runner_hip_pain"].answers)
    after = evaluate({**CASES["runner_hip_pain"].answers, "athlete": "no", "overload": ["none"]})
    diff = explain.compare(before, after)
    assert "urgent_hip_stress" in diff.removed and "no_urgent_signs" in diff.added
    assert "imaging_mri" in diff.unchanged
    assert {"hip_under_strain", "athletic", "warn_hip_stress"} <= set(diff.rules_only_before)
    # Without the warning: reassurance and background held back beside it come back.
    assert set(diff.rules_only_after) == {
        "no_warning_signs",
        "book_the_visit",
        "syndrome_profile",
        "hip_pain",
        "first_line_care",
        "how_long_recovery_takes",
    }
    assert "contact_soon" in diff.rules_only_before


# --- The pages ------------------------------------------------


def test_pages(client, cat):
    assert "Every rule as IF / THEN" in client.get("/learn/").get_data(as_text=True)
    html = client.get("/learn/rules").get_data(as_text=True)
    for name in rules():
        assert f'id="rule-{name}"' in html
    assert "runner_hip_pain" in html
    why = client.get("/learn/questions/tenderness").get_data(as_text=True)
    assert "tender_without_fever" in why and "No rule reads this answer directly" not in why
    assert client.get("/learn/questions/nope").status_code == 404


def test_trace_viewer_steps(client):
    result = evaluate(CASES["fever_warm_knee"].answers)
    total = len(result.trace)
    first = client.get("/learn/cases/fever_warm_knee").get_data(as_text=True)
    assert f"Step 0 of {total}" in first and "facts declared from the answers" in first
    step = client.get("/learn/cases/fever_warm_knee?step=1").get_data(as_text=True)
    assert f"rule <code>{result.trace[0].rule}</code> fires" in step
    last = client.get(f"/learn/cases/fever_warm_knee?step={total + 50}").get_data(as_text=True)
    assert f"Step {total} of {total}" in last
    assert f"Statements so far ({len(result.statements)})" in last
    ran = client.get("/learn/cases/fever_warm_knee?from=2&run=3").get_data(as_text=True)
    assert f"Step 5 of {total}" in ran
    assert client.get("/learn/cases/fever_warm_knee?step=abc").status_code == 200
    assert client.get("/learn/cases/nope").status_code == 404


def test_how_and_why_not_pages(client):
    html = client.get("/learn/cases/runner_hip_pain/how/urgent_hip_stress").get_data(as_text=True)
    assert "<code>hip_under_strain</code>" in html and "pain_sites = hip_groin" in html
    html = client.get("/learn/cases/runner_hip_pain/why-not/athlete_care").get_data(as_text=True)
    assert "but there is RedFlag(kind=hip_stress)" in html
    assert client.get("/learn/cases/runner_hip_pain/how/pregnancy_hip").status_code == 404


def test_what_if_page(client):
    url = "/learn/what-if?case=runner_hip_pain&changed=1&" + "&".join(
        f"{k}={v}"
        for k, vs in {
            **CASES["runner_hip_pain"].answers,
            "athlete": "no",
            "overload": ["none"],
        }.items()
        for v in (vs if isinstance(vs, list) else [vs])
    )
    html = client.get(url).get_data(as_text=True)
    assert re.search(r"Hip or groin pain with sport, training or repeated.*\(removed\)", html)
    assert "No warning signs reported <strong>(added)</strong>" in html
    assert "<code>hip_under_strain</code>" in html
    bad = client.get("/learn/what-if?case=runner_hip_pain&changed=1&sex=martian")
    assert bad.status_code == 200 and "do not fit the questionnaire" in bad.get_data(as_text=True)


def test_a_submission_links_to_its_own_reasoning(client):
    assert client.get("/learn/cases/my-answers").status_code == 404
    answer_all(client, RUNNER)
    submit(client)
    summary = client.get("/summary").get_data(as_text=True)
    assert 'href="/learn/cases/my-answers"' in summary
    html = client.get("/learn/cases/my-answers?step=3").get_data(as_text=True)
    assert "Your own answers" in html and "Step 3 of" in html


def test_own_answers_say_when_the_knowledge_base_changed(app, client):
    from webapp import db as store

    answer_all(client, RUNNER)
    submit(client)
    with app.app_context():
        submission = store.session().query(store.Submission).one()
        submission.kb_version = "2000.1"
        store.session().commit()
    html = client.get("/learn/cases/my-answers").get_data(as_text=True)
    assert "The knowledge base has changed since you sent them (version 2000.1" in html


def test_own_answers_with_a_retired_question_or_option_are_no_500(app, client):
    """Issue 12, defect 8: stored answers that the knowledge base has since retired."""
    from webapp import db as store

    answer_all(client, RUNNER)
    submit(client)
    with app.app_context():
        submission = store.session().query(store.Submission).one()
        submission.answers = {
            **submission.answers,
            "old_question": "yes",
            "pain_pattern": ["weight_bearing", "retired_option"],
        }
        store.session().commit()
    for url in ["/learn/cases/my-answers", "/learn/cases/my-answers?step=2",
                "/learn/cases/my-answers/picture"]:  # fmt: skip
        response = client.get(url)
        assert response.status_code == 200, url
    html = client.get("/learn/cases/my-answers").get_data(as_text=True)
    assert "no longer asked" in html and "old_question" in html
    assert "pain_pattern=retired_option" in html


def test_own_reasoning_leads_back_to_the_summary(client):
    answer_all(client, RUNNER)
    submit(client)
    result = evaluate(RUNNER)
    made = result.statements[0].id
    absent = next(s for s in catalogue().statements if s not in result.statement_ids)
    back = '<a class="back-link" href="/summary">Back to your summary</a>'
    for url in [
        "/learn/cases/my-answers",
        "/learn/cases/my-answers?step=3",
        f"/learn/cases/my-answers/how/{made}",
        f"/learn/cases/my-answers/why-not/{absent}",
        "/learn/cases/my-answers/picture",
    ]:
        html = client.get(url).get_data(as_text=True)
        assert back in html, url
        assert html.index(back) < html.index("<main"), f"{url}: at the top of the page"
    # A bundled case is not the reader's own: no summary to go back to.
    html = client.get("/learn/cases/runner_hip_pain").get_data(as_text=True)
    assert "Back to your summary" not in html


def test_every_question_is_read_by_a_rule(cat):
    """A question no rule reads is a question not worth asking (issue 10), unless it
    decides which questions are asked (sex: pregnancy is asked only where it could apply)."""
    gates = {q.show_when.question for q in cat.questions.values() if q.show_when}
    unread = [q for q in cat.questions if not explain.why(q).rules and q not in gates]
    assert unread == []


# --- Issue 13: WHY-NOT down to the answers, what-if as sets, the rules page ------------


def _leaves(needs):
    """The unmet needs at the bottom of WHY-NOT's tree: nothing below them."""
    for n in needs:
        if n.met:
            continue
        below = list(n.parts) + [x for _, inner in n.routes for x in inner]
        if below:
            yield from _leaves(below)
        else:
            yield n


def test_why_not_follows_derived_facts_down_to_the_answers_that_would_meet_them(cat):
    """'a warning sign: cancer: not so' was a dead end: it now names the answers, in
    the questionnaire's words, through the facts between them."""
    result = evaluate(CASES["runner_hip_pain"].answers)
    [reason] = explain.why_not(result, "urgent_cancer")
    [flag] = reason.needs
    assert not flag.met and flag.routes
    history = cat.questions["medical_history"]
    words = " ".join(n.words for n in _leaves(reason.needs))
    for value in ("cancer", "radiation"):
        assert history.option(value).label in words
    chain = [flag.routes[0][0], flag.routes[0][1][0].routes[0][0]]
    assert chain == ["bone_pain_after_cancer", "cancer_history"]


@pytest.mark.parametrize("case", CASES.values(), ids=list(CASES))
def test_every_why_not_ends_in_answers_or_in_a_fact_that_is_there(case, cat):
    """Every unmet condition bottoms out in answers a person could give, or in a fact
    that must be absent, named with the answers it came from."""
    result = evaluate(case.answers)
    labels = [q.short_text for q in cat.questions.values()]
    for sid in set(cat.statements) - set(result.statement_ids):
        for reason in explain.why_not(result, sid):
            for leaf in _leaves(reason.needs):
                if leaf.present:
                    assert leaf.words.startswith("NOT "), (sid, leaf)
                else:
                    assert any(label in leaf.words for label in labels), (sid, leaf.words)


def test_why_not_page_shows_the_chain(client, cat):
    html = client.get("/learn/cases/runner_hip_pain/why-not/urgent_cancer").get_data(as_text=True)
    assert "<code>cancer_history</code>" in html and "Not met:" in html
    assert cat.questions["medical_history"].option("cancer").label in html


def test_what_if_compares_answers_as_sets(client):
    """Changing only fever listed 'When is the pain worse?' too: a multi-choice answer's
    stored order is not the order the form sends back."""
    answers = CASES["runner_hip_pain"].answers
    assert len(answers["pain_pattern"]) > 1
    changed = {**answers, "fever": "yes", "pain_pattern": list(reversed(answers["pain_pattern"]))}
    query = "&".join(
        f"{k}={v}" for k, vs in changed.items() for v in (vs if isinstance(vs, list) else [vs])
    )
    html = client.get(f"/learn/what-if?case=runner_hip_pain&changed=1&{query}").get_data(
        as_text=True
    )
    [listed] = re.findall(r"Answers changed: (.*?)</p>", html)
    assert listed == catalogue().questions["fever"].short_text


def test_each_side_of_a_what_if_opens_its_own_steps_and_picture(client):
    answers = {**CASES["runner_hip_pain"].answers, "fever": "yes"}
    query = "&".join(
        f"{k}={v}" for k, vs in answers.items() for v in (vs if isinstance(vs, list) else [vs])
    )
    html = client.get(f"/learn/what-if?case=runner_hip_pain&changed=1&{query}").get_data(
        as_text=True
    )
    after = [
        u.replace("&amp;", "&") for u in re.findall(r'href="(/learn/cases/answers[^"]*)"', html)
    ]
    assert len(after) == 2 and any("/picture" in u for u in after)
    steps = client.get(after[0]).get_data(as_text=True)
    assert "urgent_fever" in steps or "Fever" in steps
    # Every link on the changed side's pages keeps the answers with it.
    for link in re.findall(r'href="(/learn/cases/answers[^"]*)"', steps):
        assert "fever=yes" in link
        assert client.get(link.replace("&amp;", "&")).status_code == 200
    assert client.get("/learn/cases/answers?pain_sites=nonsense").status_code == 400


def test_rules_page_has_contents_anchors_and_a_filter(client):
    html = client.get("/learn/rules").get_data(as_text=True)
    for name in rules():
        assert f'href="#rule-{name}"' in html  # in the contents and as its own anchor
    cancer = client.get("/learn/rules?statement=urgent_cancer").get_data(as_text=True)
    shown = set(re.findall(r'<article class="rule" id="rule-([a-z_]+)"', cancer))
    assert shown == explain.rules_to_statement("urgent_cancer")
    assert {"warn_cancer", "bone_pain_after_cancer", "cancer_history"} <= shown
    assert len(shown) < len(rules())
    fever = client.get("/learn/rules?question=fever").get_data(as_text=True)
    shown = set(re.findall(r'<article class="rule" id="rule-([a-z_]+)"', fever))
    assert shown == explain.rules_from_question("fever")
    infos = explain.catalogue_of_rules()
    assert any("fever" in infos[n].questions for n in shown)  # reads the answer
    assert any("fever" not in infos[n].questions for n in shown)  # reads what it led to
    both = client.get("/learn/rules?question=pregnancy&statement=urgent_cancer")
    assert "No rule matches both" in both.get_data(as_text=True)


# --- Issue 13: the agenda at each step, fact ids, one meaning of "new" ------------------


def experta_agendas(answers: dict) -> list[tuple]:
    """The agenda before each firing, read from experta's own Agenda on an engine with
    experta's own matcher, stepped by experta's own run loop: the trace's witness."""
    engine = StockKnowledgeBase()
    engine.reset()
    engine.declare(*answer_facts(validate(answers)))
    agendas = []
    for _ in range(500):
        engine.strategy.update_agenda(engine.agenda, *engine.get_activations())
        if not engine.agenda.activations:
            break
        agendas.append(
            tuple(
                (a.rule.__name__, a.rule.salience, sorted(f["__factid__"] for f in a.facts))
                for a in reversed(engine.agenda.activations)
            )
        )
        KnowledgeEngine.run(engine, 1)
    return agendas


@pytest.mark.parametrize("case", CASES.values(), ids=list(CASES))
def test_the_recorded_agenda_is_experta_s_own_at_every_step(case):
    result = evaluate(case.answers, agenda=True)
    recorded = [
        tuple((p.rule, p.salience, sorted(p.facts)) for p in f.agenda) for f in result.trace
    ]
    assert recorded == experta_agendas(case.answers)
    for firing in result.trace:
        assert firing.agenda[0].rule == firing.rule  # the first one is the one that fired
    assert all(f.agenda == () for f in evaluate(case.answers).trace)  # off for patients


def test_why_the_first_fired_names_salience_recency_or_the_tie_break():
    from rules.results import Pending

    assert explain.why_first((Pending("a", 10, (3,)), Pending("b", 0, (9,)))).startswith(
        "Higher salience: 10 against 0"
    )
    assert "f-9 is newer" in explain.why_first((Pending("a", 0, (9, 0)), Pending("b", 0, (4, 0))))
    assert "tie-break" in explain.why_first((Pending("a", 0, (0,)), Pending("b", 0, (0,))))
    reasons = {
        explain.why_first(f.agenda).split(":")[0].split(";")[0]
        for case in CASES.values()
        for f in evaluate(case.answers, agenda=True).trace
    }
    assert len(reasons) >= 3, reasons  # the bundled cases show each kind of reason


def test_trace_page_shows_the_agenda_and_one_meaning_of_new(client):
    result = evaluate(CASES["fever_warm_knee"].answers, agenda=True)
    for firing in result.trace:
        html = client.get(f"/learn/cases/fever_warm_knee?step={firing.step}").get_data(as_text=True)
        rows = re.findall(
            r"<tr(?: class=\"agenda-fires\")?>\s*<td>\d+.*?<code>([a-z_]+)</code>", html, re.S
        )
        assert rows == [p.rule for p in firing.agenda]
        assert "<strong>Why this one:</strong>" in html
        new = {i for i, n in zip(firing.declared, firing.new, strict=True) if n}
        marked = {
            int(i)
            for i in re.findall(
                r'class="fact fact-\w+ fact-new"><code><span class="fact-id">f-(\d+)', html
            )
        }
        assert marked == new, firing.step
        for i, n in zip(firing.declared, firing.new, strict=True):
            said = re.search(
                rf"f-{i}</span> [^<]*</code>: (<strong>new</strong>|already known)", html
            )
            assert said and (said.group(1) == "<strong>new</strong>") == n
    assert 'href="/learn/cases/fever_warm_knee?step=2#step"' in client.get(
        "/learn/cases/fever_warm_knee?step=1"
    ).get_data(as_text=True)
