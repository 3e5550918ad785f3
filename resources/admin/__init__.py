"""The resources app in the operations desk, one module per topic."""

from resources.admin import activities, vouchers  # noqa: F401

# The sharing board (资源共享平台、AI能力共享池).
from resources.admin import sharing  # noqa: E402, F401
