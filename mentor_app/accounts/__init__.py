"""Accounts: users, roles, invitations, login with two-factor, sessions."""
