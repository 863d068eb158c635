"""The in-process `govaudit` runner of the problems tests (tests/problems/conftest.py), shared."""
from tests.problems.conftest import govaudit  # noqa: F401 - a fixture
