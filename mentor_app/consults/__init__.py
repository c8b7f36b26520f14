"""One-tap consults: requests, routing to the pool, offers, the thread and its outcome."""
