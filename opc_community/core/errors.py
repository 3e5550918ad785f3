"""Domain errors: how a service refuses an action.

Every refusal carries a message a person can read (translated, naming the rule)
and, when it concerns one input, the field. Views put it next to the field,
the API returns it with HTTP 400 (409 for conflicts), and the service's
transaction rolls back, so nothing is half-written.
"""

from collections.abc import Mapping
from typing import Any


class DomainError(Exception):
    status_code = 400
    default_code = "invalid"

    def __init__(
        self,
        message: Any,
        *,
        field: str | None = None,
        code: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.code = code or self.default_code
        self.details = dict(details or {})

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"detail": str(self.message), "code": self.code}
        if self.field:
            data["field"] = self.field
        if self.details:
            data.update(self.details)
        return data


class ConflictError(DomainError):
    """The action collides with existing state (a booked slot, a used key)."""

    status_code = 409
    default_code = "conflict"


class InvalidTransition(DomainError):
    """A state machine refused a move from the current state."""

    status_code = 409
    default_code = "invalid_transition"
