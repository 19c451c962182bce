"""The settings area's People pages: the staff list with the invitation form, and one
person's page (name, role and teams; skills and capacity per channel; a new invitation
link; deactivation with hand-over of their open tickets), and the invitations not yet
accepted (send again, withdraw).

Admins see and change everyone; a supervisor sees the members of the teams they lead,
changes only their skills and capacity (``triage.profiles``), and invites agents into
those teams; the rest is refused by the services (403, ``accounts.access``)."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages as flash
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from sigap.accounts import access, directory, invitations
from sigap.accounts.decorators import settings_required
from sigap.accounts.models import STAFF_ROLES, Invitation, Team, User
from sigap.accounts.services import staff_reactivate, staff_update
from sigap.core.errors import PermissionDenied, ValidationFailed
from sigap.tickets import services as ticket_services
from sigap.tickets.models import OPEN_STATUSES
from sigap.triage import profiles
from sigap.web.people_forms import DeactivateForm, InviteForm, PersonForm, SkillsForm


def _form_errors(form: Form, exc: ValidationFailed) -> None:
    for field, errors in exc.fields.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)
    if not any(exc.message in errors for errors in exc.fields.values()):
        form.add_error(None, exc.message)  # the summary, unless a field says it already


@require_http_methods(["GET", "POST"])
@settings_required
def settings_people(request: HttpRequest) -> HttpResponse:
    actor = cast(User, request.user)
    admin = access.is_settings_admin(actor)
    form = InviteForm(request.POST or None, actor=actor)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            invitation = invitations.staff_invite(
                actor=actor,
                email=data["email"],
                role=data["role"],
                teams=list(data["teams"]),
                first_name=data["first_name"],
                last_name=data["last_name"],
            )
        except ValidationFailed as exc:
            _form_errors(form, exc)
        else:
            flash.success(
                request,
                _("Undangan dikirim ke %(email)s.") % {"email": invitation.email},
            )
            return redirect("web:settings_people")
    people = (
        User.objects.filter(role__in=STAFF_ROLES)
        .select_related("routing")
        .prefetch_related(Prefetch("teams", queryset=Team.objects.order_by("name")))
        .annotate(
            open_n=Count("assigned_tickets", filter=Q(assigned_tickets__status__in=OPEN_STATUSES)),
        )
        .order_by("-is_active", "first_name", "username")
    )
    if not admin:
        people = people.filter(pk__in=_members_of(actor))
    waiting = set(
        Invitation.objects.filter(accepted_at__isnull=True, user__is_active=False).values_list(
            "user_id", flat=True
        )
    )  # a withdrawn invitation still waits: a new one can be sent
    rows = [
        {
            "person": p,
            "state": _state(p, waiting),
            "capacity": profiles.capacity_text(
                (getattr(p, "routing", None) and p.routing.capacity) or {}
            ),
        }
        for p in people
    ]
    return render(
        request,
        "web/settings_people.html",
        {"rows": rows, "form": form, "is_admin": admin},
        status=422 if request.method == "POST" else 200,
    )


def _members_of(actor: User) -> Any:
    return Team.members.through.objects.filter(team__supervisor_id=actor.pk).values("user_id")


def _state(person: User, waiting: set[int]) -> str:
    if person.is_active:
        return _("Aktif")
    if person.pk in waiting:
        return _("Menunggu undangan diterima")
    return _("Nonaktif")


@require_http_methods(["GET", "POST"])
@settings_required
def settings_person(request: HttpRequest, user_id: int) -> HttpResponse:
    actor = cast(User, request.user)
    person = get_object_or_404(User, pk=user_id, role__in=STAFF_ROLES)
    profiles.require_person_settings(actor, person)
    admin = access.is_settings_admin(actor)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    profile = profiles.profile_of(person)
    person_form = PersonForm(
        request.POST if action == "person" else None,
        initial={
            "first_name": person.first_name,
            "last_name": person.last_name,
            "role": person.role,
            "teams": list(person.teams.all()),
        },
    )
    skills_form = SkillsForm(
        request.POST if action == "skills" else None,
        initial={
            "categories": profile.categories,
            "languages": profile.languages,
            "channels": profile.channels,
            "extensions": ", ".join(profiles.extensions_of(person)),
        }
        | {f"capacity_{c}": v for c, v in (profile.capacity or {}).items()},
    )
    colleagues = [(pk, name) for pk, name in directory.staff() if pk != person.pk]
    deactivate_form = DeactivateForm(
        request.POST if action == "deactivate" else None, colleagues=colleagues
    )
    if action:
        done = _act(request, actor, person, action, person_form, skills_form, deactivate_form)
        if done is not None:
            flash.success(request, done)
            return redirect("web:settings_person", user_id=person.pk)
    return render(
        request,
        "web/settings_person.html",
        {
            "person": person,
            "is_admin": admin,
            "person_form": person_form,
            "skills_form": skills_form,
            "deactivate_form": deactivate_form,
            "waiting": not person.is_active and invitations.invited(person),
            "manages_invitation": _manages_invitation(actor, person),
            "open_tickets": ticket_services.open_tickets_of(person),
        },
        status=422 if action else 200,
    )


def _manages_invitation(actor: User, person: User) -> bool:
    try:
        access.require_invitee(actor, person)
    except PermissionDenied:
        return False
    return True


@require_http_methods(["GET", "POST"])
@settings_required
def settings_invitations(request: HttpRequest) -> HttpResponse:
    """The invitations not accepted yet (an admin's all, a supervisor's their teams'
    agents), each with "send again" and "withdraw"."""
    actor = cast(User, request.user)
    if request.method == "POST":
        raw_id = request.POST.get("user", "")
        person = get_object_or_404(
            User, pk=int(raw_id) if raw_id.isdigit() else 0, role__in=STAFF_ROLES
        )
        action = request.POST.get("action", "")
        try:
            if action == "resend":
                invitation = invitations.invitation_resend(actor=actor, user=person)
                flash.success(
                    request, _("Undangan baru dikirim ke %(email)s.") % {"email": invitation.email}
                )
            elif action == "revoke":
                invitations.invitation_revoke(actor=actor, user=person)
                flash.success(
                    request,
                    _("Undangan %(email)s dibatalkan; tautannya tidak berlaku lagi.")
                    % {"email": person.email},
                )
            else:
                flash.error(request, _("Tindakan tidak dikenal."))
        except ValidationFailed as exc:
            flash.error(request, exc.message)
        return redirect("web:settings_invitations")
    rows = [
        {"invitation": i, "state": invitations.state_of(i)} for i in invitations.waiting_for(actor)
    ]
    return render(request, "web/settings_invitations.html", {"rows": rows})


def _act(
    request: HttpRequest,
    actor: User,
    person: User,
    action: str,
    person_form: PersonForm,
    skills_form: SkillsForm,
    deactivate_form: DeactivateForm,
) -> str | None:
    """Carry out one of the page's forms; the message to show, or None (errors on the
    form)."""
    form: Form
    try:
        if action == "person":
            form = person_form
            if form.is_valid():
                data = form.cleaned_data
                staff_update(
                    actor=actor,
                    user=person,
                    role=data["role"],
                    teams=list(data["teams"]),
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                )
                return _("Data %(name)s disimpan.") % {"name": person.username}
        elif action == "skills":
            form = skills_form
            if form.is_valid():
                data = form.cleaned_data
                with transaction.atomic():  # a wrong extension keeps the skills unsaved too
                    profiles.agent_profile_set(
                        actor=actor,
                        user=person,
                        categories=data["categories"],
                        languages=data["languages"],
                        channels=data["channels"],
                        capacity=skills_form.capacity(),
                    )
                    if "extensions" in request.POST:  # an older form: leave them
                        profiles.extensions_set(actor=actor, user=person, raw=data["extensions"])
                return _("Keahlian dan kapasitas %(name)s disimpan.") % {"name": person.username}
        elif action == "deactivate":
            form = deactivate_form
            if form.is_valid():
                to_id = form.cleaned_data["to_user"]
                to_user = User.objects.filter(pk=int(to_id)).first() if to_id else None
                moved = ticket_services.staff_deactivate(actor=actor, user=person, to_user=to_user)
                return _("%(name)s dinonaktifkan; %(n)s tiket terbuka diserahkan.") % {
                    "name": person.username,
                    "n": len(moved),
                }
        elif action == "reactivate":
            staff_reactivate(actor=actor, user=person)
            return _("Akun %(name)s aktif kembali.") % {"name": person.username}
        elif action == "resend":
            invitation = invitations.invitation_resend(actor=actor, user=person)
            return _("Undangan baru dikirim ke %(email)s.") % {"email": invitation.email}
        else:
            form = person_form
            form.add_error(None, _("Tindakan tidak dikenal."))
    except ValidationFailed as exc:
        if action in ("resend", "reactivate"):
            flash.error(request, exc.message)
            return None
        _form_errors(form, exc)
    return None
