"""The ``bme`` command line: text for people, JSON for programs, clear errors."""

import json

import pytest

from rules.cli import main
from rules.content import DATA, cases


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_questions_text(capsys, cat):
    code, out, _ = run(capsys, "questions")
    assert code == 0
    for q in cat.questions.values():
        assert q.id in out


def test_questions_json(capsys, cat):
    code, out, _ = run(capsys, "questions", "--json")
    assert code == 0
    data = json.loads(out)
    assert [q["id"] for q in data["questions"]] == list(cat.questions)
    pregnancy = next(q for q in data["questions"] if q["id"] == "pregnancy")
    assert pregnancy["show_when"]["question"] == "sex"


@pytest.mark.parametrize("case_id", list(cases()))
def test_explain_every_bundled_case(capsys, case_id):
    path = DATA / "cases" / f"{case_id}.json"
    code, out, err = run(capsys, "explain", str(path))
    assert code == 0 and err == ""
    assert "not a diagnosis" in out
    for sid in cases()[case_id].expect:
        assert f"[{sid}]" in out
    assert "How this was worked out" in out


def test_explain_json_shape(capsys, tmp_path, cat):
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(cases()["fever_warm_knee"].answers))
    code, out, _ = run(capsys, "explain", str(answers), "--json")
    assert code == 0
    data = json.loads(out)
    first = data["statements"][0]
    assert first["id"] == "urgent_infection" and first["level"] == "urgent"
    assert {"id", "level", "title", "text", "citations"} <= set(first)
    for s in data["statements"]:
        assert s["citations"]
        for c in s["citations"]:
            passage = cat.passages[c["passage"]]
            assert (c["source"], c["quote"]) == (passage.source, passage.quote)
    assert data["trace"] and {"step", "rule", "matched", "declared"} <= set(data["trace"][0])


def test_explain_reads_stdin(capsys, monkeypatch):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO('{"pain_sites": ["spine"]}'))
    code, out, _ = run(capsys, "explain", "-")
    assert code == 0 and "[spine_site]" in out


@pytest.mark.parametrize(
    "content, words",
    [
        ("{not json", ["not valid JSON"]),
        ('{"sex": "martian"}', ["sex", "unknown option", "bme questions"]),
        ('["knee"]', ["JSON object"]),
    ],
)
def test_explain_bad_input(capsys, tmp_path, content, words):
    path = tmp_path / "bad.json"
    path.write_text(content)
    code, out, err = run(capsys, "explain", str(path))
    assert code == 2 and out == ""
    for word in words:
        assert word in err


def test_explain_missing_file(capsys, tmp_path):
    code, _, err = run(capsys, "explain", str(tmp_path / "nope.json"))
    assert code == 2 and "cannot read" in err
