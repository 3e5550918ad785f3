"""What every item of the rulebook is called, which article it carries, and how its value reads.

Next to :mod:`opc_community.rulebook.schema`: ``LABELS[section class][field]`` names each field of
each section (a test fails when a schema field has none), with the regulation's article (an empty
article inherits the enclosing one) and the :class:`Unit` its values are written in. ``KEY_LABELS``
names the fixed keys of the rulebook's dictionaries (room types, award levels…) and
``CHOICE_LABELS`` the values of its choices (measures, scopes, circumstances…). They are read by
:mod:`opc_community.rulebook.rules` to write a revision's changes as sentences
("第六章第二条 考核淘汰 末位淘汰比例：10% → 8%", RULEBOOK §11).
"""

from dataclasses import dataclass
from enum import Enum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from opc_community.rulebook import schema as s


class Unit(Enum):
    """How a value is written (``rules.format_value``)."""

    SECTION = "section"  # a section: its fields are compared one by one
    ENTRIES = "entries"  # a dictionary: its entries are compared one by one (``Label.entry`` says how they read)
    STEPS = "steps"  # a penalty ladder: its steps are compared one by one
    WORKING_DAYS = "working_days"
    DAYS = "days"
    MONTHS = "months"
    YEARS = "years"
    QUARTERS = "quarters"
    MINUTES = "minutes"
    HOURS = "hours"
    MEGABYTES = "megabytes"
    TIMES = "times"
    FILES = "files"
    POINTS = "points"
    PERCENT = "percent"  # a percentage written as such: "80" → 80%
    RATIO = "ratio"  # a fraction of one: "0.10" → 10%
    YUAN = "yuan"
    YUAN_RANGE = "yuan_range"  # a MoneyRange: ¥1,000.00–¥3,000.00
    CLOCK = "clock"  # 08:00
    YES_NO = "yes_no"
    TEXT = "text"
    CHOICE = "choice"  # a value of CHOICE_LABELS
    FILE_TYPES = "file_types"  # PDF、JPEG、PNG
    PERCENT_BANDS = "percent_bands"  # 高于 80% 得 10 分；60% 及以上得 5 分；低于 60% 得 0 分
    COUNT_BANDS = "count_bands"  # 3 次及以上得 20 分；…
    CONDITION = "condition"  # when a step of a ladder applies
    MEASURES = "measures"  # what a step of a ladder prescribes


@dataclass(frozen=True)
class Label:
    text: str | Promise
    unit: Unit
    article: str = ""  # the regulation's article; empty: the enclosing item's
    entry: Unit | None = None  # ENTRIES: how each entry reads
    in_path: bool = True  # False: named by its entries alone (会议室, 2a 损坏设施, 国家级)


L = Label
U = Unit

