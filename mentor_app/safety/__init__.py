"""Mentor safety: timed visit check-ins, a duress PIN, SOS, and the alarm ladder."""
