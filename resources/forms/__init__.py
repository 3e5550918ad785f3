"""Forms of the resources app, one module per topic."""
