"""Tests of the guides (playbooks) domain."""
