"""Account security pages: the code asked after the password (``verify``), one's own
two-factor setup and recovery codes (``twofactor``), one's signed-in browsers
(``sessions_page``); for admins, which roles must use 2FA (``twofactor_rules``) and the
security audit log, filtered and exported as CSV (``security_log``)."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any, cast

from django.contrib import messages as flash
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.db.models import F, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from sigap.accounts import audit, invitations, sessions, twofactor
from sigap.accounts.decorators import admin_required, staff_required
from sigap.accounts.http import safe_next
from sigap.accounts.models import STAFF_ROLES, Role, SecurityEvent, SecurityKind, User
from sigap.accounts.services import forget_tokens
from sigap.core.errors import ValidationFailed
from sigap.core.locale import said_in_default_language
from sigap.core.pagination import page

PER_PAGE = 50
CSV_ROWS = 50_000


def _day(value: str, end: bool) -> datetime | None:
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date() if value else None
    except ValueError:
        return None
    if day is None:
        return None
    return timezone.make_aware(datetime.combine(day, time.max if end else time.min))


def _filtered(params: Any) -> tuple[QuerySet[SecurityEvent], dict[str, str]]:
    chosen = {k: str(params.get(k, "")).strip() for k in ("kind", "person", "from", "to")}
    events = SecurityEvent.objects.all()
    if chosen["kind"] in SecurityKind.values:
        events = events.filter(kind=chosen["kind"])
    if chosen["person"]:
        person = chosen["person"]
        events = events.filter(
            Q(actor_name__icontains=person) | Q(user_name__icontains=person) | Q(ip=person)
        )
    start, end = _day(chosen["from"], False), _day(chosen["to"], True)
    if start is not None:
        events = events.filter(at__gte=start)
    if end is not None:
        events = events.filter(at__lte=end)
    return events, chosen


@require_GET
@admin_required
def security_log(request: HttpRequest) -> HttpResponse:
    events, chosen = _filtered(request.GET)
    if request.GET.get("format") == "csv":
        rows = list(events.order_by("-at", "-id")[:CSV_ROWS])
        audit.record(
            SecurityKind.EXPORT,
            detail=said_in_default_language(
                gettext_lazy("log audit keamanan, %(rows)d baris"), rows=len(rows)
            ),
            data={"filters": {k: v for k, v in chosen.items() if v}},
        )
        response = HttpResponse(audit.csv_bytes(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="log-audit-keamanan.csv"'
        return response
    try:
        rows, next_cursor = page(events, cursor=request.GET.get("cursor"), limit=PER_PAGE)
    except ValidationFailed:
        rows, next_cursor = page(events, cursor=None, limit=PER_PAGE)
    query = "&".join(f"{k}={v}" for k, v in chosen.items() if v)
    return render(
        request,
        "accounts/security_log.html",
        {
            "events": rows,
            "next_cursor": next_cursor,
            "chosen": chosen,
            "kinds": SecurityKind.choices,
            "query": query,
        },
    )


# --- two-factor authentication ----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """The code from the authenticator app (or a recovery code) after the password."""
    user = cast(User, request.user)
    target = safe_next(request, request.POST.get("next") or request.GET.get("next"), "/")
    if not twofactor.needs_code(user, request.session):
        return redirect(target)
    error = ""
    status = 200
    if request.method == "POST":
        if twofactor.verify(request, user, request.POST.get("code", "")):
            return redirect(target)
        error = twofactor.refusal(user)
        status = 422
    return render(request, "accounts/verify.html", {"error": error, "next": target}, status=status)


@require_http_methods(["GET", "POST"])
@staff_required
def twofactor_page(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator, see how many recovery codes are left, make new ones, or
    turn 2FA off (where one's role does not require it)."""
    user = cast(User, request.user)
    action = request.POST.get("action", "")
    context: dict[str, Any] = {"required": twofactor.required_for(user)}
    status = 200
    if request.method == "POST" and action == "confirm":
        device = twofactor.pending_device(user)
        codes = twofactor.confirm(request, user, device, request.POST.get("code", ""))
        if codes is not None:
            return render(request, "accounts/recovery_codes.html", {"codes": codes})
        context["error"] = twofactor.refusal(user, device)
        status = 422
    elif request.method == "POST" and action == "recovery":
        codes = twofactor.new_recovery_codes(user)
        return render(request, "accounts/recovery_codes.html", {"codes": codes})
    elif request.method == "POST" and action == "remove":
        if context["required"]:
            context["error"] = _("Peran Anda wajib memakai 2FA; admin dapat menyetel ulang.")
            status = 403
        elif not user.check_password(request.POST.get("password", "")):
            context["error"] = _("Kata sandi salah.")
            status = 422
        else:
            twofactor.remove(user, actor=user, request=request)
            flash.success(request, _("2FA dimatikan."))
            return redirect("accounts:twofactor")
    if twofactor.has_authenticator(user):
        context["enabled"] = True
        context["recovery_left"] = twofactor.remaining_recovery_codes(user)
    else:
        device = twofactor.pending_device(user)
        context.update(qr=twofactor.qr_svg(device), key=twofactor.key_text(device))
    return render(request, "accounts/twofactor.html", context, status=status)


