"""Races with real parallel database connections (threads, committed data): the same resident sends the
survey five times at once → one answer is counted, the others are refused (第五章第四条: once per quarter,
the database's unique constraint decides); one open request per service likewise."""

from opc_community.core.errors import DomainError
from resources.models import ServiceRequest, SurveyResponse, SurveyTally
from resources.services import stage as stage_services
from resources.services import surveys as services
from tests.concurrency import (  # noqa: F401 - the autouse fixture is imported to be active here
    committed_data,
    restore_snapshot_without_triggers,
    run_in_parallel,
)
from tests.resources.support import member, stage_service

pytestmark = committed_data


def test_five_parallel_answers_count_once():
    resident = member(name="并发")
    survey = services.survey_ensure_current()
    results = run_in_parallel([
        (lambda: services.survey_answer(survey=survey, resident=resident, actor=resident.user,
                                        answers={"spaces": {"cleanliness": 4}}))
        for _ in range(5)
    ])
    assert sum(isinstance(r, SurveyResponse) for r in results) == 1, results
    assert sum(isinstance(r, DomainError) for r in results) == 4
    assert SurveyTally.objects.get(survey=survey, area="spaces", question="cleanliness", score=4).count == 1


def test_five_parallel_requests_for_one_service_make_one():
    resident = member(name="并发")
    service = stage_service()
    results = run_in_parallel([
        (lambda: stage_services.request_submit(service=service, resident=resident, need="同时提交",
                                               actor=resident.user))
        for _ in range(5)
    ])
    assert sum(isinstance(r, ServiceRequest) for r in results) == 1, results
    assert ServiceRequest.objects.filter(resident=resident).count() == 1
