"""Guides (playbooks): content model, rendering, search, editing with review, file sync."""
