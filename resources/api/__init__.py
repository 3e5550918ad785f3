"""REST API of the resources app (/api/v1/…): each topic's module lists its ``ROUTES``."""

from resources.api import activities, stage, vouchers

ROUTES = [*activities.ROUTES, *vouchers.ROUTES, *stage.ROUTES]
