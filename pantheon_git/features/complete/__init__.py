"""Completing a story (the seed's story-pipeline Phase 6-7): Code Review, commit SHA, coverage,
unlock and a discussion note. ``pantheon ci`` runs the same steps from a GitHub event.
"""

SHARED = ("note", "rules", "run", "run_coverage")
