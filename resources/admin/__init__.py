"""The resources app in the operations desk, one module per topic."""

# The sharing board (资源共享平台、AI能力共享池).
from resources.admin import (  # noqa: F401
    activities,
    sharing,  # noqa: E402, F401
    vouchers,
)