@require_http_methods(["GET", "POST"])
@admin_required
def twofactor_rules(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    roles = [r for r in Role if r in STAFF_ROLES]
    if request.method == "POST":
        wanted = set(request.POST.getlist("required"))
        for role in roles:
            twofactor.set_requirement(actor=user, role=role, required=role.value in wanted)
        flash.success(request, _("Kewajiban 2FA disimpan."))
        return redirect("accounts:twofactor_rules")
    rows = [(r.value, r.label, twofactor.required_for_role(r.value)) for r in roles]
    return render(request, "accounts/twofactor_rules.html", {"rows": rows})


# --- sessions ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def sessions_page(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    current = request.session.session_key
    if request.method == "POST":
        if request.POST.get("action") == "others":
            User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
            forget_tokens()  # no signal for update(): the users kept in memory are stale
            user.refresh_from_db(fields=["session_epoch"])
            ended = sessions.end_others(user, current, actor=user)
            update_session_auth_hash(request, user)  # this browser stays signed in...
            sessions.rekey(current, request.session.session_key)  # ...and stays listed
            flash.success(
                request, _("Keluar dari semua perangkat lain (%(n)s sesi).") % {"n": ended}
            )
        else:
            ended = sessions.end(user, [request.POST.get("session", "")], actor=user)
            flash.success(request, _("Sesi diakhiri.") if ended else _("Sesi tidak ditemukan."))
        return redirect("accounts:sessions")
    return render(
        request,
        "accounts/sessions.html",
        {"sessions": sessions.for_user(user), "current": current},
    )


@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """An invitation's link (``accounts.invitations``): choose a password, or sign in with
    single sign-on. Opening the page spends nothing; saving the password does."""
    found, state = invitations.invitation_read(token)
    if found is None or state is not invitations.LinkState.VALID:
        return render(
            request,
            "accounts/invitation.html",
            {"error": invitations.link_message(state)},
            status=410 if found is not None else 404,
        )
    errors: dict[str, list[str]] = {}
    error = ""
    if request.method == "POST":
        try:
            user = invitations.invitation_accept(
                raw=token,
                password=request.POST.get("password", ""),
                password_again=request.POST.get("password_again", ""),
            )
        except ValidationFailed as exc:
            error, errors = exc.message, exc.fields
        else:
            flash.success(
                request,
                _("Akun Anda aktif. Silakan masuk dengan nama pengguna %(username)s.")
                % {"username": user.username},
            )
            return redirect("login")
    return render(
        request,
        "accounts/invitation.html",
        {"invitation": found, "error": error, "errors": errors},
        status=422 if error else 200,
    )
