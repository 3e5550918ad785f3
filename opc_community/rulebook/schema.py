"""The typed shape of a rulebook version's body (RULEBOOK §11: rules are data).

A version's JSON body is validated against :class:`Rulebook` before it can be
published; code then reads numbers from the parsed, immutable object
(``rules.scoring.participation.bands``), never from constants. Each section
names the article of the regulation it carries. No field has a default: the
numbers live in the data (``seed/v1.json`` is the first version), not here.
"""

from datetime import date, time
from decimal import Decimal
from fractions import Fraction
from functools import cached_property
from typing import Annotated, Any, Literal

from django.utils.translation import gettext as _
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationInfo, model_validator

PositiveInt = Annotated[int, Field(gt=0)]
NonNegativeInt = Annotated[int, Field(ge=0)]
Percent = Annotated[Decimal, Field(ge=0)]
Money = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]
Ratio = Annotated[Decimal, Field(ge=0, le=1)]


class Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# --- §2, §3, §4: deadlines, term, bans, intake -------------------------------


class Deadlines(Section):
    """Deadlines counted in working days (工作日, RULEBOOK §2)."""

    intake_initial_review_working_days: PositiveInt  # 第三章第二条 初审 7 个工作日
    intake_evaluation_result_working_days: PositiveInt  # 第三章第二条 评估结果 2 个工作日
    complaint_response_working_days: PositiveInt  # 第四章第四条 2 个工作日内响应
    complaint_solution_working_days: PositiveInt  # 第四章第四条 7 个工作日内给出解决方案
    # Decision (not in the regulation): a solved complaint neither confirmed nor reopened is closed.
    complaint_auto_close_working_days: PositiveInt
    publication_window_working_days: PositiveInt  # 第八章第一条、第九章第一条 公示 3 个工作日
    appeal_answer_working_days: PositiveInt  # 第八章第二条 复核 3 个工作日内反馈
    # Decision (RULEBOOK §9, added 2026-12): a decided penalty is published within this many working days.
    decision_publication_working_days: PositiveInt
    # Decision (RULEBOOK §10, added 2026-12): an objection is decided within this many working days of filing.
    # The seed carries it; versions adopted before the key existed (their body is immutable) read the default.
    objection_decision_working_days: PositiveInt = 3
    reward_grant_working_days: PositiveInt  # 第八章第一条 10 个工作日内落实奖励
    revision_publication_working_days: PositiveInt  # 第九章第一条 修订公示 3 个工作日
    # Decisions (docs/residents.md, mediation and rule questions; the regulation sets no period). Versions
    # adopted before the keys existed (their body is immutable) read these defaults; the seed carries them.
    # 第四章第三条 2、第九章第二条 3: a mediation session is scheduled within this many working days of the request,
    mediation_schedule_working_days: PositiveInt = 5
    # and the mediation is closed (agreement reached or not) within this many working days of the request.
    mediation_close_working_days: PositiveInt = 15
    # 第九章第五条: a resident's question about a reward or penalty rule is answered within this many working days.
    rule_question_answer_working_days: PositiveInt = 5


class Term(Section):
    """Agreement term, renewal and exit periods in calendar days (第三章第三条、第四条、第五条)."""

    agreement_months: PositiveInt
    renewal_reminder_days: PositiveInt
    grace_days: NonNegativeInt
    voluntary_exit_notice_days: PositiveInt
    archive_retention_years: PositiveInt


class Bans(Section):
    """Re-application bans in years (第三章第四条; RULEBOOK §4.6)."""

    forced_exit_years: PositiveInt
    subletting_years: PositiveInt
    subsidy_fraud_years: PositiveInt
    # Decision (the regulation names no ban for 1a 擅自入驻): a person who is no resident and is ordered to
    # leave (责令立即退出) may not apply for this many years, as after a forced exit (RULEBOOK §4.5, §4.6).
    # A default, so that versions adopted before the field parse unchanged.
    occupancy_years: PositiveInt = 3


