"""The progressive web app: the service worker at the root scope (and, later, the manifest and
the offline page)."""
