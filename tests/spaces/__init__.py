"""Tests of the spaces app (the desk register so far)."""
