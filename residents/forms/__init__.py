"""Forms of the residents app, one module per topic."""
