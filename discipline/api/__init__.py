"""REST API of the discipline app (/api/v1/…): each topic's module lists its ``ROUTES``."""

from discipline.api import cases, reports, rewards

ROUTES = [*cases.ROUTES, *rewards.ROUTES, *reports.ROUTES]
