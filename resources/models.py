"""Models of the resources app: filled by its own issue."""
