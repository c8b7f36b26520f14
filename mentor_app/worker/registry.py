"""Imports every module that registers worker steps (kept in one list so none is forgotten)."""

from __future__ import annotations

import importlib

STEP_MODULES = [
    "mentor_app.worker.steps",
    "mentor_app.pool.worker_steps",
    "mentor_app.dashboard.worker_steps",
    "mentor_app.notifications.worker_steps",
    "mentor_app.consults.worker_steps",
    "mentor_app.safety.worker_steps",
]


def load_steps() -> None:
    for name in STEP_MODULES:
        importlib.import_module(name)