class Intake(Section):
    """Application materials (第三章第二条)."""

    max_upload_mb: PositiveInt
    allowed_file_types: tuple[Literal["pdf", "jpeg", "png"], ...] = Field(min_length=1)
    # Decision (not in the regulation): files one application may hold, all kinds together.
    max_files_per_application: PositiveInt


# --- §5: spaces ---------------------------------------------------------------

RoomType = Literal["meeting_room", "roadshow_hall", "negotiation_room"]


class RoomTypeRules(Section):
    opens: time
    closes: time
    max_minutes: PositiveInt
    horizon_days: PositiveInt
    min_notice_minutes: NonNegativeInt

    @model_validator(mode="after")
    def _opening_hours(self) -> "RoomTypeRules":
        if self.opens >= self.closes:
            raise ValueError(_("opens must be earlier than closes"))
        return self


class Booking(Section):
    """Public spaces by booking (第四章第一条; RULEBOOK §5)."""

    slot_minutes: PositiveInt
    room_types: dict[RoomType, RoomTypeRules]
    no_show_release_minutes: PositiveInt
    no_show_limit: PositiveInt
    no_show_window_days: PositiveInt

    @model_validator(mode="after")
    def _every_room_type(self) -> "Booking":
        missing = set(RoomType.__args__) - set(self.room_types)
        if missing:
            raise ValueError(_("rules missing for room types: %(types)s") % {"types": ", ".join(sorted(missing))})
        return self


EquipmentCategory = Literal["projector", "camera", "gpu", "audio", "other"]


class EquipmentCategoryRules(Section):
    max_loan_days: PositiveInt  # the latest due time a loan may have, in days from the request


class Equipment(Section):
    """Lending of equipment and public facilities (公共资源, 第四章第二条; RULEBOOK §6, decisions added 2026-12)."""

    categories: dict[EquipmentCategory, EquipmentCategoryRules]
    max_concurrent_loans: PositiveInt  # open loans (reserved or out) one resident may hold at once

    @model_validator(mode="after")
    def _every_category(self) -> "Equipment":
        missing = set(EquipmentCategory.__args__) - set(self.categories)
        if missing:
            raise ValueError(_("rules missing for equipment categories: %(categories)s")
                             % {"categories": ", ".join(sorted(missing))})
        return self


# --- §7: scoring and elimination ----------------------------------------------


class Band(Section):
    """One band of a dimension: values from ``min`` (inclusive or not) up to the band above.

    ``min`` is None for the lowest band (everything below the band above it).
    """

    min: Decimal | None
    min_inclusive: bool = True
    points: NonNegativeInt

    @cached_property
    def limit(self) -> Fraction | None:
        """``min`` as an exact fraction, computed once (compared with exact rates, scoring.rules)."""
        return None if self.min is None else Fraction(self.min)


