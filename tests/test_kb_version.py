"""The knowledge base's version changes when what it says or decides changes.

Stored submissions record the version that produced them (statements.toml), so that
staff and an audit can tell two wordings apart. A version that stays the same while a
statement, a passage or a rule changes hides that. This test holds a fingerprint of
the content for the current version: change the content, and it fails until the
version is bumped and the new fingerprint recorded below.
"""

from __future__ import annotations

import hashlib
import io
import json
import tokenize
import tomllib
from pathlib import Path

from rules.content import catalogue

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "rules" / "data"
#: What a summary says and why: wording, passages, questions' phrases, the glossary,
#: warning patterns, source differences, and the rules. Not learn.toml (educators' pages).
CONTENT = ["statements", "warnings", "passages", "questions", "glossary", "sources"]

#: (version, fingerprint): update both together, the version first.
RECORDED = ("2026.11.23.2", "ea90bf5836ce6153")


def code_tokens(source: str) -> list[str]:
    """Python source as its tokens, without comments or line breaks inside brackets: the
    same for any Python version, and for code only re-wrapped or re-commented."""
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.ENCODING}
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return [t.string for t in tokens if t.type not in skip]


def fingerprint(data_dir: Path = DATA) -> str:
    """A digest of the content's meaning: parsed TOML (comments and layout do not count)
    and the rules' code (docstrings count: educators read them)."""
    parts = {}
    for name in CONTENT:
        data = tomllib.loads((data_dir / f"{name}.toml").read_text(encoding="utf-8"))
        data.pop("version", None)
        parts[name] = data
    for path in sorted((ROOT / "rules" / "kb").glob("*.py")):
        parts[path.name] = code_tokens(path.read_text(encoding="utf-8"))
    blob = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def test_the_version_changes_with_the_content():
    version, recorded = RECORDED
    now = fingerprint()
    assert catalogue().version == version, (
        f"statements.toml says {catalogue().version}: record its fingerprint here, "
        f'RECORDED = ("{catalogue().version}", "{now}")'
    )
    assert now == recorded, (
        f"the knowledge base changed but its version is still {version}: bump `version` "
        f'in statements.toml, then RECORDED = ("<new version>", "{now}")'
    )


def test_the_fingerprint_ignores_comments_and_sees_a_changed_word(tmp_path):
    """Layout does not count; one word of a statement does."""
    original = fingerprint()
    for name in CONTENT:
        (tmp_path / f"{name}.toml").write_bytes((DATA / f"{name}.toml").read_bytes())
    assert fingerprint(tmp_path) == original
    statements = tmp_path / "statements.toml"
    text = statements.read_text(encoding="utf-8")
    statements.write_text("# a new comment\n\n" + text, encoding="utf-8")
    assert fingerprint(tmp_path) == original
    statements.write_text(text.replace("Tell your clinician", "Tell your doctor", 1), "utf-8")
    assert fingerprint(tmp_path) != original


def test_code_tokens_ignore_comments_and_wrapping_but_not_a_changed_name():
    one = 'say("a", b)  # why\n'
    assert code_tokens(one) == code_tokens('say(\n    "a",\n    b,\n)\n'.replace(",\n)", "\n)"))
    assert code_tokens(one) != code_tokens('say("c", b)\n')
