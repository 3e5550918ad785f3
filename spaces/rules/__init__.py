"""Pure rules of the spaces app, by topic."""
