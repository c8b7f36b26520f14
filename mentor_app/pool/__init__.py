"""The volunteer consultant pool: profiles, vetting, shifts, availability, coverage."""
