"""Scoring schemes, scores and the renderers of the canonical findings document."""
