"""REST API of the residents app (/api/v1/…): each topic's module lists its ``ROUTES``."""

from residents.api import agreements, complaints, intake, lifecycle, mediation, rule_questions

ROUTES = [
    *intake.ROUTES, *agreements.ROUTES, *lifecycle.ROUTES, *complaints.ROUTES, *mediation.ROUTES,
    *rule_questions.ROUTES,
]
