"""REST API of the quarterly assessment (/api/v1/…)."""

from scoring.api import cards, inputs, plans

ROUTES = [*plans.ROUTES, *inputs.ROUTES, *cards.ROUTES]
