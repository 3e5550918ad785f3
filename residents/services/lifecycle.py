"""Writes of the resident's term and exit (第三章第三条、第四条; RULEBOOK §4.2–§4.6).

Renewal
    :func:`renewal_reminder_send` (daily job, once per agreement), :func:`renewal_request`
    and :func:`renewal_withdraw` (resident), :func:`renewal_confirm_direction`,
    :func:`renewal_approve` (only when every §4.3 condition holds; issues the new 12-month
    agreement from the day after) and :func:`renewal_refuse` (staff, with reasons).

Exits
    :func:`exit_open_on_expiry` (daily job: not renewed by the end date → exit with a grace
    period), :func:`exit_request_voluntary` / :func:`exit_withdraw` (resident),
    :func:`exit_confirm` / :func:`exit_cancel` (staff), :func:`exit_clear` (the daily
    management team's checklist; the exit completes when every item is cleared),
    :func:`force_exit` and :func:`exit_ordered` (discipline) and :func:`exit_by_assessment` (scoring).

Settlement rules (**Decision**, RULEBOOK §4.5; pure rule: ``residents.rules.term.settlement``)
    - Deposit refunded (voluntary, expiry, assessment): the deposit first pays the open
      invoices, oldest due first (a payment "deducted from the deposit", which the ledger
      records as a deposit entry "applied"), and only what is left is refunded. If the
      deposit does not cover everything, nothing is written and staff are told how much
      must be paid first ("fees settled" stays open); the refund waits for the fees.
    - Deposit forfeited (forced exit, 没收保证金): the whole deposit held is forfeited at once;
      it is a penalty, not a payment, so open invoices stay owed in full and are listed in
      the "fees settled" clearance note (the debt survives the exit).
    Every clearance is an :class:`~residents.models.ExitClearance` row: item, who, when, note.

Exit handlers and exit steps (bookings, desk, vouchers)
    Other apps revoke what they granted through :func:`register_exit_handler`, called from
    their ``AppConfig.ready()``, each under the checklist item it belongs to::

        from residents.services.lifecycle import register_exit_handler
        register_exit_handler("spaces.bookings", cancel_future_bookings)   # "permissions revoked"
        register_exit_handler("spaces.desk", desk_release_for_exit, item=ClearanceItem.DESK_RELEASED)

    A handler is ``handler(*, resident, exit, actor) -> str`` (a short note of what it did,
    e.g. "3 bookings cancelled"). The handlers of an item run *inside* the exit's transaction
    when that item is cleared (and in :func:`force_exit` / :func:`exit_by_assessment`), in
    name order; an error in one rolls the whole step back, so nothing is half-revoked.

Nobody takes a staff step on a renewal or exit of their own residency
(``opc_community.accounts.conflicts``).

This module gathers the public names of the modules of each concern —
``renewals``, ``exits``, ``clearance`` and ``residency`` — so that
callers import from one place.
"""


from residents.models import EXIT_TRANSITIONS, RENEWAL_TRANSITIONS, RESIDENT_TRANSITIONS
from residents.services.clearance import (
    HANDLED_ITEMS,
    ExitHandler,
    exit_clear,
    exit_handlers,
    register_exit_handler,
    unregister_exit_handler,
)
from residents.services.exits import (
    ban_record,
    exit_by_assessment,
    exit_cancel,
    exit_confirm,
    exit_open_on_expiry,
    exit_ordered,
    exit_request_voluntary,
    exit_withdraw,
    force_exit,
)
from residents.services.renewals import (
    renewal_approve,
    renewal_confirm_direction,
    renewal_refuse,
    renewal_reminder_send,
    renewal_request,
    renewal_withdraw,
)
from residents.services.residency import (
    OWN_RESIDENCY,
)

__all__ = [
    "OWN_RESIDENCY",
    "RESIDENT_TRANSITIONS",
    "EXIT_TRANSITIONS",
    "RENEWAL_TRANSITIONS",
    "ExitHandler",
    "HANDLED_ITEMS",
    "register_exit_handler",
    "unregister_exit_handler",
    "exit_handlers",
    "exit_clear",
    "renewal_reminder_send",
    "renewal_request",
    "renewal_withdraw",
    "renewal_confirm_direction",
    "renewal_approve",
    "renewal_refuse",
    "exit_open_on_expiry",
    "exit_request_voluntary",
    "exit_withdraw",
    "exit_confirm",
    "exit_cancel",
    "ban_record",
    "force_exit",
    "exit_by_assessment",
    "exit_ordered",
]
