"""Educator mode: the rules as IF/THEN, the reasoning step by step, HOW, WHY,
WHY-NOT, what-if, and a picture. Everything is generated from the rules."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request, session, url_for

from rules import explain
from rules.answers import AnswerError, chosen, known_answers, validate
from rules.content import cases, catalogue
from rules.engine import evaluate
from rules.results import Result, citation

from . import db as store
from .wizard import prune

bp = Blueprint("learn", __name__, url_prefix="/learn")

MINE = "my-answers"
#: The subject whose answers travel in the address: what-if's changed side, so that it
#: opens its own steps, HOW, WHY-NOT and picture like any case.
ANSWERS = "answers"


@bp.context_processor
def answer_query() -> dict:
    """``query``: the answers to carry in every link about the ``answers`` subject."""
    if (request.view_args or {}).get("case_id") != ANSWERS:
        return {"query": {}}
    return {"query": _answer_args()}


def _answer_args() -> dict[str, list[str]]:
    return {q: v for q in catalogue().questions if (v := request.args.getlist(q))}


def _subject(case_id: str) -> tuple[str, str, dict]:
    """(title, description, answers) of a bundled case, or of this browser's submission."""
    if case_id == MINE:
        draft = store.get_draft(session.get("draft"))
        submission = store.get_submission(draft.reference) if draft and draft.reference else None
        if submission is None:
            abort(404)
        description = "The answers you sent, worked out again step by step."
        if submission.kb_version != catalogue().version:
            description += (
                " The knowledge base has changed since you sent them (version "
                f"{submission.kb_version}, now {catalogue().version}), so the result may "
                "differ from your summary."
            )
        answers, dropped = known_answers(submission.answers)
        if dropped:
            description += (
                " Some of your answers are no longer asked, so they are left out: "
                + ", ".join(dropped)
                + "."
            )
        return "Your own answers", description, answers
    if case_id == ANSWERS:
        answers = _answers_from_args()
        try:
            validate(answers)
        except AnswerError:
            abort(400)
        return "Changed answers", "The answers of a what-if, worked out step by step.", answers
    case = cases().get(case_id)
    if case is None:
        abort(404)
    return case.id.replace("_", " ").capitalize(), case.description, case.answers


@bp.get("/")
def index():
    return render_template(
        "learn/index.html", cases=cases().values(), questions=catalogue().questions.values()
    )


# --- The rule catalogue and WHY -------------------------------------------------------


def _firing_cases() -> dict[str, list[str]]:
    fired: dict[str, list[str]] = {}
    for case in cases().values():
        for rule in dict.fromkeys(f.rule for f in evaluate(case.answers).trace):
            fired.setdefault(rule, []).append(case.id)
    return fired


@bp.get("/rules")
def rule_catalogue():
    """Every rule by topic, with contents, and a filter by question or statement (a GET
    form, so it works without JavaScript and the address can be shared)."""
    cat = catalogue()
    fired = _firing_cases()
    question = request.args.get("question", "")
    statement = request.args.get("statement", "")
    shown = set(explain.catalogue_of_rules())
    if question in cat.questions:
        shown &= explain.rules_from_question(question)
    if statement in cat.statements:
        shown &= explain.rules_to_statement(statement)
    topics: dict[str, list] = {}
    for info in explain.catalogue_of_rules().values():
        if info.name not in shown:
            continue
        topics.setdefault(info.topic, []).append(
            {
                "info": info,
                "statements": [
                    {
                        "id": sid,
                        "title": cat.statements[sid].title,
                        "level": cat.statements[sid].level,
                        "citations": [citation(p, cat) for p in cat.statements[sid].citations],
                    }
                    for sid in info.statements
                ],
                "questions": [cat.questions[q] for q in info.questions],
                "cases": fired.get(info.name, []),
            }
        )
    return render_template(
        "learn/rules.html",
        topics=topics,
        count=len(shown),
        total=len(explain.catalogue_of_rules()),
        questions=cat.questions.values(),
        statements=cat.statements.values(),
        question=question if question in cat.questions else "",
        statement=statement if statement in cat.statements else "",
    )


@bp.get("/questions/<question_id>")
def why(question_id):
    cat = catalogue()
    if question_id not in cat.questions:
        abort(404)
    answer = explain.why(question_id)
    return render_template(
        "learn/why.html",
        question=cat.questions[question_id],
        answer=answer,
        statements=[cat.statements[s] for s in answer.statements],
    )


# --- One evaluation, step by step -------------------------------------------------------


def _steps(result: Result) -> list[dict]:
    """Step 0 declares the answers; step k is the k-th rule firing, with the agenda it
    was chosen from."""
    answer_ids = [i for i, f in result.facts.items() if f.kind == "answer"]
    steps = [{"number": 0, "rule": None, "declared": answer_ids, "matched": [], "new": answer_ids}]
    for f in result.trace:
        steps.append(
            {
                "number": f.step,
                "rule": f.rule,
                "topic": f.topic,
                "matched": list(f.matched),
                "declared": list(f.declared),
                "known": dict(zip(f.declared, f.new, strict=True)),
                # One meaning of "new" everywhere: numbered now, not already known.
                "new": [i for i, new in zip(f.declared, f.new, strict=True) if new],
                "agenda": f.agenda,
                "why_first": explain.why_first(f.agenda),
            }
        )
    return steps


def _step_number(total: int) -> int:
    """The step asked for: ``step``, or ``from`` plus ``run`` (run N steps), kept in range."""
    try:
        if "run" in request.args:
            number = int(request.args.get("from", 0)) + int(request.args["run"])
        else:
            number = int(request.args.get("step", 0))
    except ValueError:
        number = 0
    return min(max(number, 0), total)


