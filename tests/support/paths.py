"""Where the tests find things outside the repository."""

from __future__ import annotations

from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples"
"""The shared real-world sample corpus (``../shared/samples``); tests using it skip without it."""
