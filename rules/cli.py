"""``bme``: the command line.

    bme questions [--json]            the question catalogue
    bme explain ANSWERS.json [--json]  statements, citations and the trace
    bme export-clips [-o FILE]         the knowledge base as CLIPS constructs

Bad input gets a clear message on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from pathlib import Path

from .answers import AnswerError
from .content import EMERGENCY, catalogue
from .engine import evaluate
from .results import citation
from .summary import plan

EXIT_BAD_INPUT = 2


def _wrap(text: str, indent: str = "") -> str:
    return textwrap.fill(text, width=88, initial_indent=indent, subsequent_indent=indent)


# --- bme questions -------------------------------------------------------------


def questions_data() -> list[dict]:
    cat = catalogue()
    out = []
    for q in cat.questions.values():
        item = {
            "id": q.id,
            "section": q.section,
            "type": q.type,
            "text": q.text,
            "help": q.help,
            "options": [
                {
                    "value": o.value,
                    "label": o.label,
                    "hint": o.hint,
                    "unknown": o.unknown,
                    "exclusive": o.exclusive,
                }
                for o in q.options
            ],
        }
        if q.show_when:
            item["show_when"] = {
                "question": q.show_when.question,
                "any_of": list(q.show_when.any_of),
            }
        out.append(item)
    return out


def cmd_questions(args) -> int:
    if args.json:
        print(json.dumps({"questions": questions_data()}, indent=2, ensure_ascii=False))
        return 0
    cat = catalogue()
    for section in cat.sections.values():
        print(f"== {section.title} ==")
        for q in cat.section_questions(section.id):
            kind = "choose one" if q.type == "single" else "choose any"
            print(f"{q.id}  ({kind})")
            print(_wrap(q.text, "  "))
            if q.show_when:
                print(
                    _wrap(
                        f"asked only if {q.show_when.question} is "
                        f"{' or '.join(q.show_when.any_of)}",
                        "  ",
                    )
                )
            for o in q.options:
                print(f"    {o.value:<24} {o.label}")
        print()
    return 0


# --- bme explain -----------------------------------------------------------------


def load_answers(path: str) -> dict:
    """Read an answers file; a bundled case file ({"answers": {...}, ...}) works too."""
    raw = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    data = json.loads(raw)
    if isinstance(data, dict) and isinstance(data.get("answers"), dict):
        return data["answers"]
    return data


def cmd_explain(args) -> int:
    try:
        answers = load_answers(args.answers)
    except OSError as e:
        return _bad_input(f"cannot read {args.answers}: {e.strerror or e}")
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        return _bad_input(f"{args.answers} is not valid JSON: {e}")
    try:
        result = evaluate(answers)
    except AnswerError as e:
        return _bad_input(
            "the answers do not fit the questionnaire:\n"
            + "\n".join(f"  - {p}" for p in e.problems)
            + "\nSee `bme questions` for the questions and their allowed values."
        )
    if args.json:
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(explain_text(result))
    return 0


def explain_text(result) -> str:
    """The summary as text, in the summary's order (rules/summary.py), then the trace."""
    cat = catalogue()
    shape = plan(result.to_dict())
    lines = [
        "This is education, not a diagnosis. Only a clinician who examines you can",
        "say what is causing your pain.",
        "",
    ]
    parts = [
        ("What to do now", [*shape.next_step, *shape.urgent]),
        ("Key points to raise with your clinician", shape.key_points),
        ("More about your answers", shape.more),
        ("If things change", shape.end),
    ]
    for heading, statements in parts:
        if not statements:
            continue
        lines += [f"== {heading} ==", ""]
        for s in statements:
            lines.append(f"* {s['title']}  [{s['id']}]")
            lines.append(_wrap(s["text"], "  "))
            for n, pid in enumerate(c["passage"] for c in s["citations"]):
                c = citation(pid, cat)
                lines.append(_wrap(f'[{n + 1}] "{c["quote"]}"', "    "))
                lines.append(f"        {c['publisher']} ({c['kind']}): {c['title']}")
            lines.append("")
        if heading == "What to do now":
            lines += [_wrap(EMERGENCY, ""), ""]
    lines += ["== How this was worked out ==", ""]
    for f in result.trace:
        matched = ", ".join(str(result.facts[i]) for i in f.matched) or "always"
        declared = ", ".join(
            str(result.facts[i]) + ("" if new else " (already known)")
            for i, new in zip(f.declared, f.new, strict=True)
        )
        lines.append(f"{f.step:>3}. {f.rule} [{f.topic}]")
        lines.append(f"       because: {matched}")
        lines.append(f"       so:      {declared}")
    lines += ["", f"Knowledge base version {result.version}."]
    return "\n".join(lines)


# --- bme export-clips ------------------------------------------------------------


def cmd_export_clips(args) -> int:
    """The rules as a CLIPS file, generated from the experta rules (rules/clips.py)."""
    from .clips import export

    text = export() + "\n"
    if args.output == "-":
        sys.stdout.write(text)
        return 0
    try:
        Path(args.output).write_text(text, encoding="utf-8")
    except OSError as e:
        return _bad_input(f"cannot write {args.output}: {e.strerror or e}")
    return 0


def _bad_input(message: str) -> int:
    print(f"bme: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def parser(more_commands=None) -> argparse.ArgumentParser:
    """The argument parser; ``more_commands(subparsers)`` lets the web app add its own."""
    p = argparse.ArgumentParser(
        prog="bme",
        description="Bone marrow edema pre-visit questionnaire: education, never a diagnosis.",
    )
    sub = p.add_subparsers(dest="command", required=True)
    q = sub.add_parser("questions", help="list the question catalogue")
    q.add_argument("--json", action="store_true", help="machine-readable output")
    q.set_defaults(func=cmd_questions)
    e = sub.add_parser("explain", help="statements, citations and trace for an answers file")
    e.add_argument("answers", help="answers JSON file ({question_id: value}), or - for stdin")
    e.add_argument("--json", action="store_true", help="machine-readable output")
    e.set_defaults(func=cmd_explain)
    c = sub.add_parser("export-clips", help="the knowledge base as CLIPS constructs (.clp)")
    c.add_argument("-o", "--output", default="-", help="file to write (default: stdout)")
    c.set_defaults(func=cmd_export_clips)
    if more_commands:
        more_commands(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