@bp.get("/cases/<case_id>")
def trace(case_id):
    title, description, answers = _subject(case_id)
    result = evaluate(answers, agenda=True)
    steps = _steps(result)
    number = _step_number(len(steps) - 1)
    step = steps[number]
    known = {i for s in steps[: number + 1] for i in s["declared"]}
    known |= {i for i, f in result.facts.items() if f.kind == "initial"}  # f-0, as in CLIPS
    memory = [result.facts[i] for i in sorted(known)]
    infos = explain.catalogue_of_rules()
    cat = catalogue()
    made = [
        result.facts[i].fields["id"] for i in sorted(known) if result.facts[i].kind == "statement"
    ]
    return render_template(
        "learn/trace.html",
        case_id=case_id,
        title=title,
        description=description,
        result=result,
        step=step,
        rule=infos.get(step["rule"]) if step["rule"] else None,
        total=len(steps) - 1,
        memory=memory,
        facts=result.facts,
        made=[cat.statements[s] for s in made],
        absent=[s for s in cat.statements.values() if s.id not in result.statement_ids],
        questions=cat.questions,
    )


@bp.get("/cases/<case_id>/how/<statement_id>")
def how(case_id, statement_id):
    title, _, answers = _subject(case_id)
    result = evaluate(answers)
    tree = explain.how(result, statement_id)
    if tree is None or statement_id not in catalogue().statements:
        abort(404)
    return render_template(
        "learn/how.html",
        case_id=case_id,
        title=title,
        tree=tree,
        statement=catalogue().statements[statement_id],
    )


@bp.get("/cases/<case_id>/why-not/<statement_id>")
def why_not(case_id, statement_id):
    title, _, answers = _subject(case_id)
    if statement_id not in catalogue().statements:
        abort(404)
    result = evaluate(answers)
    return render_template(
        "learn/why_not.html",
        case_id=case_id,
        title=title,
        statement=catalogue().statements[statement_id],
        made=statement_id in result.statement_ids,
        reasons=explain.why_not(result, statement_id),
    )


# --- Pictures ----------------------------------------------------------------------------


@bp.get("/cases/<case_id>/picture")
def picture(case_id):
    from rules.graph import evaluation_svg, print_tiles

    title, _, answers = _subject(case_id)
    svg = evaluation_svg(evaluate(answers))
    return render_template(
        "learn/picture.html",
        case_id=case_id,
        title=title,
        lead="Answers on the left, then each rule that fired and the facts it derived, "
        "then the statements. A dashed line is a condition that something must be absent.",
        svg=svg,
        tiles=print_tiles(svg, "reasoning"),
    )


@bp.get("/picture")
def kb_picture():
    from rules.graph import overview_svg, print_tiles, topics

    svg = overview_svg(lambda t: url_for("learn.topic_picture", topic=t))
    return render_template(
        "learn/picture.html",
        case_id=None,
        title="The knowledge base",
        lead="Each topic's rules, and which topics build on facts that others conclude. "
        "Open a topic to see its rules.",
        topics=topics(),
        svg=svg,
        tiles=print_tiles(svg, "overview"),
    )


@bp.get("/picture/<topic>")
def topic_picture(topic):
    from rules.graph import print_tiles, topic_svg, topics

    if topic not in topics():
        abort(404)
    svg = topic_svg(topic)
    return render_template(
        "learn/picture.html",
        case_id=None,
        topic=topic,
        title=f"The {topic.replace('_', ' ')} rules",
        lead="What each rule reads (answers and facts) on the left, the rule in the middle, "
        "what it concludes or says on the right.",
        svg=svg,
        tiles=print_tiles(svg, "topic"),
    )


@bp.get("/knowledge-base.svg")
def kb_svg():
    from rules.graph import knowledge_base_svg

    return Response(knowledge_base_svg(), mimetype="image/svg+xml")


@bp.get("/knowledge-base.clp")
def kb_clips():
    """The rules as CLIPS constructs (``bme export-clips``), for a class to load."""
    from rules.clips import export

    return Response(
        export() + "\n",
        mimetype="text/plain",
        headers={"Content-Disposition": 'attachment; filename="bme-knowledge-base.clp"'},
    )


# --- What-if -----------------------------------------------------------------------------


def _answers_from_args() -> dict:
    cat = catalogue()
    answers = {}
    for q in cat.questions.values():
        values = [v for v in request.args.getlist(q.id) if v]
        if values:
            answers[q.id] = values if q.type == "multi" else values[0]
    return prune(answers)


@bp.get("/what-if")
def what_if():
    case_id = request.args.get("case", "")
    if case_id not in cases():
        case_id = next(iter(cases()))
    before_answers = cases()[case_id].answers
    changed = "changed" in request.args
    after_answers = _answers_from_args() if changed else dict(before_answers)
    problems = []
    try:
        after = evaluate(after_answers)
    except AnswerError as e:
        problems, after = e.problems, None
    before = evaluate(before_answers)
    comparison = explain.compare(before, after) if after else None
    cat = catalogue()
    differing = [
        q
        for q in cat.questions.values()
        # As sets: a multi-choice answer's stored order is not the order a form sends.
        if set(chosen(before_answers, q.id)) != set(chosen(after_answers, q.id))
    ]
    return render_template(
        "learn/what_if.html",
        case_id=case_id,
        cases=cases().values(),
        questions=cat.questions.values(),
        sections=cat.sections,
        selected={q.id: set(chosen(after_answers, q.id)) for q in cat.questions.values()},
        before=before,
        after=after,
        comparison=comparison,
        statements=cat.statements,
        differing=differing,
        problems=problems,
        changed=changed,
        base=url_for("learn.what_if"),
        after_query={q: chosen(after_answers, q) for q in after_answers},
    )
