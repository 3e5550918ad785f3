"""Models of the residents app: filled by its own issue."""
