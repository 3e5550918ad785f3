"""Reads of the residents app, one module per topic (same topics as ``residents.services``)."""
