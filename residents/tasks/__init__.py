"""Celery tasks of the residents app (autodiscovered through this package), one module per topic."""

from residents.tasks.complaints import *  # noqa: F403
from residents.tasks.intake import *  # noqa: F403
from residents.tasks.lifecycle import *  # noqa: F403
from residents.tasks.mediation import *  # noqa: F403
