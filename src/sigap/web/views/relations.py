"""The whole customer: their stream of interactions, their editable profile, and the
organizations customers belong to."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages as flash
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sigap.accounts import audit
from sigap.accounts.decorators import staff_required, supervisor_required
from sigap.accounts.models import Role, SecurityKind, User
from sigap.core.errors import PermissionDenied, SigapError, ValidationFailed
from sigap.core.locale import said_in_default_language
from sigap.customers import services
from sigap.customers.models import (
    ContactKind,
    Customer,
    CustomerKind,
    Language,
    LoyaltyTier,
    Organization,
    OrganizationKind,
    Temperament,
)
from sigap.relations import loyalty
from sigap.relations.models import Programme, RewardPool, Voucher
from sigap.relations.stream import customer_stream
from sigap.tickets.access import visible_tickets
from sigap.web.views.customers import customer_or_404

TIME_ZONES = [
    ("", _("Zona waktu perusahaan")),
    ("Asia/Jakarta", "WIB"),
    ("Asia/Makassar", "WITA"),
    ("Asia/Jayapura", "WIT"),
]


class CustomerProfileForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    name = forms.CharField(label=_("Nama"), max_length=200)
    kind = forms.ChoiceField(label=_("Jenis pelanggan"), choices=CustomerKind.choices)
    temperament = forms.ChoiceField(
        label=_("Temperamen"), choices=Temperament.choices, required=False
    )
    loyalty_tier = forms.ChoiceField(label=_("Tingkat loyalitas"), choices=LoyaltyTier.choices)
    birthday = forms.DateField(
        label=_("Tanggal lahir"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    preferred_channel = forms.ChoiceField(
        label=_("Saluran pilihan"),
        choices=[("", _("Tidak ada")), *ContactKind.choices],
        required=False,
    )
    preferred_language = forms.ChoiceField(
        label=_("Bahasa pilihan"), choices=Language.choices, required=False
    )
    time_zone = forms.ChoiceField(label=_("Zona waktu"), choices=TIME_ZONES, required=False)
    region = forms.CharField(
        label=_("Wilayah (mis. provinsi atau kota)"), max_length=100, required=False
    )
    organization = forms.ModelChoiceField(
        label=_("Organisasi"),
        queryset=Organization.objects.order_by("name"),
        required=False,
        empty_label=_("Tidak ada"),
    )
    notes = forms.CharField(
        label=_("Catatan"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ContactForm(forms.Form):
    kind = forms.ChoiceField(label=_("Jenis kontak"), choices=ContactKind.choices)
    value = forms.CharField(label=_("Kontak"), max_length=254, required=False)
    is_primary = forms.BooleanField(label=_("Utama"), required=False)


ContactFormSet = forms.formset_factory(ContactForm, extra=2, max_num=20)


def _profile_initial(customer: Customer) -> dict[str, Any]:
    return {
        "version": customer.version,
        "name": customer.name,
        "kind": customer.kind,
        "temperament": customer.temperament,
        "loyalty_tier": customer.loyalty_tier,
        "birthday": customer.birthday,
        "preferred_channel": customer.preferred_channel,
        "preferred_language": customer.preferred_language,
        "time_zone": customer.time_zone,
        "region": customer.region or "",
        "organization": customer.organization_id,
        "notes": customer.notes,
    }


@require_http_methods(["GET", "POST"])
@staff_required
def customer_edit(request: HttpRequest, customer_id: int) -> HttpResponse:
    """The customer's profile and contacts, every change recorded (who, when, before →
    after) and shown in their stream."""
    user = cast(User, request.user)
    customer = customer_or_404(user, customer_id)
    contacts = [
        {"kind": c.kind, "value": c.value, "is_primary": c.is_primary}
        for c in customer.contacts.all()
    ]
    if request.method == "GET":
        form = CustomerProfileForm(initial=_profile_initial(customer))
        formset = ContactFormSet(initial=contacts, prefix="contact")
        return render(
            request,
            "web/customer_edit.html",
            {"customer": customer, "form": form, "formset": formset},
        )
    form = CustomerProfileForm(request.POST)
    formset = ContactFormSet(request.POST, prefix="contact")
    problem = ""
    status = 422
    if form.is_valid() and formset.is_valid():
        data = form.cleaned_data
        organization = data["organization"]
        changes = {
            "name": data["name"],
            "kind": data["kind"],
            "temperament": data["temperament"],
            "loyalty_tier": data["loyalty_tier"],
            "birthday": data["birthday"],
            "preferred_channel": data["preferred_channel"],
            "preferred_language": data["preferred_language"],
            "time_zone": data["time_zone"],
            "region": data["region"],
            "organization_id": organization.pk if organization else None,
            "notes": data["notes"],
        }
        wanted = [
            services.ContactIn(kind=row["kind"], value=row["value"], is_primary=row["is_primary"])
            for row in formset.cleaned_data
            if row and row.get("value", "").strip()
        ]
        try:
            services.customer_update(
                customer=customer,
                version=data["version"],
                changes=changes,
                contacts=wanted,
                actor=user,
            )
        except SigapError as exc:
            status = exc.http_status
            problem = exc.message
            for name, errors in exc.fields.items():
                target = "organization" if name == "organization_id" else name
                if target in form.fields:
                    for error in errors:
                        form.add_error(target, error)
        else:
            flash.success(request, gettext("Profil pelanggan disimpan."))
            return redirect("web:customer", customer.pk)
    context = {"customer": customer, "form": form, "formset": formset, "problem": problem}
    return render(request, "web/customer_edit.html", context, status=status)


@require_GET
@staff_required
def customer_stream_part(request: HttpRequest, customer_id: int) -> HttpResponse:
    """The next (older) page of a customer's stream, for the page's "older" button."""
    user = cast(User, request.user)
    customer = customer_or_404(user, customer_id)
    try:
        page = customer_stream(user, customer.pk, before=request.GET.get("before") or None)
    except SigapError as exc:
        return HttpResponse(exc.message, status=exc.http_status)
    return render(request, "web/_customer_stream.html", {"customer": customer, "stream": page})


class OrganizationForm(forms.Form):
    name = forms.CharField(label=_("Nama"), max_length=200)
    kind = forms.ChoiceField(label=_("Jenis"), choices=OrganizationKind.choices)
    loyalty_tier = forms.ChoiceField(label=_("Tingkat loyalitas"), choices=LoyaltyTier.choices)
    account_owner = forms.ModelChoiceField(
        label=_("Pemilik akun"),
        queryset=User.objects.filter(is_active=True)
        .exclude(role=Role.CUSTOMER)
        .order_by("username"),
        required=False,
        empty_label=_("Belum ada"),
    )
    shared_visibility = forms.BooleanField(
        label=_("Anggota saling melihat tiket di portal"), required=False
    )
    notes = forms.CharField(
        label=_("Catatan"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        owner = data["account_owner"]
        return {
            "name": data["name"],
            "kind": data["kind"],
            "loyalty_tier": data["loyalty_tier"],
            "account_owner_id": owner.pk if owner else None,
            "shared_visibility": data["shared_visibility"],
            "notes": data["notes"],
        }


def _form_errors(form: forms.Form, exc: SigapError) -> None:
    for name, errors in exc.fields.items():
        target = name.removesuffix("_id")
        if target in form.fields:
            for error in errors:
                form.add_error(target, error)


@require_http_methods(["GET", "POST"])
@staff_required
def organization_list(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    form = OrganizationForm(request.POST or None, initial={"kind": OrganizationKind.BUSINESS})
    problem = ""
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                organization = services.organization_create(actor=user, **form.changes())
            except SigapError as exc:
                status = exc.http_status
                problem = exc.message
                _form_errors(form, exc)
            else:
                flash.success(
                    request, gettext("Organisasi %(name)s dibuat.") % {"name": organization.name}
                )
                return redirect("web:organization", organization.pk)
    organizations = (
        Organization.objects.select_related("account_owner")
        .annotate(n_members=Count("members"))
        .order_by("name")[:200]
    )
    context = {"organizations": organizations, "form": form, "problem": problem}
    return render(request, "web/organizations.html", context, status=status)


@require_http_methods(["GET", "POST"])
@staff_required
def organization_page(request: HttpRequest, organization_id: int) -> HttpResponse:
    """An organization: its profile, its members, and their tickets together."""
    user = cast(User, request.user)
    organization = get_object_or_404(
        Organization.objects.select_related("account_owner"), pk=organization_id
    )
    initial = {
        "name": organization.name,
        "kind": organization.kind,
        "loyalty_tier": organization.loyalty_tier,
        "account_owner": organization.account_owner_id,
        "shared_visibility": organization.shared_visibility,
        "notes": organization.notes,
    }
    form = OrganizationForm(request.POST or None, initial=initial)
    problem = ""
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                services.organization_update(
                    actor=user,
                    organization=organization,
                    version=int(request.POST.get("version", "0") or 0),
                    changes=form.changes(),
                )
            except SigapError as exc:
                status = exc.http_status
                problem = exc.message
                _form_errors(form, exc)
            else:
                flash.success(request, gettext("Organisasi disimpan."))
                return redirect("web:organization", organization.pk)
    members = organization.members.filter(merged_into__isnull=True).order_by("name")[:500]
    tickets = (
        visible_tickets(user)
        .filter(customer__organization=organization)
        .select_related("customer", "team", "assignee")
        .order_by("-pk")[:100]
    )
    context = {
        "organization": organization,
        "form": form,
        "members": members,
        "tickets": tickets,
        "problem": problem,
    }
    return render(request, "web/organization.html", context, status=status)


@require_POST
@staff_required
def organization_member(request: HttpRequest, organization_id: int) -> HttpResponse:
    """Adds a customer (by email, phone or number) to the organization, or removes one."""
    user = cast(User, request.user)
    organization = get_object_or_404(Organization, pk=organization_id)
    remove = request.POST.get("remove", "")
    if remove.isdigit():
        customer = customer_or_404(user, int(remove))
        if customer.organization_id == organization.pk:
            services.organization_set_member(actor=user, customer=customer, organization=None)
            flash.success(
                request, gettext("%(name)s dikeluarkan dari organisasi.") % {"name": customer.name}
            )
        return redirect("web:organization", organization.pk)
    who = request.POST.get("customer", "").strip()
    found = services.customer_by_reference(who)
    if found is None:
        flash.error(
            request,
            gettext(
                "Pelanggan %(who)s tidak ditemukan (isi email, nomor telepon atau nomor pelanggan)."
            )
            % {"who": who or "—"},
        )
        return redirect("web:organization", organization.pk)
    services.organization_set_member(actor=user, customer=found, organization=organization)
    flash.success(request, gettext("%(name)s ditambahkan ke organisasi.") % {"name": found.name})
    return redirect("web:organization", organization.pk)


# --- loyalty ------------------------------------------------------------------------------


class PointsForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Jenis"),
        choices=[
            ("manual", _("Pemberian manual")),
            ("adjustment", _("Koreksi")),
            ("redemption", _("Penukaran")),
        ],
    )
    points = forms.IntegerField(label=_("Poin (negatif untuk mengurangi)"))
    reason = forms.CharField(label=_("Alasan"), max_length=300)


class OverrideForm(forms.Form):
    tier = forms.ChoiceField(label=_("Tingkat"), choices=LoyaltyTier.choices)
    reason = forms.CharField(label=_("Alasan"), max_length=300)
    until = forms.DateField(
        label=_("Berlaku sampai (kosong: tetap)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class IssueForm(forms.Form):
    pool = forms.ModelChoiceField(label=_("Kumpulan voucher"), queryset=RewardPool.objects.all())


def _loyalty_context(customer: Customer) -> dict[str, Any]:
    return {
        "balance": loyalty.balance(customer.pk),
        "computed_tier": LoyaltyTier(loyalty.computed_tier(customer)).label,
        "override": loyalty.active_override(customer.pk, timezone.localdate()),
        "vouchers": Voucher.objects.filter(issued_to=customer)
        .select_related("pool")
        .order_by("-issued_at")[:20],
        "points_form": PointsForm(prefix="points"),
        "override_form": OverrideForm(prefix="override"),
        "issue_form": IssueForm(prefix="issue"),
    }


@require_http_methods(["GET", "POST"])
@staff_required
def customer_loyalty(request: HttpRequest, customer_id: int) -> HttpResponse:
    """The customer's points, tier and vouchers; award or take points, set the tier by hand
    (supervisors), give a voucher."""
    user = cast(User, request.user)
    customer = customer_or_404(user, customer_id)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "points":
                form = PointsForm(request.POST, prefix="points")
                if not form.is_valid():
                    raise ValidationFailed(gettext("Periksa jumlah poin dan alasannya."))
                loyalty.post_points(customer=customer, actor=user, **form.cleaned_data)
                flash.success(request, gettext("Poin dicatat."))
            elif action == "override":
                override = OverrideForm(request.POST, prefix="override")
                if not override.is_valid():
                    raise ValidationFailed(gettext("Periksa tingkat dan alasannya."))
                loyalty.override_tier(actor=user, customer=customer, **override.cleaned_data)
                flash.success(request, gettext("Tingkat loyalitas ditetapkan."))
            elif action == "issue":
                issue = IssueForm(request.POST, prefix="issue")
                if not issue.is_valid():
                    raise ValidationFailed(gettext("Pilih kumpulan voucher."))
                voucher, _created = loyalty.issue_voucher(
                    pool=issue.cleaned_data["pool"], customer=customer, reason="manual"
                )
                flash.success(
                    request, gettext("Voucher %(code)s diberikan.") % {"code": voucher.code}
                )
            else:
                raise ValidationFailed(gettext("Tindakan tidak dikenal."))
        except SigapError as exc:
            flash.error(request, exc.message)
        return redirect(f"{reverse('web:customer', args=[customer.pk])}#loyalty")
    return render(
        request,
        "web/_customer_loyalty.html",
        {"customer": customer, **_loyalty_context(customer)},
    )


class ProgrammeForm(forms.ModelForm[Programme]):
    class Meta:
        model = Programme
        fields = [
            "active",
            "rupiah_per_point",
            "expiry_months",
            "window_months",
            "basis",
            "silver_from",
            "gold_from",
            "platinum_from",
            "hysteresis_percent",
            "birthday_pool",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        silver, gold, platinum = (
            data.get(k) for k in ("silver_from", "gold_from", "platinum_from")
        )
        if None not in (silver, gold, platinum) and not silver < gold < platinum:  # type: ignore[operator]
            raise forms.ValidationError(
                gettext("Ambang tingkat harus naik: Silver < Gold < Platinum.")
            )
        return data


@require_http_methods(["GET", "POST"])
@supervisor_required
def loyalty_settings(request: HttpRequest) -> HttpResponse:
    """The programme's rules (admins), the reward pools (codes imported or generated) and
    the purchases' CSV import (supervisors and admins)."""
    user = cast(User, request.user)
    programme = loyalty.programme()
    form = ProgrammeForm(instance=programme)
    report = None
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "programme":
                if user.role != Role.ADMIN:
                    raise PermissionDenied(gettext("Hanya admin yang dapat mengubah program."))
                form = ProgrammeForm(request.POST, instance=programme)
                if not form.is_valid():
                    raise ValidationFailed(gettext("Program belum disimpan; periksa isiannya."))
                before = {f: getattr(loyalty.programme(), f) for f in form.changed_data}
                form.save()
                audit.record(
                    SecurityKind.SETTINGS_CHANGED,
                    actor=user,
                    detail=said_in_default_language(gettext_lazy("program loyalitas")),
                    data={
                        "changes": {
                            f: [str(before.get(f)), str(form.cleaned_data.get(f))]
                            for f in form.changed_data
                        }
                    },
                )
                flash.success(request, gettext("Program loyalitas disimpan."))
                return redirect("web:loyalty_settings")
            if action == "pool":
                name = request.POST.get("name", "").strip()
                if not name:
                    raise ValidationFailed(gettext("Nama kumpulan voucher wajib diisi."))
                value = int(request.POST.get("value") or 0)
                pool, _created = RewardPool.objects.get_or_create(
                    name=name, defaults={"value": max(value, 0)}
                )
                codes = request.POST.get("codes", "")
                upload = request.FILES.get("codes_file")
                if upload is not None:
                    codes += "\n" + upload.read(5_000_000).decode("utf-8", "replace")
                report = loyalty.import_codes(pool, codes) if codes.strip() else None
                count = int(request.POST.get("generate") or 0)
                if count:
                    loyalty.generate_codes(pool, count, prefix=request.POST.get("prefix", ""))
                flash.success(request, gettext("Kumpulan %(name)s disimpan.") % {"name": name})
            elif action == "purchases":
                upload = request.FILES.get("purchases_file")
                text = request.POST.get("purchases", "")
                if upload is not None:
                    text = upload.read(5_000_000).decode("utf-8", "replace")
                report = loyalty.import_purchases(text, actor=user)
            else:
                raise ValidationFailed(gettext("Tindakan tidak dikenal."))
        except (SigapError, ValueError) as exc:
            status = getattr(exc, "http_status", 422)
            flash.error(request, getattr(exc, "message", gettext("Angka tidak valid.")))
    pools = RewardPool.objects.annotate(
        n_codes=Count("vouchers"),
        n_free=Count("vouchers", filter=Q(vouchers__issued_to__isnull=True)),
        n_redeemed=Count("vouchers", filter=Q(vouchers__redeemed_at__isnull=False)),
    ).order_by("name")
    context = {
        "form": form,
        "pools": pools,
        "report": report,
        "may_edit_programme": user.role == Role.ADMIN,
    }
    return render(request, "web/loyalty_settings.html", context, status=status)
