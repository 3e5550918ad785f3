"""Reads of the spaces app, one module per topic (same topics as ``spaces.services``)."""
