"""The resources app in the operations desk, one module per topic."""

from resources.admin import activities, vouchers  # noqa: F401

# Scenarios and policies (第五章第二条).
from resources.admin import matchmaking  # noqa: F401, E402, I001
