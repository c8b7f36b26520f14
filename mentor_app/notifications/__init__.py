"""Notifications: push subscriptions, the outbox, delivery channels, reachability."""
