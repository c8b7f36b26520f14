"""Fixtures for the guide tests."""

from __future__ import annotations

import pytest

from tests.playbooks.support import seed_library


@pytest.fixture
def library(app, db, clock):  # type: ignore[no-untyped-def]
    """Every guide in mentor_app/content, published (as seed-demo does); the checking session."""
    seed_library(db, clock())
    return db
