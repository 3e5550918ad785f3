"""Models of the discipline app: filled by its own issue."""
