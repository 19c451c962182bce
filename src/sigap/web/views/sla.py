"""Service-level settings (``/settings/sla/``): SLA policies with their targets and a
preview, business calendars with split shifts and special periods, holidays.

Admins change everything; a supervisor opens and changes only the policies of the teams
they supervise (``sla.access``); agents get a 403. Every change goes through
``sla.services``; a refused change is shown on its form with what was typed kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar, cast
from zoneinfo import ZoneInfo

from django.contrib import messages as flash
from django.db.models import Count
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sigap.accounts import directory
from sigap.accounts.decorators import staff_required
from sigap.accounts.models import Team, User
from sigap.core.errors import PermissionDenied, SigapError
from sigap.customers.models import LoyaltyTier
from sigap.sla import access, ladder, services
from sigap.sla import book as sla_book
from sigap.sla.models import (
    BusinessCalendar,
    Holiday,
    SlaPolicy,
    SpecialPeriod,
)
from sigap.tickets.models import Category, Channel
from sigap.tickets.sla import default_priority, due_for
from sigap.web.sla_forms import (
    CalendarForm,
    EscalationFormSet,
    HolidayForm,
    HolidayImportForm,
    PolicyForm,
    PreviewForm,
    SpecialPeriodForm,
)

V = TypeVar("V", bound=Callable[..., HttpResponse])
ZONE = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "web/forbidden.html", {"message": message}, status=403)


def sla_staff(view: V) -> V:
    """Supervisors and admins; an agent gets a 403 page."""

    @staff_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not access.may_open(cast(User, request.user)):
            return _forbidden(request, _("Pengaturan SLA hanya untuk supervisor dan admin."))
        return view(request, *args, **kwargs)

    return cast(V, wrapper)


def sla_admin(view: V) -> V:
    @sla_staff
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not access.is_admin(cast(User, request.user)):
            return _forbidden(
                request,
                _(
                    "Kalender kerja dan hari libur berlaku untuk semua tim; "
                    "hanya admin yang dapat mengubahnya."
                ),
            )
        return view(request, *args, **kwargs)

    return cast(V, wrapper)


def _errors(form: Form, exc: SigapError) -> None:
    """A service's refusal on the form: each message on its field (a target's on its hours
    box), or above the form."""
    for field, messages in exc.fields.items():
        target = re.fullmatch(r"target-(\d)-(\w+)", field)
        name = f"p{target[1]}_{target[2]}_h" if target else field
        for message in messages:
            form.add_error(name if name in form.fields else None, message)
    if not exc.fields:
        form.add_error(None, exc.message)


def _conditions(policy: SlaPolicy) -> str:
    channels = dict(Channel.choices)
    tiers = dict(LoyaltyTier.choices)
    categories = dict(Category.choices)
    parts = []
    if policy.priorities:
        parts.append(", ".join(f"P{p}" for p in policy.priorities))
    if policy.channels:
        parts.append(", ".join(str(channels.get(c, c)) for c in policy.channels))
    if policy.loyalty_tiers:
        parts.append(", ".join(str(tiers.get(t, t)) for t in policy.loyalty_tiers))
    if policy.categories:
        parts.append(", ".join(str(categories.get(c, c)) for c in policy.categories))
    if policy.team_id:
        parts.append(policy.team.name if policy.team else "")
    return " · ".join(parts) if parts else _("semua tiket")


def _local(moment: datetime, time_zone: str) -> str:
    local = moment.astimezone(ZoneInfo(time_zone))
    label = formats.date_format(local, "l, j F Y H:i")
    return f"{label} {ZONE.get(time_zone, time_zone)}"


# --- the preview ----------------------------------------------------------------------------


def _preview(request: HttpRequest, policy: SlaPolicy | None) -> dict[str, Any]:
    """When a sample ticket created now would be due, by the engine every new ticket goes
    through (``tickets.sla.due_for`` on the current policy book)."""
    initial: dict[str, Any] = {
        "tier": LoyaltyTier.GOLD,
        "channel": (policy.channels[0] if policy and policy.channels else Channel.WHATSAPP),
        "team": policy.team_id if policy else None,
        "category": policy.categories[0] if policy and policy.categories else "",
        "priority": policy.priorities[0] if policy and policy.priorities else None,
    }
    user = cast(User, request.user)
    own = None
    if not access.is_admin(user):  # a supervisor tries their own teams' tickets
        own = Team.objects.filter(supervisor_id=user.pk).order_by("name")
        first = own.first()
        if policy is None and first is not None:
            initial["team"] = first.pk
    bound = "channel" in request.GET
    form = PreviewForm(request.GET if bound else None, initial=initial)
    if own is not None:
        form.fields["team"].queryset = own  # type: ignore[attr-defined]
    values = form.cleaned_data if bound and form.is_valid() else initial
    tier = values.get("tier") or LoyaltyTier.REGULAR
    channel = values.get("channel") or Channel.WHATSAPP
    team = values.get("team")
    team_id = team.pk if isinstance(team, Team) else team
    category = values.get("category") or ""
    priority = values.get("priority") or default_priority("", tier)
    now = timezone.now()
    due = due_for(channel, priority, now, tier=tier, team_id=team_id, category=category)
    calendar = sla_book.current().calendar_for(due.policy_id)
    time_zone = calendar.time_zone if calendar else "Asia/Jakarta"
    matched = next((p for p in sla_book.current().policies if p.id == due.policy_id), None)
    return {
        "preview_form": form,
        "preview": {
            "tier": str(dict(LoyaltyTier.choices).get(tier, tier)),
            "channel": str(dict(Channel.choices).get(channel, channel)),
            "priority": priority,
            "now": _local(now, time_zone),
            "first_response": _local(due.first_response, time_zone),
            "resolution": _local(due.resolution, time_zone),
            "policy": matched.name if matched else _("tanpa kebijakan (tenggat cadangan)"),
            "same_policy": policy is not None and due.policy_id == policy.pk,
        },
    }


# --- policies -------------------------------------------------------------------------------


@sla_staff
def sla_policies(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    policies = SlaPolicy.objects.select_related("calendar", "team").annotate(
        n_targets=Count("targets")
    )
    if not access.is_admin(user):
        policies = policies.filter(team__supervisor_id=user.pk)
    rows = [(p, _conditions(p)) for p in policies.order_by("position", "id")]
    return render(
        request,
        "web/settings_sla.html",
        {"rows": rows, "is_admin": access.is_admin(user), **_preview(request, None)},
    )


def _policy_form(request: HttpRequest, user: User, policy: SlaPolicy | None) -> PolicyForm:
    teams = (
        None
        if access.is_admin(user)
        else Team.objects.filter(supervisor_id=user.pk).order_by("name")
    )
    initial: dict[str, Any] = {"active": True}
    if policy is not None:
        initial = {
            "name": policy.name,
            "calendar": policy.calendar_id,
            "team": policy.team_id,
            "priorities": policy.priorities,
            "channels": policy.channels,
            "loyalty_tiers": policy.loyalty_tiers,
            "categories": policy.categories,
            "active": policy.active,
            **PolicyForm.initial_targets(policy.targets.all()),
        }
    data = request.POST if request.method == "POST" else None
    return PolicyForm(data, initial=initial, teams=teams)


@sla_staff
def sla_policy(request: HttpRequest, policy_id: int | None = None) -> HttpResponse:
    user = cast(User, request.user)
    policy = None
    if policy_id is not None:
        policy = get_object_or_404(SlaPolicy.objects.select_related("team"), pk=policy_id)
        if not access.may_change_policy(user, policy):
            return _forbidden(request, _("Kebijakan SLA ini milik tim lain."))
    elif not access.is_admin(user) and not access.own_team_ids(user):
        return _forbidden(request, _("Anda belum memimpin tim mana pun."))
    form = _policy_form(request, user, policy)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.policy_save(
                actor=user,
                policy=policy,
                name=data["name"],
                calendar=data["calendar"],
                team=data["team"],
                channels=data["channels"],
                priorities=data["priorities"],
                loyalty_tiers=data["loyalty_tiers"],
                categories=data["categories"],
                targets=form.targets(),
                active=data["active"],
            )
        except PermissionDenied as exc:
            return _forbidden(request, exc.message)
        except SigapError as exc:
            _errors(form, exc)
        else:
            flash.success(request, _("Kebijakan SLA %(name)s disimpan.") % {"name": saved.name})
            return redirect("web:settings_sla_policy", policy_id=saved.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "web/settings_sla_policy.html",
        {"form": form, "policy": policy, **_preview(request, policy)},
        status=status,
    )


def _policy_action(
    request: HttpRequest, policy_id: int, act: Callable[[User, SlaPolicy], Any]
) -> HttpResponse:
    user = cast(User, request.user)
    policy = get_object_or_404(SlaPolicy, pk=policy_id)
    if not access.may_change_policy(user, policy):
        return _forbidden(request, _("Kebijakan SLA ini milik tim lain."))
    try:
        act(user, policy)
    except PermissionDenied as exc:
        return _forbidden(request, exc.message)
    return redirect("web:settings_sla")


@require_POST
@sla_staff
def sla_policy_active(request: HttpRequest, policy_id: int) -> HttpResponse:
    active = request.POST.get("active") == "1"
    return _policy_action(
        request,
        policy_id,
        lambda user, policy: services.policy_set_active(actor=user, policy=policy, active=active),
    )


@require_POST
@sla_staff
def sla_policy_move(request: HttpRequest, policy_id: int) -> HttpResponse:
    up = request.POST.get("direction") != "down"
    return _policy_action(
        request,
        policy_id,
        lambda user, policy: services.policy_move(actor=user, policy=policy, up=up),
    )


@require_POST
@sla_staff
def sla_policy_delete(request: HttpRequest, policy_id: int) -> HttpResponse:
    response = _policy_action(
        request,
        policy_id,
        lambda user, policy: services.policy_delete(actor=user, policy=policy),
    )
    if response.status_code == 302:
        flash.success(request, _("Kebijakan SLA dihapus."))
    return response


# --- calendars ------------------------------------------------------------------------------


@sla_admin
def sla_calendars(request: HttpRequest) -> HttpResponse:
    calendars = BusinessCalendar.objects.annotate(
        n_policies=Count("policies", distinct=True),
        n_specials=Count("special_periods", distinct=True),
    ).order_by("name")
    return render(request, "web/settings_sla_calendars.html", {"calendars": calendars})


@sla_admin
def sla_calendar(request: HttpRequest, calendar_id: int | None = None) -> HttpResponse:
    user = cast(User, request.user)
    calendar = get_object_or_404(BusinessCalendar, pk=calendar_id) if calendar_id else None
    initial: dict[str, Any] = {"national_holidays": True}
    if calendar is not None:
        initial = {
            "name": calendar.name,
            "time_zone": calendar.time_zone,
            "around_the_clock": calendar.around_the_clock,
            "national_holidays": calendar.national_holidays,
            **CalendarForm.initial_from(calendar.periods.order_by("weekday", "start")),
        }
    form = CalendarForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        periods = form.periods()
        if form.is_valid():  # periods() adds an error for a half-filled shift
            data = form.cleaned_data
            try:
                saved = services.calendar_save(
                    actor=user,
                    calendar=calendar,
                    name=data["name"],
                    time_zone=data["time_zone"],
                    around_the_clock=data["around_the_clock"],
                    national_holidays=data["national_holidays"],
                    periods=periods,
                )
            except SigapError as exc:
                _errors(form, exc)
            else:
                flash.success(request, _("Kalender %(name)s disimpan.") % {"name": saved.name})
                return redirect("web:settings_sla_calendar", calendar_id=saved.pk)
    specials = (
        calendar.special_periods.prefetch_related("hours").order_by("start_date")
        if calendar
        else []
    )
    own_holidays = calendar.holidays.order_by("date") if calendar else []
    return render(
        request,
        "web/settings_sla_calendar.html",
        {
            "form": form,
            "calendar": calendar,
            "specials": specials,
            "own_holidays": own_holidays,
        },
        status=422 if request.method == "POST" else 200,
    )


@sla_admin
def sla_special(
    request: HttpRequest, calendar_id: int, special_id: int | None = None
) -> HttpResponse:
    user = cast(User, request.user)
    calendar = get_object_or_404(BusinessCalendar, pk=calendar_id)
    special = (
        get_object_or_404(SpecialPeriod, pk=special_id, calendar=calendar) if special_id else None
    )
    initial: dict[str, Any] = {}
    if special is not None:
        initial = {
            "name": special.name,
            "start_date": special.start_date,
            "end_date": special.end_date,
            **SpecialPeriodForm.initial_from(special.hours.order_by("weekday", "start")),
        }
    form = SpecialPeriodForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and request.POST.get("delete") and special is not None:
        services.special_period_delete(actor=user, special=special)
        flash.success(request, _("Periode khusus %(name)s dihapus.") % {"name": special.name})
        return redirect("web:settings_sla_calendar", calendar_id=calendar.pk)
    if request.method == "POST" and form.is_valid():
        hours = form.periods()
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.special_period_save(
                    actor=user,
                    calendar=calendar,
                    special=special,
                    name=data["name"],
                    start_date=data["start_date"],
                    end_date=data["end_date"],
                    hours=hours,
                )
            except SigapError as exc:
                _errors(form, exc)
            else:
                flash.success(
                    request, _("Periode khusus %(name)s disimpan.") % {"name": data["name"]}
                )
                return redirect("web:settings_sla_calendar", calendar_id=calendar.pk)
    return render(
        request,
        "web/settings_sla_special.html",
        {"form": form, "calendar": calendar, "special": special},
        status=422 if request.method == "POST" else 200,
    )


# --- holidays -------------------------------------------------------------------------------


@sla_admin
def sla_holidays(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", today.year))
    except ValueError:
        year = today.year
    form = HolidayForm(request.POST if request.POST.get("form") == "add" else None)
    import_form = HolidayImportForm(
        request.POST if request.POST.get("form") == "import" else None, initial={"year": year + 1}
    )
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            services.holiday_add(
                actor=user,
                day=data["date"],
                name=data["name"],
                calendar=data["calendar"],
                kind=data["kind"],
            )
        except SigapError as exc:
            _errors(form, exc)
        else:
            flash.success(request, _("Hari libur %(name)s ditambahkan.") % {"name": data["name"]})
            return redirect(f"{request.path}?year={data['date'].year}")
    if import_form.is_bound and import_form.is_valid():
        wanted = import_form.cleaned_data["year"]
        try:
            added = services.holidays_import(actor=user, years=[wanted])
        except SigapError as exc:
            _errors(import_form, exc)
        else:
            flash.success(
                request,
                _("%(n)s hari libur nasional dan cuti bersama %(year)s ditambahkan.")
                % {"n": added, "year": wanted},
            )
            return redirect(f"{request.path}?year={wanted}")
    holidays = (
        Holiday.objects.filter(date__year=year).select_related("calendar").order_by("date", "name")
    )
    years = sorted({d.year for d in Holiday.objects.dates("date", "year")} | {today.year})
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "web/settings_sla_holidays.html",
        {
            "form": form,
            "import_form": import_form,
            "holidays": holidays,
            "year": year,
            "years": years,
        },
        status=status,
    )


@require_POST
@sla_admin
def sla_holiday_delete(request: HttpRequest, holiday_id: int) -> HttpResponse:
    holiday = get_object_or_404(Holiday, pk=holiday_id)
    year = holiday.date.year
    services.holiday_delete(actor=cast(User, request.user), holiday=holiday)
    flash.success(request, _("Hari libur %(name)s dihapus.") % {"name": holiday.name})
    return redirect(f"{reverse('web:settings_sla_holidays')}?year={year}")


# --- the escalation ladder --------------------------------------------------------------------


@sla_admin
def sla_escalation(request: HttpRequest) -> HttpResponse:
    """The escalation ladder, edited as a whole (``sla.ladder``; admins: it is global)."""
    staff = directory.staff()
    initial = ladder.snapshot()  # its keys are the form's fields (and the level)
    formset = EscalationFormSet(
        request.POST if request.method == "POST" else None,
        initial=initial,
        form_kwargs={"staff": staff},
        prefix="level",
    )
    ladder_errors: list[str] = []
    if request.method == "POST" and formset.is_valid():
        # an untouched blank row has no data; a ticked "delete" drops the level
        kept = [f for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        try:
            ladder.ladder_save(
                actor=cast(User, request.user),
                levels=[f.level() for f in kept],
            )
        except SigapError as exc:
            for key, errors in exc.fields.items():
                number = int(key.removeprefix("level_")) if key.startswith("level_") else 0
                for error in errors:
                    if number:
                        kept[number - 1].add_error(None, error)
                    else:
                        ladder_errors.append(error)
            if not exc.fields:
                ladder_errors.append(exc.message)
        else:
            flash.success(request, _("Tangga eskalasi disimpan."))
            return redirect("web:settings_sla_escalation")
    return render(
        request,
        "web/settings_sla_escalation.html",
        {"formset": formset, "ladder_errors": ladder_errors},
        status=422 if request.method == "POST" else 200,
    )
