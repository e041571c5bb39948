"""The real BMAD story files under tests/fixtures/bmad (their sources: PROVENANCE.md there)."""

from __future__ import annotations

from pathlib import Path

BMAD_FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "bmad"
BMAD_STORIES = sorted(
    p.relative_to(BMAD_FIXTURES).as_posix()
    for p in BMAD_FIXTURES.rglob("*.md")
    if p.name != "PROVENANCE.md"
)
"""Their paths relative to BMAD_FIXTURES, in order."""
