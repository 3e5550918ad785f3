"""Helpers shared by the spaces tests, one module per topic (no tests here: pytest collects only test_*.py)."""
