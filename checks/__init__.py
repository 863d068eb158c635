"""Rules: pure functions from a run's snapshot and a scheme's parameters to findings."""
