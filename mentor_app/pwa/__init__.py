"""The installable, offline-first app: the service worker at the root scope, the manifest, the
offline page, gzip for text responses, and the install guidance."""
