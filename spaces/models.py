"""Models of the spaces app: filled by its own issue."""
