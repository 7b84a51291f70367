"""The summary page keeps its one query's answer only while no process has deleted
anything (webapp/changes.py): a deletion anywhere shows at once, everywhere."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, event, select, text

from webapp import changes
from webapp import db as store

from .test_staff import sign_in
from .test_web_notice import QUIET, walk
from .web import csrf_token, page_data, path_of, post_form, start, submit

ROOT = Path(__file__).resolve().parent.parent


def sent(client) -> str:
    """A patient's summary, sent; returns its reference code."""
    walk(client, QUIET)
    submit(client)
    html = client.get("/summary").get_data(as_text=True)
    return html.split('class="reference-code">', 1)[1].split("<", 1)[0].strip()


def shows_summary(client) -> bool:
    response = client.get("/summary")
    return response.status_code == 200 and 'class="reference-code"' in response.get_data(
        as_text=True
    )


def keeps(app) -> bool:
    """Whether this app may keep answers: SQLite yes; PostgreSQL (several hosts) no."""
    return app.config["DATABASE_URL"].startswith("sqlite")


@pytest.fixture
def queries(app):
    """How many times the summary page's query has run."""
    ran = []

    def count(_connection, statement, *_args):
        if statement is store.SENT_SUMMARY:
            ran.append(1)

    engine = app.extensions["bme_engine"]
    event.listen(engine, "after_execute", count)
    yield ran
    event.remove(engine, "after_execute", count)


def test_a_second_view_asks_the_database_nothing(app, client, queries):
    sent(client)
    before = len(queries)
    assert shows_summary(client) and shows_summary(client)
    assert len(queries) - before == (0 if keeps(app) else 2)


def test_a_staff_deletion_shows_at_once(app, client, staff):
    reference = sent(client)
    assert shows_summary(client)
    desk = app.test_client()
    sign_in(desk)
    confirm = desk.get(f"/staff/submissions/{reference}/delete").get_data(as_text=True)
    desk.post(f"/staff/submissions/{reference}/delete", data={"csrf_token": csrf_token(confirm)})
    assert not shows_summary(client)


def test_a_deletion_by_another_worker_on_the_same_database_shows_at_once(app, client, tmp_path):
    """Another app on the same database, as in another process: its own engine and its
    own mapping of the stamp."""
    from webapp import create_app

    reference = sent(client)
    assert shows_summary(client)
    other = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "INSTANCE_PATH": tmp_path / "other",
            "DATABASE_URL": app.config["DATABASE_URL"],
        }
    )
    try:
        with other.app_context():
            store.session().execute(
                delete(store.Submission).where(store.Submission.reference == reference)
            )
            store.session().commit()
    finally:
        other.extensions["bme_engine"].dispose()
    assert not shows_summary(client)


