"""REST API of the resources app (/api/v1/…): each topic's module lists its ``ROUTES``."""

from resources.api import activities, stage, vouchers

ROUTES = [*activities.ROUTES, *vouchers.ROUTES]

# Scenario matchmaking and policy help (第五章第二条).
from resources.api import matchmaking  # noqa: E402

ROUTES += matchmaking.ROUTES
# The sharing board (资源共享平台、AI能力共享池).
from resources.api import sharing  # noqa: E402

ROUTES += sharing.ROUTES
ROUTES = [*activities.ROUTES, *vouchers.ROUTES, *stage.ROUTES]
