"""REST API of the resources app (/api/v1/…): each topic's module lists its ``ROUTES``."""

from resources.api import activities, matchmaking, sharing, stage, vouchers

ROUTES = [*activities.ROUTES, *vouchers.ROUTES, *matchmaking.ROUTES, *sharing.ROUTES, *stage.ROUTES]
