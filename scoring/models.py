"""Models of the scoring app: filled by its own issue."""
