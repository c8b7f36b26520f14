"""Indexes the dashboard's queries need on tables other domains own.

No tables of its own: every figure is computed from consults, offers and the audit log. The
index lives here (not in consults/models.py) because only the live view asks this question,
every ten seconds: "how many consults were accepted since midnight?".
"""

from __future__ import annotations

from sqlalchemy import Index

from mentor_app.consults.models import Consult

ACCEPTED_AT_INDEX = Index("ix_consults_accepted_at", Consult.accepted_at)