LABELS: dict[type[s.Section], dict[str, Label]] = {
    s.Rulebook: {
        "deadlines": L(_("deadlines"), U.SECTION),
        "term": L(_("term, renewal and exit"), U.SECTION, "第三章第三条"),
        "bans": L(_("bans on re-applying"), U.SECTION, "第三章第四条"),
        "intake": L(_("application materials"), U.SECTION, "第三章第二条"),
        "booking": L(_("public space bookings"), U.SECTION, "第四章第一条"),
        "equipment": L(_("equipment lending"), U.SECTION, "第四章第二条"),
        "scoring": L(_("quarterly scoring"), U.SECTION, "第六章第一条"),
        "elimination": L(_("elimination"), U.SECTION, "第六章第二条"),
        "violations": L(_("violations and penalties"), U.SECTION, "第八章第二条"),
        "rewards": L(_("rewards"), U.SECTION, "第八章第一条"),
        "publication": L(_("public notice board"), U.SECTION, "第四章第四条"),
        "safety": L(_("safety and emergencies"), U.SECTION, "第七章第一条"),
        "vouchers": L(_("compute and model vouchers"), U.SECTION, "第四章第二条"),
        "rounds": L(_("cleaning and closing rounds"), U.SECTION, "第四章第一条"),
        "disclaimers": L(_("liability disclaimers"), U.SECTION, "第九章第二条"),
        "policies": L(_("policy help"), U.SECTION, "第五章第二条"),
        "sharing": L(_("resource sharing board"), U.SECTION, "第四章第二条"),
        "stage_services": L(_("full-cycle start-up services"), U.SECTION, "第五章第三条"),
        "surveys": L(_("quarterly service-quality survey"), U.SECTION, "第五章第四条"),
    },
    s.Deadlines: {
        "intake_initial_review_working_days": L(_("initial review of an application"), U.WORKING_DAYS, "第三章第二条"),
        "intake_evaluation_result_working_days": L(
            _("result of a project evaluation"), U.WORKING_DAYS, "第三章第二条"),
        "complaint_response_working_days": L(_("response to a complaint"), U.WORKING_DAYS, "第四章第四条"),
        "complaint_solution_working_days": L(_("solution to a complaint"), U.WORKING_DAYS, "第四章第四条"),
        "complaint_auto_close_working_days": L(
            _("closing of a solved complaint neither confirmed nor reopened"), U.WORKING_DAYS, "第四章第四条"),
        "publication_window_working_days": L(_("publication window"), U.WORKING_DAYS, "第八章第一条"),
        "appeal_answer_working_days": L(_("answer to a request for review"), U.WORKING_DAYS, "第八章第二条"),
        "decision_publication_working_days": L(_("publication of a decided penalty"), U.WORKING_DAYS, "第八章第二条"),
        "objection_decision_working_days": L(_("decision on an objection to a publication"), U.WORKING_DAYS, "第八章第一条"),
        "reward_grant_working_days": L(_("granting of a reward"), U.WORKING_DAYS, "第八章第一条"),
        "revision_publication_working_days": L(
            _("publication of a rule revision"), U.WORKING_DAYS, "第九章第一条"),
        "mediation_schedule_working_days": L(
            _("scheduling of a mediation session"), U.WORKING_DAYS, "第四章第三条"),
        "mediation_close_working_days": L(_("closing of a mediation"), U.WORKING_DAYS, "第四章第三条"),
        "rule_question_answer_working_days": L(
            _("answer to a question about the reward and penalty rules"), U.WORKING_DAYS, "第九章第五条"),
    },
    s.Term: {
        "agreement_months": L(_("term of an agreement"), U.MONTHS),
        "renewal_reminder_days": L(_("renewal reminder before the end of the term"), U.DAYS),
        "grace_days": L(_("grace period after expiry"), U.DAYS),
        "voluntary_exit_notice_days": L(_("notice of a voluntary exit"), U.DAYS, "第三章第四条"),
        "archive_retention_years": L(_("archive kept after exit"), U.YEARS, "第三章第五条"),
    },
    s.Bans: {
        "forced_exit_years": L(_("ban after a forced exit"), U.YEARS),
        "subletting_years": L(_("ban after a forced exit for subletting"), U.YEARS),
        "subsidy_fraud_years": L(_("ban after subsidy fraud"), U.YEARS),
        "occupancy_years": L(_("ban after unauthorised occupancy by a non-resident"), U.YEARS, "第八章第二条"),
    },
    s.Intake: {
        "max_upload_mb": L(_("largest file"), U.MEGABYTES),
        "allowed_file_types": L(_("file types accepted"), U.FILE_TYPES),
        "max_files_per_application": L(_("files per application"), U.FILES),
    },
    s.Booking: {
        "slot_minutes": L(_("booking slot"), U.MINUTES),
        "room_types": L(_("room types"), U.ENTRIES, entry=U.SECTION, in_path=False),
        "no_show_release_minutes": L(_("release of a booking not checked in"), U.MINUTES),
        "no_show_limit": L(_("no-shows that may open a case"), U.TIMES),
        "no_show_window_days": L(_("period in which no-shows are counted"), U.DAYS),
    },
    s.RoomTypeRules: {
        "opens": L(_("opens at"), U.CLOCK),
        "closes": L(_("closes at"), U.CLOCK),
        "max_minutes": L(_("longest booking"), U.MINUTES),
        "horizon_days": L(_("bookable ahead"), U.DAYS),
        "min_notice_minutes": L(_("shortest notice of a booking"), U.MINUTES),
    },
    s.Equipment: {
        "categories": L(_("equipment categories"), U.ENTRIES, entry=U.SECTION, in_path=False),
        "max_concurrent_loans": L(_("loans one resident may hold at once"), U.TIMES),
    },
    s.EquipmentCategoryRules: {
        "max_loan_days": L(_("longest loan"), U.DAYS),
    },
    s.Scoring: {
        "total_points": L(_("total score"), U.POINTS),
        "participation": L(_("participation"), U.SECTION),
        "completion": L(_("project completion"), U.SECTION),
        "revenue": L(_("revenue"), U.SECTION),
        "awards": L(_("awards and honours"), U.SECTION),
        "contributions": L(_("team and technical contributions"), U.SECTION),
        "plan": L(_("quarterly plan"), U.SECTION),
    },
    s.QuarterlyPlan: {
        "filing_working_days": L(_("plan filed within the quarter's first"), U.WORKING_DAYS),
        "reminder_working_days": L(_("reminder before the plan deadline"), U.WORKING_DAYS),
        "decision_working_days": L(_("staff accept or return a plan within"), U.WORKING_DAYS),
        "refile_working_days": L(_("a returned plan may be filed again within"), U.WORKING_DAYS),
    },
    s.BandedDimension: {
        "max_points": L(_("maximum points"), U.POINTS),
        "bands": L(_("scoring bands"), U.COUNT_BANDS),
    },
    s.RateDimension: {
        "bands": L(_("scoring bands"), U.PERCENT_BANDS),
        "rate_when_nothing_expected": L(_("rate when nothing was expected"), U.PERCENT),
    },
    s.Band: {
        "min": L(_("lower limit"), U.TEXT),
        "min_inclusive": L(_("lower limit included"), U.YES_NO),
        "points": L(_("points"), U.POINTS),
    },
    s.AwardsDimension: {
        "max_points": L(_("maximum points"), U.POINTS),
        "levels": L(_("points per award level"), U.ENTRIES, entry=U.POINTS, in_path=False),
    },
    s.Elimination: {
        "hard_floor": L(_("elimination line"), U.POINTS),
        "bottom_ratio": L(_("bottom ratio eliminated"), U.RATIO),
        "warning_threshold": L(_("warning line"), U.POINTS),
        "warning_after_quarters": L(_("quarters below the warning line before the warning list"), U.QUARTERS),
        "eliminate_after_quarters": L(_("quarters below the warning line before elimination"), U.QUARTERS),
    },
    s.Violations: {
        "lookback_days": L(_("period in which same-kind violations are counted"), U.DAYS),
        "rectification_default_days": L(_("default rectification deadline"), U.DAYS),
        "kinds": L(_("kinds of violation"), U.ENTRIES, entry=U.SECTION, in_path=False),
    },
    s.ViolationKind: {
        "name": L(_("name"), U.TEXT),
        "category": L(_("category"), U.TEXT),
        "basis": L(_("measured by"), U.CHOICE),
        "automatic": L(_("opened by the system"), U.YES_NO),
        "steps": L(_("penalty rules"), U.STEPS, in_path=False),
    },
    s.Step: {
        "when": L(_("applies when"), U.CONDITION),
        "also": L(_("added to the base penalty"), U.YES_NO),
        "choose_one": L(_("the administrator chooses one measure"), U.YES_NO),
        "measures": L(_("measures"), U.MEASURES),
    },
    s.Condition: {
        "count_min": L(_("same-kind violations at least"), U.TIMES),
        "count_max": L(_("same-kind violations at most"), U.TIMES),
        "measure_at_least": L(_("measured value at least"), U.TEXT),
        "measure_above": L(_("measured value above"), U.TEXT),
        "measure_at_most": L(_("measured value at most"), U.TEXT),
        "flag": L(_("circumstance"), U.CHOICE),
    },
    s.Measure: {
        "type": L(pgettext_lazy("penalty", "measure"), U.CHOICE),
        "amount": L(_("fine"), U.YUAN),
        "amount_min": L(_("lowest fine"), U.YUAN),
        "amount_max": L(_("highest fine"), U.YUAN),
        "scope": L(_("suspended scope"), U.CHOICE),
        "days": L(_("days suspended"), U.DAYS),
        "until_paid": L(_("suspended until paid"), U.YES_NO),
        "ban": L(_("ban applied"), U.CHOICE),
    },
    s.Rewards: {
        "compliance_excellence": L(_("compliance excellence award"), U.SECTION),
        "innovation": L(_("innovation award"), U.ENTRIES, entry=U.YUAN_RANGE),
        "other_contribution": L(_("award for other contributions"), U.YUAN_RANGE),
    },
    s.ComplianceExcellence: {
        "min_months_checked_in": L(_("months checked in at least"), U.MONTHS),
        "min_volunteer_services": L(_("volunteer services at least"), U.TIMES),
        "roadshow_credits": L(_("free roadshow-hall bookings"), U.TIMES),
        "roadshow_credit_max_hours": L(_("longest free roadshow-hall booking"), U.HOURS),
        "voucher_subsidy": L(_("compute-voucher subsidy"), U.YUAN),
    },
    s.MoneyRange: {
        "min": L(_("lowest amount"), U.YUAN),
        "max": L(_("highest amount"), U.YUAN),
    },
    s.Vouchers: {
        "review_working_days": L(_("review of a voucher application"), U.WORKING_DAYS),
        "expiry_warning_days": L(_("warning before a voucher balance expires"), U.DAYS),
        "reward_validity_days": L(_("validity of a voucher granted as a reward"), U.DAYS, "第八章第一条"),
        "max_files_per_application": L(_("files per voucher application"), U.FILES),
    },
    s.Policies: {
        "help_response_working_days": L(_("response to a request for policy help"), U.WORKING_DAYS, "第四章第四条"),
        "reminder_days_before_deadline": L(_("reminder before a policy's application deadline"), U.DAYS),
    },
    s.Sharing: {
        "post_validity_days": L(_("days a sharing post stays on the board"), U.DAYS),
        "max_open_posts": L(_("posts one resident has on the sharing board at once"), U.TIMES),
    },
    s.StageServices: {
        "response_working_days": L(_("response to a service request"), U.WORKING_DAYS),
        "resolution_working_days": L(_("resolution of a service request"), U.WORKING_DAYS),
    },
    s.SurveyArea: {
        "title": L(_("title"), U.TEXT),
        "questions": L(_("questions"), U.ENTRIES, entry=U.TEXT),
    },
    s.Surveys: {
        "scale_max": L(_("highest answer on the scale"), U.POINTS),
        "min_group_size": L(_("answers a result is shown with at least"), U.TIMES),
        "low_score_threshold": L(_("average below which an improvement item opens"), U.POINTS),
        "areas": L(_("service areas"), U.ENTRIES, entry=U.SECTION),
    },
    s.PublicationRules: {
        "public_retention_days": L(_("days a penalty or score stays on the board after its window"), U.DAYS),
    },
    s.Safety: {
        "inspection_interval_days": L(_("days between inspections of fire equipment"), U.ENTRIES, entry=U.DAYS),
        "expiry_warning_days": L(_("fire equipment flagged before expiry"), U.DAYS),
        "min_drills_per_year": L(_("drills per year at least"), U.TIMES, "第七章第四条"),
        "patrol_interval_minutes": L(_("patrol rounds at least every"), U.MINUTES, "第七章第二条"),
        "supply_expiry_warning_days": L(_("emergency supplies flagged before expiry"), U.DAYS, "第七章第四条"),
        "incident_response_minutes": L(_("response to a safety incident"), U.ENTRIES, "第七章第二条", entry=U.MINUTES),
    },
    s.Rounds: {
        "cleaning_areas": L(_("cleaning and disinfection of the public areas"), U.ENTRIES, entry=U.SECTION),
        "closing_round_from": L(_("evening closing round recorded from"), U.CLOCK),
    },
    s.CleaningArea: {
        "name": L(_("area"), U.TEXT),
        "cleanings_per_day": L(_("cleanings a day"), U.TIMES),
        "disinfection_every_days": L(_("disinfection at least every"), U.DAYS),
    },
    s.Disclaimers: {
        "force_majeure": L(_("force majeure"), U.TEXT),
        "own_business_risk": L(_("a resident's own business risks"), U.TEXT),
    },
}

