"""Staff pages stay staff pages (issue 11): errors in the staff layout, with staff
links, and after an expired form the same action offered again."""

import re

import pytest
from sqlalchemy.exc import OperationalError

from webapp import auth, create_app
from webapp import db as store

from .test_staff import PASSWORD, make_submission, sign_in
from .web import csrf_token


@pytest.fixture
def csrf_app(tmp_path):
    """CSRF checked as in production (the shared fixture runs with TESTING)."""
    app = create_app(
        {
            "SECRET_KEY": "test-secret",
            "INSTANCE_PATH": tmp_path / "instance",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'staff.sqlite'}",
        }
    )
    with app.app_context():
        auth.create_staff("nurse", PASSWORD)
    return app


def staff_page(html: str) -> bool:
    return 'aria-label="Staff"' in html and "Sign out" in html


def test_an_expired_form_offers_the_same_action_again(csrf_app):
    reference = make_submission(csrf_app)
    client = csrf_app.test_client()
    sign_in(client)
    url = f"/staff/submissions/{reference}/reviewed"
    response = client.post(url, data={"csrf_token": "expired-or-forged"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert staff_page(html) and "This form expired" in html
    assert "saved answers" not in html and "Go back to your answers" not in html
    assert f'href="/staff/submissions/{reference}"' in html  # the way back
    form = re.search(r'<form method="post" action="([^"]+)">', html)
    assert form and form.group(1) == url
    again = client.post(url, data={"csrf_token": csrf_token(html)})
    assert again.status_code == 302
    with csrf_app.app_context():
        assert store.get_submission(reference).reviewed


def test_what_was_typed_is_kept_but_never_a_password(csrf_app):
    client = csrf_app.test_client()
    sign_in(client)
    html = client.post(
        "/staff/sign-in",
        data={"csrf_token": "forged", "username": "nurse", "password": PASSWORD},
    ).get_data(as_text=True)
    assert PASSWORD not in html
    assert "This form expired" in html and "go back and try again" in html
    assert ">Try again</button>" not in html  # signing in again is done on the sign-in page


def test_not_found_in_the_staff_area(app, client):
    with app.app_context():
        auth.create_staff("nurse", PASSWORD)
    sign_in(client)
    for url in ("/staff/submissions/ZZZZ-ZZZZ-ZZZZ", "/staff/no-such-page"):
        response = client.get(url)
        html = response.get_data(as_text=True)
        assert response.status_code == 404
        assert staff_page(html) and "Not found" in html, url
        assert "start page" not in html


def test_signed_out_staff_errors_offer_sign_in(app, client):
    html = client.get("/staff/no-such-page").get_data(as_text=True)
    assert 'href="/staff/sign-in"' in html and "Sign out" not in html


def test_a_busy_database_on_a_staff_page(app, client, monkeypatch):
    reference = make_submission(app)
    with app.app_context():
        auth.create_staff("nurse", PASSWORD)
    sign_in(client)

    def busy(_reference):
        raise OperationalError("SELECT", {}, Exception("database is locked"))

    monkeypatch.setattr(store, "get_submission", busy)
    response = client.get(f"/staff/submissions/{reference}")
    html = response.get_data(as_text=True)
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert staff_page(html) and "The records are busy" in html
