"""Opening a ticket on a customer's behalf (a walk-in, a call, a forwarded email), and
adding a customer, from the workspace.

"Tiket baru" finds the customer as the agent types (name, email or phone in any format)
or takes a new one (name, phone, email). A phone or email that already belongs to a
customer is never stored on another record: the owner is offered instead. A record with
the same name and a near contact is a warning the agent confirms. The new customer and
the ticket are written in one transaction, so a refusal (a team the agent may not open
in, an oversized file) leaves nothing behind and a retry cannot duplicate the customer.
The ticket goes through ``tickets.services.ticket_create`` like the API's: triage, SLA,
automations and hooks all run.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages as flash
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from sigap.accounts import brands
from sigap.accounts.decorators import staff_required
from sigap.accounts.models import Role, Team, User
from sigap.core.errors import PayloadTooLarge, SigapError
from sigap.core.forms import MultipleFileField
from sigap.customers import matching
from sigap.customers.models import Customer
from sigap.customers.services import customer_create
from sigap.tickets import services
from sigap.tickets.access import may_see
from sigap.tickets.attachments import uploads_from
from sigap.tickets.models import Category, Channel, Kind, Priority, Severity, Ticket

NEW = "new"  # the customer choice that means "the new customer typed below"
STAFF_CHANNELS = [(v, label) for v, label in Channel.choices if v != Channel.PORTAL]
# A service error's field as the API names it -> the form's field.
FIELD_NAMES = {"team_id": "team", "assignee_id": "assign_me", "files": "attachments"}


def _optional(choices: list[tuple[Any, Any]], blank: Any) -> list[tuple[Any, Any]]:
    return [("", blank), *((v, label) for v, label in choices if v != "")]


class TicketNewForm(forms.Form):
    channel = forms.ChoiceField(label=_("Saluran"), choices=STAFF_CHANNELS, initial=Channel.PHONE)
    kind = forms.ChoiceField(label=_("Jenis"), choices=Kind.choices, initial=Kind.COMPLAINT)
    subject = forms.CharField(label=_("Subjek"), max_length=255)
    description = forms.CharField(
        label=_("Yang disampaikan pelanggan"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Disimpan sebagai pesan pertama dari pelanggan."),
    )
    category = forms.ChoiceField(
        label=_("Golongan"),
        choices=_optional(Category.choices, _("Biarkan triase menggolongkan")),
        required=False,
    )
    severity = forms.ChoiceField(
        label=_("Tingkat"),
        choices=_optional(Severity.choices, _("Biarkan triase menilai")),
        required=False,
    )
    priority = forms.TypedChoiceField(
        label=_("Prioritas"),
        choices=_optional(Priority.choices, _("Otomatis (matriks prioritas)")),
        coerce=int,
        empty_value=None,
        required=False,
    )
    product = forms.CharField(
        label=_("Produk"),
        required=False,
        max_length=100,
        help_text=_("Sebagaimana bisnis menamainya, mis. “Paket Hemat 10GB”."),
    )
    team = forms.ModelChoiceField(
        label=_("Tim"),
        queryset=Team.objects.none(),
        required=False,
        empty_label=_("Tanpa tim (antrean triase)"),
    )
    assign_me = forms.BooleanField(label=_("Saya tangani sendiri"), required=False)
    brand = forms.ChoiceField(label=_("Merek"), required=False)
    attachments = MultipleFileField(label=_("Lampiran"), required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if brands.several():  # the brand the customer contacted (one brand: not asked)
            choices = [(str(b.id), b.name) for b in brands.active()]
            cast(forms.ChoiceField, self.fields["brand"]).choices = choices
            self.initial.setdefault("brand", str(brands.default_id()))
        else:
            del self.fields["brand"]
        teams = openable_teams(user)
        field = cast(forms.ModelChoiceField, self.fields["team"])  # type: ignore[type-arg]
        field.queryset = teams
        field.error_messages["invalid_choice"] = gettext(
            "Anda tidak dapat membuat tiket di tim itu. Pilih tim Anda atau kosongkan tim."
        )
        if not self.is_bound and user.role == Role.AGENT:
            mine = list(teams[:2])
            if len(mine) == 1:  # an agent of one team opens tickets there by default
                self.initial["team"] = mine[0].pk


class CustomerNewForm(forms.Form):
    name = forms.CharField(label=_("Nama"), max_length=200, required=False)
    phone = forms.CharField(
        label=_("Nomor telepon"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    email = forms.CharField(
        label=_("Email"),
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    confirm_new = forms.BooleanField(
        label=_("Ini orang lain: tetap buat pelanggan baru"), required=False
    )

    def typed(self) -> dict[str, str]:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return {k: str(data.get(k) or "") for k in ("name", "phone", "email")}

    def check(self, *, whatsapp: bool = False, complete: bool = True) -> matching.NewCustomerCheck:
        typed = self.typed()
        return matching.new_customer_check(
            name=typed["name"],
            phone=typed["phone"],
            email=typed["email"],
            whatsapp=whatsapp,
            complete=complete,
        )


def openable_teams(user: User) -> QuerySet[Team]:
    """The teams ``user`` may open a ticket in (``tickets.access.require_may_open_in``):
    an agent their own, supervisors and admins any."""
    teams = Team.objects.order_by("name")
    if user.role == Role.AGENT:
        return teams.filter(members=user)
    return teams


def _apply_errors(exc: SigapError, *targets: forms.Form) -> None:
    """Mark the fields a service error names on the forms that have them."""
    for name, errors in exc.fields.items():
        name = FIELD_NAMES.get(name, name)
        form = next((f for f in targets if name in f.fields), None)
        if form is None:
            continue
        for error in errors:
            form.add_error(name, error)


def _check_new(form: CustomerNewForm, *, whatsapp: bool) -> matching.NewCustomerCheck:
    check = form.check(whatsapp=whatsapp)
    for name, errors in check.errors.items():
        for error in errors:
            form.add_error(name, error)
    if check.similar and not check.taken and not form.cleaned_data.get("confirm_new"):
        form.add_error(
            "confirm_new",
            gettext(
                "Ada pelanggan dengan nama sama dan kontak mirip (lihat di atas). Pilih "
                "pelanggan itu, atau centang ini bila memang orang lain."
            ),
        )
    return check


def _results(q: str, chosen: Customer | None) -> list[Customer]:
    found = matching.search(q)
    if chosen is not None and chosen.pk not in {c.pk for c in found}:
        found.insert(0, chosen)
    return found


def _fill_field(q: str, results: list[Customer]) -> str:
    """When a search for a phone or an email finds nobody, the new customer's field it
    can fill (a button copies it there)."""
    if results or not q:
        return ""
    if "@" in q:
        return "id_new-email"
    return "id_new-phone" if matching.looks_like_phone(q) else ""


def _chosen(value: str) -> Customer | None:
    return matching.active_customer(int(value)) if value.isdigit() else None


@require_http_methods(["GET", "POST"])
@staff_required
def ticket_new(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    source = request.POST if request.method == "POST" else request.GET
    choice = source.get("customer", "")
    chosen = _chosen(choice)
    q = source.get("q", "").strip()[:100]
    if request.method == "GET":
        form = TicketNewForm(user=user)
        new = CustomerNewForm(prefix="new")
        context = {"form": form, "new": new, "choice": str(chosen.pk) if chosen else NEW}
        context.update(q=q, results=_results(q, chosen), check=None)
        return render(request, "web/ticket_new.html", context)

    form = TicketNewForm(request.POST, request.FILES, user=user)
    new = CustomerNewForm(request.POST, prefix="new")
    valid = form.is_valid() & new.is_valid()
    customer_error = ""
    check: matching.NewCustomerCheck | None = None
    if choice.isdigit() and chosen is None:
        customer_error = gettext("Pelanggan itu tidak ditemukan lagi. Cari dan pilih ulang.")
    elif chosen is None and not any(new.typed().values()):
        customer_error = gettext(
            "Pilih pelanggan dari hasil pencarian, atau isi data pelanggan baru."
        )
    elif chosen is None and new.is_valid():
        whatsapp = form.cleaned_data.get("channel") == Channel.WHATSAPP if valid else False
        check = _check_new(new, whatsapp=whatsapp)
    problem = ""
    status = 422
    if valid and not customer_error and not new.errors:
        try:
            ticket = _create(request, user, form.cleaned_data, chosen, new, check)
        except SigapError as exc:
            status = exc.http_status
            if isinstance(exc, PayloadTooLarge):
                form.add_error("attachments", exc.message)
            else:  # the whole sentence on top, the short marks at their fields
                problem = exc.message
                _apply_errors(exc, form, new)
        else:
            return _landing(request, user, ticket)
    results = _results(q, chosen)
    if check is not None:  # the records the new one would duplicate, to pick instead
        known = {c.pk for c in results}
        results = [c for c in check.matches if c.pk not in known] + results
    context = {
        "form": form,
        "new": new,
        "choice": choice if chosen is not None else NEW,
        "q": q,
        "results": results,
        "check": check,
        "customer_error": customer_error,
        "problem": problem,
    }
    return render(request, "web/ticket_new.html", context, status=status)


def _create(
    request: HttpRequest,
    user: User,
    data: dict[str, Any],
    chosen: Customer | None,
    new: CustomerNewForm,
    check: matching.NewCustomerCheck | None,
) -> Ticket:
    uploads = uploads_from(request)  # refused whole before any is read when too big
    # One transaction: a ticket refused after the customer was written takes the
    # customer with it, so a retry does not create them twice.
    with transaction.atomic():
        if chosen is None:
            assert check is not None
            chosen = customer_create(name=new.typed()["name"], contacts=check.contacts)
        return services.ticket_create(
            actor=user,
            customer=chosen,
            kind=data["kind"],
            channel=data["channel"],
            subject=data["subject"],
            description=data["description"],
            category=data["category"],
            severity=data["severity"],
            priority=data["priority"],
            team=data["team"],
            assignee=user if data["assign_me"] else None,
            uploads=uploads,
            brand_id=int(data["brand"]) if data.get("brand") else None,
            product=data["product"],
        )


def _landing(request: HttpRequest, user: User, ticket: Ticket) -> HttpResponse:
    if may_see(user, ticket):
        flash.success(request, gettext("Tiket %(ref)s dibuat.") % {"ref": ticket.reference})
        return redirect("web:ticket", ticket.pk)
    # Routing (triage, a rule) moved it to a team this agent does not work in.
    flash.success(
        request,
        gettext("Tiket %(ref)s dibuat dan diteruskan ke tim lain.") % {"ref": ticket.reference},
    )
    return redirect("web:inbox")


@require_GET
@staff_required
def customer_lookup(request: HttpRequest) -> HttpResponse:
    """The customers matching what the agent types (htmx swaps the list in)."""
    q = request.GET.get("q", "").strip()[:100]
    chosen = _chosen(request.GET.get("customer", ""))
    results = _results(q, chosen)
    context = {
        "q": q,
        "results": results,
        "choice": str(chosen.pk) if chosen else "",
        "fill_field": _fill_field(q, results),
    }
    return render(request, "web/_customer_results.html", context)


@require_GET
@staff_required
def customer_check(request: HttpRequest) -> HttpResponse:
    """As the agent types a new customer's phone or email: who already has it, and who
    looks like the same person."""
    form = CustomerNewForm(request.GET, prefix="new")
    check = None
    if form.is_valid() and any(form.typed().values()):
        check = form.check(complete=False)
    context = {"check": check, "for_ticket": request.GET.get("for") == "ticket"}
    return render(request, "web/_customer_check.html", context)


@require_http_methods(["GET", "POST"])
@staff_required
def customer_new(request: HttpRequest) -> HttpResponse:
    """ "Pelanggan baru": a customer without a ticket yet."""
    if request.method == "GET":
        return render(request, "web/customer_new.html", {"new": CustomerNewForm(prefix="new")})
    new = CustomerNewForm(request.POST, prefix="new")
    check = None
    status = 422
    problem = ""
    if new.is_valid():
        check = _check_new(new, whatsapp=False)
    if check is not None and not new.errors:
        try:
            customer = customer_create(name=new.typed()["name"], contacts=check.contacts)
        except SigapError as exc:
            status = exc.http_status
            problem = exc.message
            _apply_errors(exc, new)
        else:
            flash.success(
                request, gettext("Pelanggan %(name)s ditambahkan.") % {"name": customer.name}
            )
            return redirect("web:customer", customer.pk)
    context = {"new": new, "check": check, "problem": problem}
    return render(request, "web/customer_new.html", context, status=status)
