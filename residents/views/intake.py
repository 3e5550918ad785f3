"""Portal pages of intake (第三章第一条、第二条): sign up, fill in and submit 《OPC社区入驻申请表》,
follow the review, and open one's own materials.

Applicants are not residents yet: the pages need a login (except sign-up) and show only the
logged-in person's own application; another person's material answers 404. Staff of the
intake team, the operations lead and oversight open materials through the same
permission-checked download view (the admin links to it); other staff groups get 403.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required, login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from opc_community import rulebook
from opc_community.accounts.lockout import client_ip
from opc_community.accounts.permissions import is_staff_account, is_staff_member
from opc_community.accounts.tokens import account_to_activate
from opc_community.core.errors import DomainError, InvalidTransition
from opc_community.core.ratelimit import within_rate_limit
from opc_community.core.uploads import private_file_response
from opc_community.core.views import submit_action, submit_form
from opc_community.workdays.selectors import work_calendar
from residents.forms.intake import ApplicationForm, SignupForm, WithdrawForm
from residents.models import APPLICATION_TRANSITIONS, Application, ApplicationStatus, Resident
from residents.rules import intake as intake_rules
from residents.selectors import intake as selectors
from residents.services import intake as services


def _resident_record(request: HttpRequest) -> Resident | None:
    return Resident.objects.filter(user=request.user).first()


def _origin(request: HttpRequest) -> str:
    """``https://host`` of this request, to begin the links of emails (the host is in ALLOWED_HOSTS)."""
    return request.build_absolute_uri("/").rstrip("/")


# Public on purpose: this is how applicants get an account (第三章第二条). Submissions are limited
# per client address (SIGNUP_RATE_LIMIT per SIGNUP_RATE_WINDOW); the answer never says whether the
# email address or phone number already has an account (residents.services.intake, "sign-up").
@login_not_required
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Create an applicant's account (inactive until the emailed link is opened)."""
    if request.user.is_authenticated:
        return redirect("residents:application")
    form = SignupForm(request.POST or None)
    if request.method == "POST":
        window = settings.SIGNUP_RATE_WINDOW
        if not within_rate_limit(f"signup:{client_ip(request)}", limit=settings.SIGNUP_RATE_LIMIT, window=window):
            # Nothing is checked while the limit holds; what was typed comes back (passwords never do).
            form = SignupForm(initial={name: request.POST.get(name, "") for name in SignupForm.Meta.fields})
            messages.error(request, _("Too many sign-ups from your network: try again in %(minutes)s minutes.") % {
                "minutes": int(window.total_seconds() // 60)
            })
            return render(request, "residents/intake/signup.html", {"form": form}, status=429)
    return submit_form(
        request, form,
        lambda data: services.applicant_sign_up(
            username=data["username"], full_name=data["full_name"], phone=data["phone"], email=data["email"],
            password=data["password1"], origin=_origin(request),
        ),
        success_url="residents:signup_sent", template="residents/intake/signup.html", failed_status=200,
    )


# Public: what every accepted sign-up is told.
@login_not_required
@require_GET
def signup_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "residents/intake/signup_sent.html")