#: The fixed keys of the rulebook's dictionaries.
KEY_LABELS: dict[str, Promise] = {
    "meeting_room": _("meeting rooms"),
    "roadshow_hall": _("roadshow hall"),
    "negotiation_room": _("negotiation rooms"),
    "projector": _("projectors"),
    "camera": _("cameras"),
    "gpu": _("GPUs on loan"),
    "audio": _("audio equipment"),
    "other": _("other equipment"),
    "national": _("national"),
    "provincial": _("provincial and higher"),
    "industry_provincial": _("provincial industry"),
    "municipal": _("municipal"),
    # fire equipment and incident severities (第七章)
    "extinguisher": _("fire extinguishers"),
    "hydrant": _("fire hydrants"),
    "emergency_light": _("emergency lights"),
    "exit_sign": _("exit signs"),
    "alarm": _("fire alarms"),
    "general": _("general incidents"),
    "major": _("major incidents"),
    "serious": _("serious incidents"),
    "industry_municipal": _("municipal industry"),
}

#: The values of the rulebook's choices.
CHOICE_LABELS: dict[str, Promise] = {
    # measures (第八章第二条)
    "warning": _("warning"),
    "apology": _("apology"),
    "rectification": _("rectification ordered"),
    "fine": _("fine"),
    "compensation": _("compensation for the damage"),
    "suspension": _("suspension"),
    "deposit_forfeiture": _("deposit forfeited"),
    "confiscation": _("gains confiscated"),
    "forced_exit": _("forced exit"),
    "eviction": _("ordered to leave at once"),
    "report_authorities": _("reported to the authorities"),
    "legal_liability": _("legal liability pursued"),
    "visitor_removal": _("visitor warned and sent away"),
    "application_ban": _("no application to the community"),
    # suspension scopes (RULEBOOK §9, decisions added 2026-12)
    "public_spaces": _("public spaces"),
    "public_resources": _("public resources"),
    "resources": _("community resources"),
    "community": _("the community"),
    # circumstances
    "serious": _("serious"),
    "loss": _("caused a loss"),
    "not_rectified": _("not rectified"),
    # what a kind is measured by
    "count": _("the same-kind count"),
    "days_after_grace": _("days overdue after the grace period"),
    "days_overdue": _("days overdue"),
    "damage_value": _("value of the damage"),
    "none": _("nothing measured"),
    # bans of a forced exit (RULEBOOK §4.6)
    "subletting": _("the subletting ban"),
    "subsidy_fraud": _("the subsidy-fraud ban"),
}


def field_label(section: type[s.Section], name: str) -> Label:
    """The label of ``section``'s field ``name``, the most specific class first (RateDimension → BandedDimension)."""
    for cls in section.__mro__:
        if name in LABELS.get(cls, {}):
            return LABELS[cls][name]
    raise KeyError(f"{section.__name__}.{name} has no label")
