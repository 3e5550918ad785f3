"""Helpers shared by the scoring tests, one module per topic (no tests here: pytest collects only test_*.py)."""