def test_a_purge_run_in_another_process_shows_at_once(app, client):
    """`bme purge`, as a nightly job runs it, beside a serving app."""
    sent(client)
    assert shows_summary(client)
    env = {k: v for k, v in os.environ.items() if not k.startswith("BME_")}
    env.update(
        BME_DATABASE_URL=app.config["DATABASE_URL"],
        BME_SECRET_KEY="test-secret",
        BME_INSTANCE_PATH=app.instance_path,
    )
    done = subprocess.run(
        [sys.executable, "-c", "from webapp.cli import main; raise SystemExit(main())",
         "purge", "--days", "0"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Purged 1 submission(s)" in done.stdout
    assert not shows_summary(client)


def test_a_deletion_with_text_sql_shows_at_once(app, client):
    reference = sent(client)
    assert shows_summary(client)
    with app.app_context(), store._engine().begin() as connection:
        connection.execute(text("DELETE FROM submissions WHERE reference = :r"), {"r": reference})
    assert not shows_summary(client)


def test_a_kept_answer_ends_with_the_sent_life(app, client, monkeypatch):
    """Nothing was deleted, but the sent summary's time in this browser is up."""
    sent(client)
    assert shows_summary(client)
    summaries = app.extensions["bme_sent"]
    later = store.utcnow() + timedelta(minutes=app.config["SENT_MINUTES"], seconds=1)
    monkeypatch.setattr(store, "utcnow", lambda: later)
    clock = summaries.clock
    monkeypatch.setattr(summaries, "clock", lambda: clock() + 60 * app.config["SENT_MINUTES"] + 1)
    assert not shows_summary(client)


def test_a_kept_answer_is_asked_again_after_a_minute(app, client, queries, monkeypatch):
    """A deletion made outside the app (the sqlite3 shell, say) shows within a minute."""
    sent(client)
    assert shows_summary(client)
    before = len(queries)
    summaries = app.extensions["bme_sent"]
    clock = summaries.clock
    monkeypatch.setattr(summaries, "clock", lambda: clock() + changes.MOST_KEPT + 1)
    assert shows_summary(client)
    assert len(queries) - before == 1


def test_saving_answers_leaves_kept_answers_alone(app, client):
    """Another patient answering page after page must not make every summary ask again."""
    sent(client)
    stamp = app.extensions["bme_sent"].stamp
    other = app.test_client()
    page = path_of(start(other))  # starting clears out expired drafts: that may change it
    before = stamp.read()
    while page.startswith("/questions/"):
        section = page.rsplit("/", 1)[1]
        page = path_of(post_form(other, page, page_data(section, QUIET)))
    assert page == "/check" and stamp.read() == before


def test_what_changes_the_stamp(app):
    drafts, submissions = store.Draft.__table__, store.Submission.__table__
    assert changes.rewrites(delete(drafts))
    assert changes.rewrites(delete(store.Submission))
    assert changes.rewrites(submissions.update().values(kb_version="x"))
    assert changes.rewrites(text("delete from drafts"))
    assert changes.rewrites("UPDATE submissions SET reviewed_by = NULL")
    assert not changes.rewrites(select(drafts))
    assert not changes.rewrites(text("SELECT 1"))
    assert not changes.rewrites(delete(store.StaffSession))


def test_the_stamp_is_shared_through_its_file(tmp_path):
    url = store.make_engine(f"sqlite:///{tmp_path / 'bme.sqlite'}").url
    one, two = changes.stamp_for(url), changes.stamp_for(url)
    before = two.read()
    one.change()
    assert two.read() != before and two.read() == one.read()
    assert (tmp_path / "bme.sqlite-stamp").stat().st_mode & 0o077 == 0


def test_where_processes_cannot_share_memory_nothing_is_kept(tmp_path):
    from sqlalchemy.engine import make_url

    for url in ("postgresql://h/db", "sqlite:///file:x?mode=memory&uri=true"):
        assert changes.stamp_for(make_url(url)).read() is None
    unwritable = make_url(f"sqlite:///{tmp_path / 'missing' / 'bme.sqlite'}")
    assert changes.stamp_for(unwritable).read() is None
    assert changes.stamp_for(make_url("sqlite://")).read() is not None


def test_a_summary_still_shows_when_nothing_can_be_kept(app, client, queries):
    app.extensions["bme_sent"].stamp = changes.Stamp(None)
    sent(client)
    before = len(queries)
    assert shows_summary(client) and shows_summary(client)
    assert len(queries) - before == 2
    with app.app_context():
        store.session().execute(delete(store.Submission))
        store.session().commit()
    assert path_of(client.get("/summary")) == "/"


def test_a_summary_deleted_between_its_two_reads_is_not_an_error(app, client, monkeypatch):
    """The page is rendered once: it reads the submission after the query said it was
    there. Deleted that moment, the person is told, as after any deletion."""
    walk(client, QUIET)
    submit(client)  # not viewed yet, so not rendered yet
    monkeypatch.setattr(store, "get_submission", lambda _reference: None)
    assert path_of(client.get("/summary")) == "/"
