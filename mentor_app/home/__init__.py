"""The signed-in landing page, one per role."""