# Public (the emailed link is the key): activate the account, log it in, go on to the application form.
@login_not_required
@require_http_methods(["GET", "POST"])
def signup_activate(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """GET shows the account and a button (mail scanners open links; only the button activates)."""
    if request.method == "POST":
        try:
            user = services.applicant_activate(uidb64=uidb64, token=token, origin=_origin(request))
        except DomainError as error:
            messages.error(request, str(error.message))
            return redirect("portal:login")
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Your account is active. Now fill in the application form."))
        return redirect("residents:application_edit")
    return render(
        request, "residents/intake/signup_activate.html", {"account": account_to_activate(uidb64, token)}
    )


@login_required
@require_GET
def application(request: HttpRequest) -> HttpResponse:
    """The applicant's application: status, current deadline, reasons, next steps, materials, history."""
    current = selectors.application_page(request.user)
    if current is None:
        return redirect("residents:application_edit")
    today = timezone.localdate()
    deadline = selectors.deadline_view(current, today=today, calendar=work_calendar())
    return render(
        request,
        "residents/intake/application_detail.html",
        {
            "application": current,
            "deadline": deadline,
            "step": selectors.current_step_of(current),
            "progress": intake_rules.progress_steps(current.status),
            "documents": list(current.documents.all()),
            "transitions": list(current.transitions.all()),
            "can_edit": current.status in services.EDITABLE,
            "can_withdraw": ApplicationStatus.WITHDRAWN in _allowed(current),
            "can_start_new": current.status in (ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN),
            "withdraw_form": WithdrawForm(),
            **_deadline_days(),
        },
    )


def _deadline_days() -> dict[str, int]:
    """The review periods of the rulebook in force today (第三章第二条), for the page's rule notes."""
    deadlines = rulebook.in_force(on=timezone.localdate()).deadlines
    return {
        "review_days": deadlines.intake_initial_review_working_days,
        "result_days": deadlines.intake_evaluation_result_working_days,
    }


def _allowed(application: Application) -> frozenset[str]:
    return APPLICATION_TRANSITIONS.get(application.status, frozenset())


def _initial(application: Application | None, user: object) -> dict[str, object]:
    if application is None:
        return {
            "person_name": getattr(user, "full_name", ""),
            "phone": getattr(user, "phone", ""),
            "email": getattr(user, "email", ""),
        }
    details = services.details_of(application)
    return {name: getattr(details, name) for name in details.__dataclass_fields__}


@login_required
@require_http_methods(["GET", "POST"])
def application_edit(request: HttpRequest) -> HttpResponse:
    """《OPC社区入驻申请表》: save as a draft, or save and submit.

    Submitting first saves the draft (its own transaction: what was typed and uploaded stays),
    then submits (a second transaction, refused as a whole with every problem next to its field).
    Staff accounts never apply (conflict of interest): the portal does not offer them the form.
    """
    if is_staff_account(request.user):
        raise PermissionDenied
    if _resident_record(request) is not None:
        messages.info(request, _("You are already a resident of the community: no application is needed."))
        return redirect("portal:dashboard")
    current = selectors.application_page(request.user)
    if current is not None and current.status not in services.EDITABLE:
        if current.status in services.LIVE or current.status == ApplicationStatus.APPROVED:
            messages.info(request, _("Your application is under review and can no longer be changed."))
            return redirect("residents:application")
        current = None  # rejected or withdrawn: a new application starts from scratch
    form = ApplicationForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        initial=_initial(current, request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            current = services.application_save_draft(
                applicant=request.user, details=form.details(), uploads=form.uploads(), actor=request.user
            )
        except InvalidTransition as error:  # submitted meanwhile: the same form sent twice, another tab
            messages.info(request, str(error.message))
            return redirect("residents:application")
        except DomainError as error:
            form.add_domain_error(error)
        else:
            if "submit" not in request.POST:
                messages.success(request, _("Your draft was saved. Submit it when everything is ready."))
                return redirect("residents:application_edit")
            try:
                services.application_submit(application=current, actor=request.user)
            except InvalidTransition as error:
                messages.info(request, str(error.message))
                return redirect("residents:application")
            except DomainError as error:
                form.add_domain_error(error)
                messages.warning(
                    request,
                    _("Your draft and files were saved, but the application could not be submitted yet: see below."),
                )
            else:
                messages.success(request, _("Your application was submitted. You will be told the result here."))
                return redirect("residents:application")
    if current is not None:
        current = selectors.application_page(request.user)  # fresh: files saved just now are listed
    documents = list(current.documents.all()) if current is not None else []
    removable = {
        document.pk
        for document in documents
        if current.submitted_at is None or document.uploaded_at > current.submitted_at
    }
    return render(
        request,
        "residents/intake/application_form.html",
        {
            "form": form,
            "sections": form.sections(documents),
            "application": current,
            "documents": documents,
            "removable": removable,
            **_deadline_days(),
        },
    )


@login_required
@require_POST
def application_withdraw(request: HttpRequest) -> HttpResponse:
    current = selectors.application_page(request.user)
    if current is None:
        raise Http404
    form = WithdrawForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return submit_action(
        request, lambda: services.application_withdraw(application=current, actor=request.user, reason=reason),
        redirect_to="residents:application", message=_("Your application was withdrawn."),
    )


@login_required
@require_GET
def application_document(request: HttpRequest, pk: int) -> HttpResponse:
    """One material, streamed privately: to its applicant, the intake team, the operations lead and
    oversight. Other staff groups: 403; anyone else: 404 (the file's existence is not revealed)."""
    document = selectors.document_with_application(pk)
    if document is None:
        raise Http404
    if not selectors.may_read_materials(request.user, document.application):
        if is_staff_member(request.user):
            raise PermissionDenied
        raise Http404
    return private_file_response(
        document.file, download_name=document.original_name, content_type=document.content_type
    )


@login_required
@require_POST
def application_document_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """The applicant removes a material uploaded since the last submission."""
    document = selectors.document_with_application(pk)
    if document is None or document.application.applicant_id != request.user.pk:
        raise Http404
    return submit_action(
        request, lambda: services.application_document_remove(document=document, actor=request.user),
        redirect_to="residents:application_edit", message=_("The file was removed."),
    )


urlpatterns = [
    path("signup/", signup, name="signup"),
    path("signup/sent/", signup_sent, name="signup_sent"),
    path("signup/activate/<str:uidb64>/<str:token>/", signup_activate, name="signup_activate"),
    path("application/", application, name="application"),
    path("application/edit/", application_edit, name="application_edit"),
    path("application/withdraw/", application_withdraw, name="application_withdraw"),
    path("application/documents/<int:pk>/", application_document, name="application_document"),
    path("application/documents/<int:pk>/remove/", application_document_remove, name="application_document_remove"),
]