class BandedDimension(Section):
    max_points: PositiveInt
    bands: tuple[Band, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _bands_descend(self) -> "BandedDimension":
        mins = [band.min for band in self.bands]
        if mins[-1] is not None or any(m is None for m in mins[:-1]):
            raise ValueError(_("only the last band may (and must) have min = null"))
        if any(a <= b for a, b in zip(mins[:-2], mins[1:-1], strict=False)):
            raise ValueError(_("bands must be listed from the highest min to the lowest"))
        if any(band.points > self.max_points for band in self.bands):
            raise ValueError(_("a band cannot give more points than max_points"))
        return self


class RateDimension(BandedDimension):
    """A dimension scored on a percentage; ``rate_when_nothing_expected`` applies when the denominator is 0."""

    rate_when_nothing_expected: Percent


AwardLevel = Literal["national", "provincial", "industry_provincial", "municipal", "industry_municipal"]


class AwardsDimension(Section):
    max_points: PositiveInt
    levels: dict[AwardLevel, NonNegativeInt]

    @model_validator(mode="after")
    def _levels(self) -> "AwardsDimension":
        if set(self.levels) != set(AwardLevel.__args__):
            raise ValueError(_("every award level needs points"))
        if any(points > self.max_points for points in self.levels.values()):
            raise ValueError(_("an award level cannot give more points than max_points"))
        return self


class QuarterlyPlan(Section):
    """The quarterly plan (RULEBOOK §7.1, decision added 2026-12): milestones planned and the revenue
    target, filed in the first working days of the quarter (or of check-in, if later), accepted by staff."""

    filing_working_days: PositiveInt  # filed within the first 10 working days
    reminder_working_days: PositiveInt  # residents who have not filed are reminded this many working days before
    decision_working_days: PositiveInt  # staff accept or return a plan, answer a change request, within
    refile_working_days: PositiveInt  # a returned plan may be filed again until at least this many after the return


class Scoring(Section):
    """第六章第一条: five dimensions adding up to 100 (weights adjustable, 第六章第三条)."""

    total_points: PositiveInt
    participation: RateDimension
    completion: RateDimension
    revenue: RateDimension
    awards: AwardsDimension
    contributions: BandedDimension
    plan: QuarterlyPlan

    @model_validator(mode="after")
    def _weights_add_up(self) -> "Scoring":
        weights = (self.participation, self.completion, self.revenue, self.awards, self.contributions)
        if sum(d.max_points for d in weights) != self.total_points:
            raise ValueError(_("the dimensions' max_points must add up to total_points"))
        return self


class Elimination(Section):
    """第六章第二条: floor, bottom ratio, consecutive quarters below the warning threshold."""

    hard_floor: Decimal
    bottom_ratio: Ratio
    warning_threshold: Decimal
    warning_after_quarters: PositiveInt
    eliminate_after_quarters: PositiveInt

    @model_validator(mode="after")
    def _order(self) -> "Elimination":
        if self.eliminate_after_quarters <= self.warning_after_quarters:
            raise ValueError(_("elimination must come after the warning"))
        return self


# --- §9: violations and penalties ----------------------------------------------

MeasureType = Literal[
    "warning",  # 警告
    "apology",  # 道歉
    "rectification",  # 责令整改（含清理）
    "fine",  # 罚款
    "compensation",  # 照价赔偿 / 承担赔偿
    "suspension",  # 暂停使用
    "deposit_forfeiture",  # 没收保证金
    "confiscation",  # 没收违规所得
    "forced_exit",  # 强制退出
    "eviction",  # 责令立即退出（擅自入驻者）
    "report_authorities",  # 上报相关部门
    "legal_liability",  # 追究法律责任
    "visitor_removal",  # 访客警告驱离
]
# RULEBOOK §9, decisions added 2026-12: public spaces = room bookings and event/promotion permits;
# public resources = lending of equipment and public facilities; resources = vouchers, equipment
# lending, the sharing board, matchmaking, policy and service requests; community = all of them.
SuspensionScope = Literal["public_spaces", "public_resources", "resources", "community"]


class Measure(Section):
    type: MeasureType
    amount: Money | None = None
    amount_min: Money | None = None
    amount_max: Money | None = None
    scope: SuspensionScope | None = None
    days: PositiveInt | None = None
    until_paid: bool = False
    # Which ban of the ``bans`` section a forced exit carries (RULEBOOK §4.6); None = the general one.
    ban: Literal["forced_exit", "subletting", "subsidy_fraud"] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> "Measure":
        ranged = self.amount_min is not None or self.amount_max is not None
        if self.type == "fine":
            if (self.amount is None) == (not ranged):
                raise ValueError(_("a fine has either amount, or amount_min and amount_max"))
            if ranged and (self.amount_min is None or self.amount_max is None or self.amount_min >= self.amount_max):
                raise ValueError(_("a fine range needs amount_min < amount_max"))
        elif self.amount is not None or ranged:
            raise ValueError(_("only a fine has an amount"))
        if self.type == "suspension":
            if self.scope is None:
                raise ValueError(_("a suspension needs a scope"))
            if self.days is not None and self.until_paid:
                raise ValueError(_("a suspension lasts days or until paid, not both"))
        elif self.scope is not None or self.days is not None or self.until_paid:
            raise ValueError(_("only a suspension has scope, days or until_paid"))
        if self.ban is not None and self.type != "forced_exit":
            raise ValueError(_("only a forced exit carries a ban"))
        return self


#: Circumstances that escalate a penalty: their steps add to the base measures, never replace them
#: (RULEBOOK §9, decisions added 2026-12: "not rectified → …" adds to the base). "loss" is not one:
#: 5a's "loss → compensation + fine" is a base of its own, the alternative to "no loss".
ESCALATION_FLAGS = frozenset({"serious", "not_rectified"})


class Condition(Section):
    """When a step applies: the same-kind count, a measured value, a staff-recorded flag."""

    count_min: PositiveInt | None = None
    count_max: PositiveInt | None = None
    measure_at_least: Decimal | None = None
    measure_above: Decimal | None = None
    measure_at_most: Decimal | None = None
    flag: Literal["serious", "loss", "not_rectified"] | None = None


class Step(Section):
    """A rung of a ladder. The first matching step (in order) applies; matching ``also`` steps add on top."""

    when: Condition = Condition()
    also: bool = False
    choose_one: bool = False  # staff pick one of the measures (kind 8 "其他")
    measures: tuple[Measure, ...] = Field(min_length=1)


ViolationBasis = Literal["count", "days_after_grace", "days_overdue", "damage_value", "none"]


class ViolationKind(Section):
    name: str
    category: str
    basis: ViolationBasis
    automatic: bool = False  # opened by a daily job, not by staff
    steps: tuple[Step, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _escalations_add(self, info: ValidationInfo) -> "ViolationKind":
        # RULEBOOK §9 (Decision 2026-12): an escalation adds to the base measures. Checked on what staff
        # draft and on the seed; a stored version (``as_stored``) is judged as it was adopted, so one
        # adopted before the Decision still parses and applies its own ladders until a revision.
        as_stored = bool(info.context and info.context.get("as_stored"))
        for step in self.steps:
            if step.when.flag in ESCALATION_FLAGS and not step.also and not as_stored:
                raise ValueError(
                    _("the step for “%(flag)s” must be an “also” step: an escalation adds to the base measures")
                    % {"flag": step.when.flag}
                )
            if step.also and step.choose_one:
                raise ValueError(_("only a base step lets staff choose one measure"))
        return self


class Violations(Section):
    """第八章第二条: the penalty table, counted over a rolling look-back window."""

    lookback_days: PositiveInt
    rectification_default_days: PositiveInt
    kinds: dict[str, ViolationKind]

    @model_validator(mode="after")
    def _automatic_kinds_present(self) -> "Violations":
        for code in ("1b", "7"):
            if code not in self.kinds:
                raise ValueError(_("kind %(code)s is required by the automatic ladders") % {"code": code})
        return self


# --- §8: rewards ------------------------------------------------------------------


class MoneyRange(Section):
    min: Money
    max: Money

    @model_validator(mode="after")
    def _order(self) -> "MoneyRange":
        if self.min > self.max:
            raise ValueError(_("min must not exceed max"))
        return self


class ComplianceExcellence(Section):
    min_months_checked_in: PositiveInt
    min_volunteer_services: PositiveInt
    roadshow_credits: PositiveInt
    roadshow_credit_max_hours: PositiveInt
    voucher_subsidy: Money


class Rewards(Section):
    """第八章第一条: reward cases and amounts (staff choose within ranges)."""

    compliance_excellence: ComplianceExcellence
    innovation: dict[Literal["municipal", "provincial"], MoneyRange]
    other_contribution: MoneyRange


# --- §6: resources ----------------------------------------------------------------


class Vouchers(Section):
    """Compute and model vouchers (算力券、模型券, 第四章第二条; RULEBOOK §6, decisions in docs/resources.md)."""

    # Decision: the resources team decides an application within this many working days of its filing.
    review_working_days: PositiveInt
    # Decision: the resident is warned this many calendar days before a grant's balance expires.
    expiry_warning_days: PositiveInt
    # Decision: a voucher granted as a reward (第八章第一条 算力券补贴) is valid this many calendar days.
    reward_validity_days: PositiveInt
    # Decision: files one voucher application may hold (the intake rules judge each file).
    max_files_per_application: PositiveInt


class Policies(Section):
    """Policy help (政策对接, 第五章第二条第3项; RULEBOOK §6, decisions in docs/resources.md)."""

    # Decision: the resources team answers (accepts) a request for help within this many working days
    # of its filing — the 2 working days of 第四章第四条 for a resident's request (诉求反馈).
    help_response_working_days: PositiveInt
    # Decision: residents who follow a policy are reminded this many calendar days before its deadline.
    reminder_days_before_deadline: PositiveInt


class Sharing(Section):
    """The resource sharing board and AI capability pool (资源共享平台、AI能力共享池, 第四章第二条 3, 第五章;
    RULEBOOK §6, decisions in docs/resources.md)."""

    # Decision: a post stays on the board this many calendar days after it is posted or renewed.
    post_validity_days: PositiveInt
    # Decision: a resident has at most this many posts on the board (open, not expired) at once.
    max_open_posts: PositiveInt


# --- §10: publication ------------------------------------------------------------


class PublicationRules(Section):
    """The public notice board (公示栏, RULEBOOK §10, decisions added 2026-12)."""

    # A penalty or score publication leaves the public board this many calendar days after
    # its window closes (shown through the last window day + N, gone from 00:00 the day after).
    public_retention_days: PositiveInt


# --- §6: safety (第七章) ------------------------------------------------------------

EquipmentType = Literal["extinguisher", "hydrant", "emergency_light", "exit_sign", "alarm"]
IncidentSeverity = Literal["general", "major", "serious"]


class Safety(Section):
    """Safety and emergencies (第七章; RULEBOOK §6; decisions in docs/safety.md)."""

    # 第七章第一条 定期检查: days between two inspections of an item, by equipment type.
    inspection_interval_days: dict[EquipmentType, PositiveInt]
    # Equipment whose expiry date is this close (or past) is flagged for replacement.
    expiry_warning_days: PositiveInt
    # 第七章第一条、第四条 定期组织消防演练、应急演练: drills held each calendar year at least.
    min_drills_per_year: PositiveInt
    # Staff respond to an incident within these minutes of its triage, by severity.
    incident_response_minutes: dict[IncidentSeverity, PositiveInt]
    # 第七章第二条 安排专人值班，加强巡逻: the person on duty patrols at least every so many minutes.
    patrol_interval_minutes: PositiveInt
    # 第七章第四条 应急物资: supplies (and plan reviews) flagged this many days before they expire.
    # The seed carries it; versions adopted before the key existed read the default.
    supply_expiry_warning_days: PositiveInt = 30

    @model_validator(mode="after")
    def _every_key(self) -> "Safety":
        if set(self.inspection_interval_days) != set(EquipmentType.__args__):
            raise ValueError(_("every equipment type needs an inspection interval"))
        if set(self.incident_response_minutes) != set(IncidentSeverity.__args__):
            raise ValueError(_("every severity needs a response time"))
        return self


# --- §5: cleaning and closing rounds (第四章第一条 3、4) ---------------------------------------------


class CleaningArea(Section):
    """A public area the daily team cleans and disinfects (第四章第一条3 清洁、消毒)."""

    # The area's name as the team knows it (大堂, 会议室…): the areas are data, not code.
    name: Annotated[str, Field(min_length=1, max_length=40)]
    # Cleanings due each day.
    cleanings_per_day: PositiveInt
    # One disinfection due within every so many days (1: daily).
    disinfection_every_days: PositiveInt


class Rounds(Section):
    """Cleaning, disinfection and the evening closing round (第四章第一条 3、4; decisions in docs/spaces.md)."""

    # 第四章第一条3 社区安排专人负责公共区域的清洁、消毒工作: the areas, keyed by a short code.
    cleaning_areas: Annotated[dict[str, CleaningArea], Field(min_length=1)]
    # 第四章第一条4 关闭电源、锁好门窗: the closing round of a day is recorded from this local time on.
    closing_round_from: time


# --- §11: disclaimers (第九章第二条 责任免责) -------------------------------------------------------------

ClauseText = Annotated[str, Field(min_length=1, max_length=2000)]


class Disclaimers(Section):
    """The liability disclaimers (第九章第二条), printed in the agreement and shown at orientation as the
    version in force words them (decisions in docs/rulebook.md)."""

    # 第九章第二条1: force majeure and changes of government policy.
    force_majeure: ClauseText
    # 第九章第二条2: a resident bears the losses of its own business.
    own_business_risk: ClauseText


# --- §6: stage services and the quarterly service-quality survey (第五章第三条、第四条) ------------


class StageServices(Section):
    """Full-cycle start-up services (全周期创业服务, 第五章第三条; decisions in docs/resources.md)."""

    # Decision: a service request is answered within this many working days of its filing (the
    # promise of 第四章第四条 for requests, as for complaints).
    response_working_days: PositiveInt
    # Decision: a service request is resolved (closed with its result) within this many working days.
    resolution_working_days: PositiveInt


class SurveyArea(Section):
    """One service area of the questionnaire: its title and its questions (code → question text)."""

    title: str
    questions: dict[str, str]


class Surveys(Section):
    """The quarterly service-quality survey (服务质量评估, 第五章第四条; decisions in docs/resources.md)."""

    # Answers are whole numbers from 1 to this (5: 1 very dissatisfied … 5 very satisfied).
    scale_max: Annotated[int, Field(ge=2, le=10)]
    # Decision: a result (a question, a service area) is shown only when at least this many answers make it.
    min_group_size: Annotated[int, Field(ge=3)]
    # Decision: a service area whose average is below this opens an improvement item.
    low_score_threshold: Annotated[Decimal, Field(gt=0)]
    # The questions by service area (area code → title and questions); codes are stable across quarters.
    areas: dict[str, SurveyArea]

    @model_validator(mode="after")
    def _questions(self) -> "Surveys":
        if not self.areas or any(not area.questions for area in self.areas.values()):
            raise ValueError(_("every service area needs at least one question"))
        if self.low_score_threshold > self.scale_max:
            raise ValueError(_("the low-score threshold lies above the scale"))
        return self


# --- The whole body -------------------------------------------------------------


class Rulebook(Section):
    deadlines: Deadlines
    term: Term
    bans: Bans
    intake: Intake
    booking: Booking
    equipment: Equipment
    scoring: Scoring
    elimination: Elimination
    violations: Violations
    rewards: Rewards
    publication: PublicationRules
    safety: Safety
    vouchers: Vouchers
    rounds: Rounds
    disclaimers: Disclaimers
    policies: Policies
    sharing: Sharing
    stage_services: StageServices
    surveys: Surveys

    _version: int = PrivateAttr(default=0)
    _effective_from: date | None = PrivateAttr(default=None)

    @classmethod
    def load(
        cls, body: dict[str, Any], *, version: int, effective_from: date, as_stored: bool = False
    ) -> "Rulebook":
        rules = cls.model_validate(body, context={"as_stored": as_stored})
        rules._version = version
        rules._effective_from = effective_from
        return rules

    @property
    def version(self) -> int:
        """The number of the rulebook version these rules come from (recorded with decisions)."""
        return self._version

    @property
    def effective_from(self) -> date | None:
        return self._effective_from
