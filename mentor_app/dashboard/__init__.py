"""Coordinator dashboard, metrics, the monthly panel report, retention, the audit viewer,
"my data" and the consult record for the mentor's file."""
