"""Portal pages of violation cases (我的违规记录, 第八章第二条): the resident's cases, the 《违规整改通知书》 PDF,
deadlines with the working days left, the rule behind each measure, what happens on the next same-kind
violation, and the request for review (复核) with evidence.

Thin views: each says who may use it; a case is fetched through ``request.resident`` (another
resident's: 404); every change is one service call. Evidence files are private: served only here (to
the resident of the case) and in the admin (to staff).
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from discipline.forms.cases import AppealForm
from discipline.models import EvidenceFile, RectificationNotice
from discipline.selectors import cases as selectors
from discipline.services import appeals as appeal_services
from discipline.services import cases as services
from opc_community.core.uploads import private_file_response
from opc_community.core.views import submit_form
from residents.access import resident_required


def _own(request: HttpRequest, pk: int):
    case = selectors.case_for_resident(request.resident, pk)
    if case is None:
        raise Http404
    return case


@resident_required
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    """我的违规记录: every case of the resident, newest first, with its deadlines and the rule behind it."""
    cases = selectors.resident_cases(request.resident)
    selectors.attach_display(cases)
    return render(request, "discipline/cases/list.html", {"cases": cases, "article": selectors.ARTICLE})


def _detail(request: HttpRequest, case, *, form: AppealForm | None = None, status: int = 200) -> HttpResponse:
    selectors.attach_display([case])
    evidence = list(selectors.case_evidence(case))
    return render(
        request,
        "discipline/cases/detail.html",
        {"case": case, "form": form or AppealForm(), "evidence": evidence, "article": selectors.ARTICLE,
         "notice": selectors.notice_or_none(case)},
        status=status,
    )


@resident_required
@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One case: the notice and its deadline, the decision and its rule, the appeal window, the appeals."""
    return _detail(request, _own(request, pk))


@resident_required
@require_POST
def case_appeal(request: HttpRequest, pk: int) -> HttpResponse:
    """申请复核: the grounds and optional evidence; refused after the window with its end named."""
    case = _own(request, pk)
    form = AppealForm(request.POST, request.FILES)
    return submit_form(
        request, form,
        lambda data: appeal_services.appeal_submit(case=case, resident=request.resident, reason=data["reason"],
                                                   evidence=data["evidence"], actor=request.user),
        success_url=reverse("discipline:case_detail", args=[case.pk]),
        message=_("Your request for review was received. The answer is due by the time shown."),
        page=lambda status: _detail(request, _own(request, pk), form=form, status=status),
    )


@resident_required
@require_GET
def notice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The 《违规整改通知书》 of one of the resident's cases (rendered now if the stored one is missing)."""
    case = _own(request, pk)
    notice = selectors.notice_or_none(case)
    if notice is None:
        raise Http404
    if not notice.document:
        notice = services.notice_render(notice_id=notice.pk)
    notice = RectificationNotice.objects.get(pk=notice.pk)
    return private_file_response(notice.document, download_name=f"{notice.number}.pdf", content_type="application/pdf")


@resident_required
@require_GET
def evidence_file(request: HttpRequest, pk: int) -> HttpResponse:
    """An evidence file of one of the resident's own cases (another resident's: 404)."""
    evidence = EvidenceFile.objects.filter(pk=pk, case__resident=request.resident).first()
    if evidence is None:
        raise Http404
    return private_file_response(evidence.file, download_name=evidence.original_name, content_type=evidence.content_type)


urlpatterns = [
    path("cases/", case_list, name="case_list"),
    path("cases/<int:pk>/", case_detail, name="case_detail"),
    path("cases/<int:pk>/appeal/", case_appeal, name="case_appeal"),
    path("cases/<int:pk>/notice.pdf", notice_pdf, name="notice_pdf"),
    path("evidence/<int:pk>/", evidence_file, name="evidence_file"),
]
