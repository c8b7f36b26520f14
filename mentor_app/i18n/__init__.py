"""Internationalisation: which language a request speaks, and the helpers around it."""
