"""Pure rules of the residents app, by topic: ``identity``, ``term`` (and renewal), ``complaints``."""
