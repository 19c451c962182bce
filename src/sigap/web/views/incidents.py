"""Incidents for supervisors and admins: the detector's suggestions to confirm or dismiss,
the incident record (owner, cause, steps, linked tickets), one answer to all its tickets,
resolving it (its tickets close together), and its report. Agents get the 403 page: an
incident speaks for the company to many customers at once."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages as flash
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from sigap.accounts.decorators import supervisor_required
from sigap.accounts.models import STAFF_ROLES, User
from sigap.core.errors import SigapError
from sigap.relations import incidents
from sigap.relations.models import Incident, IncidentStatus, IncidentTicket
from sigap.tickets.access import visible_tickets
from sigap.tickets.models import Category, Ticket

LIST_LIMIT = 50
TICKETS_SHOWN = 200


def _staff() -> Any:
    return User.objects.filter(is_active=True, role__in=STAFF_ROLES).order_by(
        "first_name", "username"
    )


class OwnerField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_full_name() or obj.username)


class IncidentForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    title = forms.CharField(label=gettext_lazy("Judul"), max_length=200)
    owner = OwnerField(
        label=gettext_lazy("Penanggung jawab"), queryset=User.objects.none(), required=False
    )
    cause = forms.CharField(
        label=gettext_lazy("Penyebab"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    follow_up = forms.CharField(
        label=gettext_lazy("Tindak lanjut"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(OwnerField, self.fields["owner"]).queryset = _staff()


class NewIncidentForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Judul"), max_length=200)
    keywords = forms.CharField(
        label=gettext_lazy("Kata kunci"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("Tiket baru dengan kata-kata ini ditautkan otomatis."),
    )
    category = forms.ChoiceField(
        label=gettext_lazy("Golongan keluhan"), choices=Category.choices, required=False
    )


def _incident(incident_id: int) -> Incident:
    incident = Incident.objects.select_related("owner").filter(pk=incident_id).first()
    if incident is None:
        raise Http404(_("Insiden tidak ditemukan."))
    return incident


def _back(incident: Incident) -> HttpResponse:
    return redirect("web:incident", incident.pk)


def _fail(request: HttpRequest, exc: SigapError) -> None:
    flash.error(request, exc.message)


@require_GET
@supervisor_required
def incident_list(request: HttpRequest) -> HttpResponse:
    """Every suggestion and open incident; the latest resolved and dismissed ones."""
    listed = Incident.objects.select_related("owner").annotate(n_tickets=Count("links"))
    active = list(
        listed.filter(status__in=[IncidentStatus.SUGGESTED, IncidentStatus.OPEN]).order_by(
            "-since", "-id"
        )
    )
    closed = list(
        listed.filter(status__in=[IncidentStatus.RESOLVED, IncidentStatus.DISMISSED]).order_by(
            "-since", "-id"
        )[:LIST_LIMIT]
    )
    return render(
        request,
        "web/incidents.html",
        {
            "suggested": [i for i in active if i.status == IncidentStatus.SUGGESTED],
            "open": [i for i in active if i.status == IncidentStatus.OPEN],
            "closed": closed,
            "form": NewIncidentForm(),
        },
    )


@require_POST
@supervisor_required
def incident_new(request: HttpRequest) -> HttpResponse:
    form = NewIncidentForm(request.POST)
    if not form.is_valid():
        flash.error(request, _("Judul insiden wajib diisi."))
        return redirect("web:incidents")
    try:
        incident = incidents.incident_open(
            actor=cast(User, request.user),
            title=form.cleaned_data["title"],
            keywords=form.cleaned_data["keywords"],
            category=form.cleaned_data["category"],
        )
    except SigapError as exc:
        _fail(request, exc)
        return redirect("web:incidents")
    return _back(incident)


@require_GET
@supervisor_required
def incident_detail(request: HttpRequest, incident_id: int) -> HttpResponse:
    incident = _incident(incident_id)
    links = list(
        IncidentTicket.objects.filter(incident=incident)
        .select_related("ticket__customer")
        .order_by("-ticket_id")[:TICKETS_SHOWN]
    )
    form = IncidentForm(
        initial={
            "version": incident.version,
            "title": incident.title,
            "owner": incident.owner_id,
            "cause": incident.cause,
            "follow_up": incident.follow_up,
        }
    )
    return render(
        request,
        "web/incident.html",
        {
            "incident": incident,
            "report": incidents.report(incident),
            "links": links,
            "tickets_shown": TICKETS_SHOWN,
            "form": form,
            "placeholders": ["{nama}", "{nama_depan}", "{nomor_tiket}"],
        },
    )


@require_GET
@supervisor_required
def incident_report(request: HttpRequest, incident_id: int) -> HttpResponse:
    incident = _incident(incident_id)
    rep = incidents.report(incident)
    return render(
        request,
        "web/incident_report.html",
        {
            "incident": incident,
            "report": rep,
            "duration": incidents.duration_text(rep.duration),
        },
    )


@require_POST
@supervisor_required
def incident_confirm(request: HttpRequest, incident_id: int) -> HttpResponse:
    incident = _incident(incident_id)
    try:
        incidents.incident_confirm(
            actor=cast(User, request.user),
            incident=incident,
            title=request.POST.get("title", ""),
        )
        flash.success(request, _("Insiden dikonfirmasi."))
    except SigapError as exc:
        _fail(request, exc)
    return _back(incident)


@require_POST
@supervisor_required
def incident_dismiss(request: HttpRequest, incident_id: int) -> HttpResponse:
    incident = _incident(incident_id)
    try:
        incidents.incident_dismiss(
            actor=cast(User, request.user),
            incident=incident,
            reason=request.POST.get("reason", ""),
        )
        flash.success(request, _("Dugaan insiden diabaikan."))
    except SigapError as exc:
        _fail(request, exc)
        return _back(incident)
    return redirect("web:incidents")


@require_POST
@supervisor_required
def incident_update(request: HttpRequest, incident_id: int) -> HttpResponse:
    incident = _incident(incident_id)
    form = IncidentForm(request.POST)
    if not form.is_valid():
        flash.error(request, _("Periksa isian insiden: judul wajib diisi."))
        return _back(incident)
    data = form.cleaned_data
    try:
        incidents.incident_update(
            actor=cast(User, request.user),
            incident=incident,
            version=data["version"],
            title=data["title"],
            owner=data["owner"],
            cause=data["cause"],
            follow_up=data["follow_up"],
        )
        flash.success(request, _("Insiden disimpan."))
    except SigapError as exc:
        _fail(request, exc)
    return _back(incident)


@require_POST
@supervisor_required
def incident_step(request: HttpRequest, incident_id: int) -> HttpResponse:
    incident = _incident(incident_id)
    try:
        incidents.incident_step(
            actor=cast(User, request.user), incident=incident, text=request.POST.get("text", "")
        )
    except SigapError as exc:
        _fail(request, exc)
    return _back(incident)


def _ticket_from(user: User, ref: str) -> Ticket | None:
    digits = ref.strip().upper().removeprefix("SGP-").lstrip("0")
    if not digits.isdigit():
        return None
    return visible_tickets(user).filter(pk=int(digits)).first()


@require_POST
@supervisor_required
def incident_link(request: HttpRequest, incident_id: int) -> HttpResponse:
    incident = _incident(incident_id)
    user = cast(User, request.user)
    ticket = _ticket_from(user, request.POST.get("ticket", ""))
    if ticket is None:
        flash.error(request, _("Tiket tidak ditemukan. Tulis nomornya, mis. SGP-000123."))
        return _back(incident)
    try:
        incidents.incident_link(actor=user, incident=incident, ticket=ticket)
        flash.success(request, _("Tiket %(ref)s ditautkan.") % {"ref": ticket.reference})
    except SigapError as exc:
        _fail(request, exc)
    return _back(incident)


@require_POST
@supervisor_required
def incident_unlink(request: HttpRequest, incident_id: int, ticket_id: int) -> HttpResponse:
    incident = _incident(incident_id)
    user = cast(User, request.user)
    ticket = visible_tickets(user).filter(pk=ticket_id).first()
    if ticket is None:
        raise Http404(_("Tiket tidak ditemukan."))
    try:
        incidents.incident_unlink(actor=user, incident=incident, ticket=ticket)
    except SigapError as exc:
        _fail(request, exc)
    return _back(incident)


@require_POST
@supervisor_required
def incident_answer(request: HttpRequest, incident_id: int) -> HttpResponse:
    incident = _incident(incident_id)
    try:
        incidents.incident_answer(
            actor=cast(User, request.user), incident=incident, body=request.POST.get("body", "")
        )
        flash.success(
            request, _("Jawaban dikirim ke setiap tiket, masing-masing lewat salurannya.")
        )
    except SigapError as exc:
        _fail(request, exc)
    return _back(incident)


@require_POST
@supervisor_required
def incident_resolve(request: HttpRequest, incident_id: int) -> HttpResponse:
    incident = _incident(incident_id)
    try:
        incidents.incident_resolve(
            actor=cast(User, request.user), incident=incident, cause=request.POST.get("cause", "")
        )
        flash.success(request, _("Insiden selesai; tiket-tiketnya ditutup bersama."))
    except SigapError as exc:
        _fail(request, exc)
    return _back(incident)
