"""The admin's models grouped by task (UI.md), not by app in character-code order: the one mapping of every
registered model (``app_label.ModelName``) to its group. tests/core/test_admin_desk.py checks that each
registered model appears exactly once; a model missing here still shows, under 系统 (System)."""

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class ModelGroup:
    key: str
    label: Any
    models: tuple[str, ...]


GROUPS: tuple[ModelGroup, ...] = (
    ModelGroup(
        "intake",
        _("Intake and agreements"),
        (
            "residents.Application",
            "residents.Resident",
            "residents.Agreement",
            "residents.OrientationAcknowledgement",
            "residents.Invoice",
            "residents.Payment",
            "residents.DepositEntry",
            "residents.RenewalRequest",
            "residents.Exit",
            "residents.Ban",
            "residents.IntakeFunnel",
        ),
    ),
    ModelGroup(
        "spaces",
        _("Spaces and bookings"),
        (
            "spaces.VisitorDailyList",
            "spaces.Visitor",
            "spaces.Booking",
            "spaces.Room",
            "spaces.RoadshowCredit",
            "spaces.Desk",
            "spaces.DeskAssignment",
            "spaces.DeskChangeRequest",
            "spaces.Equipment",
            "spaces.EquipmentLoan",
            "spaces.Permit",
            "spaces.OccupancyReport",
        ),
    ),
    ModelGroup(
        "resources",
        _("Resources and services"),
        (
            "resources.VoucherApplication",
            "resources.VoucherGrant",
            "resources.VoucherEntry",
            "resources.VoucherProgramme",
            "resources.VoucherProvider",
            "resources.FraudFinding",
            "resources.SharingPost",
            "resources.SharingInterest",
            "resources.SharingMatch",
            "resources.Scenario",
            "resources.ScenarioInterest",
            "resources.Policy",
            "resources.PolicyHelpRequest",
            "resources.StageService",
            "resources.ServiceRequest",
            "resources.Partner",
            "resources.Survey",
            "resources.ImprovementItem",
        ),
    ),
    ModelGroup(
        "activities",
        _("Activities and scores"),
        (
            "resources.Activity",
            "resources.ActivityRegistration",
            "resources.Attendance",
            "scoring.Quarter",
            "scoring.QuarterPlan",
            "scoring.PlanChange",
            "scoring.QuarterInput",
            "scoring.ScoreCard",
            "scoring.ScoreChange",
            "scoring.ScoreAppeal",
            "discipline.Reward",
            "discipline.VolunteerService",
        ),
    ),
    ModelGroup(
        "discipline",
        _("Violations, complaints and appeals"),
        (
            "discipline.ViolationCase",
            "discipline.Appeal",
            "residents.Complaint",
            "residents.Mediation",
            "discipline.DecisionLedgerEntry",
            "discipline.LedgerCheckpoint",
        ),
    ),
    ModelGroup(
        "safety",
        _("Safety"),
        (
            "spaces.SafetyDashboard",
            "spaces.Incident",
            "spaces.SafetyWorkItem",
            "spaces.Inspection",
            "spaces.FireEquipment",
            "spaces.EmergencyPlan",
            "spaces.EmergencySupply",
            "spaces.PlanActivation",
            "resources.SafetyDrill",
            "spaces.DutyShift",
            "spaces.ClosingRound",
            "spaces.RoundException",
            "spaces.CleaningRound",
            "spaces.MissedRound",
        ),
    ),
    ModelGroup(
        "notices",
        _("Publications and rules"),
        (
            "notices.Publication",
            "notices.Objection",
            "resources.StandingNotice",
            "rulebook.RulebookVersion",
            "residents.RuleQuestion",
            "residents.RuleFaq",
        ),
    ),
    ModelGroup(
        "system",
        _("System"),
        (
            "accounts.User",
            "auth.Group",
            "authtoken.TokenProxy",
            "accounts.SecurityEvent",
            "core.AuditEvent",
            "portal.Notification",
            "workdays.CalendarYear",
            "workdays.SpecialDay",
            "workdays.CalendarChange",
        ),
    ),
)


def group_app_list(app_dict: dict[str, dict[str, Any]], index_url: str) -> list[dict[str, Any]]:
    """Django's per-app dictionaries (already filtered by the person's permissions) regrouped by task, in the
    mapping's order; groups with no model the person may see are left out."""
    models = {
        f"{app_label}.{model['object_name']}": model
        for app_label, app in app_dict.items()
        for model in app["models"]
    }
    placed = {label for group in GROUPS for label in group.models}
    leftovers = [model for label, model in models.items() if label not in placed]
    groups = []
    for group in GROUPS:
        shown = [models[label] for label in group.models if label in models]
        if group.key == "system":
            shown += leftovers
        if shown:
            groups.append(
                {
                    "name": group.label,
                    "app_label": f"group-{group.key}",
                    "app_url": f"{index_url}#group-{group.key}",
                    "has_module_perms": True,
                    "models": shown,
                }
            )
    return groups
