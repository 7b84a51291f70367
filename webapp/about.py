"""Learn about bone marrow edema: everything the three sources say, by topic.

The page needs no answers and no session, and it cannot change while the process
runs, so it is rendered once per app and kept. Each claim is followed by its quotes,
closed until opened, as on the summary; medical terms are explained the first time
the page uses them (rules/data/glossary.toml).
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from rules.content import catalogue, learn
from rules.results import citation
from rules.summary import explain_terms

from .views import compact_sources

bp = Blueprint("about", __name__)

#: Where each app keeps its rendered page (app.extensions).
KEPT = "bme_about_page"


def topics_view() -> list[dict]:
    """The topics in page order, each with its claims grouped under their sub-headings."""
    cat = catalogue()
    explained: set[str] = set()
    view = []
    for topic in learn():
        groups: list[dict] = []
        for claim in topic.claims:
            if not groups or groups[-1]["title"] != claim.group:
                groups.append({"title": claim.group, "claims": []})
            citations = [
                {"number": n, **citation(pid, cat)} for n, pid in enumerate(claim.citations, 1)
            ]
            groups[-1]["claims"].append(
                {
                    "text": explain_terms(claim.text, explained),
                    "difference": claim.difference,
                    "citations": citations,
                    "sources": compact_sources(citations, cat),
                }
            )
        view.append({"id": topic.id, "title": topic.title, "intro": topic.intro, "groups": groups})
    return view


def _render() -> str:
    return render_template(
        "about.html", topics=topics_view(), sources=list(catalogue().sources.values())
    )


@bp.get("/bone-marrow-edema")
def page():
    kept = current_app.extensions.get(KEPT)
    if kept is None:  # two threads may render it once each: the same page
        kept = current_app.extensions[KEPT] = _render()
    return kept
