"""The background worker: the only process that sends notifications and advances timers."""
