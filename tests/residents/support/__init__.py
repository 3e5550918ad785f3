"""Helpers shared by the residents tests, one module per topic (no tests here: pytest collects only test_*.py)."""
