"""Helpers shared by the discipline tests, one module per topic (no tests here: pytest collects only test_*.py)."""
