"""Forms of the discipline app, one module per topic (cases, rewards)."""
