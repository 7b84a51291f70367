"""What an evaluation produces: facts, firings and statements, as plain data.

Kept apart from the engine so that the web app, the exports and the explanations
read results without knowing how they were made.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .content import Catalogue, catalogue


@dataclass(frozen=True)
class FactView:
    """A fact in working memory, as plain data."""

    id: int
    type: str
    fields: dict
    question: str = ""  # set for answer facts

    @property
    def kind(self) -> str:
        if self.question:
            return "answer"
        if self.type == "Statement":
            return "statement"
        if self.type == "InitialFact":
            return "initial"
        return "derived"

    def __str__(self) -> str:
        if self.question:
            return f"{self.question} = {self.fields['value']}"
        args = ", ".join(f"{k}={v}" for k, v in self.fields.items())
        return f"{self.type}({args})"

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "type": self.type,
            "fields": self.fields,
            "text": str(self),
        }


@dataclass(frozen=True)
class Pending:
    """An activation on the agenda: a rule ready to fire, and the facts it matched
    (newest first, the initial fact as 0: the order the strategy compares)."""

    rule: str
    salience: int
    facts: tuple[int, ...]


@dataclass(frozen=True)
class Firing:
    """One rule firing: which rule, the facts that matched it, the facts it declared.

    ``new`` tells, for each declared fact, whether it was new to working memory
    (experta ignores a fact that is already there). ``agenda``, recorded for
    educators only, is the agenda it was chosen from, in firing order: it comes first.
    """

    step: int
    rule: str
    topic: str
    matched: tuple[int, ...]
    declared: tuple[int, ...]
    new: tuple[bool, ...]
    agenda: tuple[Pending, ...] = ()


@dataclass(frozen=True)
class StatementResult:
    id: str
    level: str
    title: str
    text: str
    citations: tuple[str, ...]
    #: The answers it rests on, as (question id, value), in questionnaire order.
    rests_on: tuple[tuple[str, str], ...]
    #: The rules that made it.
    rules: tuple[str, ...]


@dataclass
class Result:
    answers: dict
    facts: dict[int, FactView]
    trace: list[Firing]
    statements: list[StatementResult]
    version: str = field(default="")

    @property
    def statement_ids(self) -> list[str]:
        return [s.id for s in self.statements]

    def to_dict(self) -> dict:
        """The JSON form (``bme explain --json``, exports, stored submissions)."""
        cat = catalogue()
        return {
            "version": self.version,
            "answers": self.answers,
            "statements": [
                {
                    "id": s.id,
                    "level": s.level,
                    "title": s.title,
                    "text": s.text,
                    "citations": [citation(pid, cat) for pid in s.citations],
                    "rests_on": [{"question": q, "value": v} for q, v in s.rests_on],
                    "rules": list(s.rules),
                }
                for s in self.statements
            ],
            "facts": [f.to_dict() for f in self.facts.values()],
            "trace": [
                {
                    "step": f.step,
                    "rule": f.rule,
                    "topic": f.topic,
                    "matched": [str(self.facts[i]) for i in f.matched],
                    "declared": [
                        str(self.facts[i]) + ("" if new else " (already known)")
                        for i, new in zip(f.declared, f.new, strict=True)
                    ],
                }
                for f in self.trace
            ],
        }


def citation(passage_id: str, cat: Catalogue | None = None) -> dict:
    """A passage with its source, as shown next to a statement."""
    cat = cat or catalogue()
    passage = cat.passages[passage_id]
    source = cat.sources[passage.source]
    return {
        "passage": passage.id,
        "source": source.id,
        "quote": passage.quote,
        "title": source.title,
        "publisher": source.publisher,
        "kind": source.kind,
    }
