"""Plain fixtures shared by the tests."""

import os
from pathlib import Path

import pytest

from rules.content import catalogue

ROOT = Path(__file__).resolve().parent.parent
#: The source articles live beside the checkout; BME_SOURCES may point elsewhere.
SOURCES = Path(os.environ.get("BME_SOURCES", ROOT.parent / "shared" / "sources"))


@pytest.fixture(scope="session")
def cat():
    return catalogue()


@pytest.fixture(scope="session")
def source_texts(cat):
    """The text of each source article, by source id; skips if the folder is absent."""
    if not SOURCES.is_dir():
        pytest.skip(f"source articles not found at {SOURCES} (set BME_SOURCES)")
    return {s.id: (SOURCES / s.file).read_text(encoding="utf-8") for s in cat.sources.values()}


# --- The web app ------------------------------------------------------------------


#: A real PostgreSQL server for the storage and staff tests, when one is given
#: (.ci/run starts one on loopback); SQLite always.
POSTGRES_URL = os.environ.get("BME_TEST_POSTGRES_URL", "")
DATABASES = ["sqlite", "postgres"] if POSTGRES_URL else ["sqlite"]


@pytest.fixture(params=DATABASES)
def app(request, tmp_path):
    from webapp import create_app

    url = f"sqlite:///{tmp_path / 'test.sqlite'}"
    if request.param == "postgres":
        from sqlalchemy import create_engine

        from webapp.db import Base

        url = POSTGRES_URL
        engine = create_engine(url)
        Base.metadata.drop_all(engine)  # a clean database for every test
        engine.dispose()
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "INSTANCE_PATH": tmp_path / "instance",
            "DATABASE_URL": url,
        }
    )
    yield app
    app.extensions["bme_engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def staff(app):
    """A staff account, "nurse", with the staff tests' password (tests/test_staff.py)."""
    from webapp import auth

    from .test_staff import PASSWORD

    with app.app_context():
        auth.create_staff("nurse", PASSWORD)
    return "nurse"
