"""REST API of the resources app (/api/v1/…): each topic's module lists its ``ROUTES``."""

from resources.api import activities, vouchers

ROUTES = [*activities.ROUTES, *vouchers.ROUTES]

# Scenario matchmaking and policy help (第五章第二条).
from resources.api import matchmaking  # noqa: E402

ROUTES += matchmaking.ROUTES
