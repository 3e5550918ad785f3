"""Forms of the spaces app, by topic."""
