"""REST API of the residents app (/api/v1/…): each topic's module lists its ``ROUTES``."""

from residents.api import agreements, complaints, intake, lifecycle

ROUTES = [*intake.ROUTES, *agreements.ROUTES, *lifecycle.ROUTES, *complaints.ROUTES]
