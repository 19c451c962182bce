"""Proactive contact pages (supervisors and admins): the campaigns, a new one with the
preview of who will get it, a campaign's counts with queue and cancel; and the public
unsubscribe page of a campaign email's link."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sigap.accounts import brands
from sigap.accounts.decorators import staff_required, supervisor_required
from sigap.accounts.models import User
from sigap.connectors.models import WhatsAppTemplate
from sigap.core.errors import SigapError, ValidationFailed
from sigap.customers.models import LoyaltyTier, Organization
from sigap.relations import campaigns, consent
from sigap.relations.campaigns import Segment
from sigap.relations.models import Campaign, CampaignChannel, Consent, ConsentSource, Purpose
from sigap.tickets.models import Channel
from sigap.web.views.customers import customer_or_404

PAGE_SIZE = 50


class TemplateChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A WhatsApp template, named with its brand's when the business has several (a
    brand's template leaves through that brand's own number)."""

    def label_from_instance(self, obj: WhatsAppTemplate) -> str:
        label = f"{obj.name} ({obj.language})"
        if obj.brand_id is not None and brands.several():
            return f"{label} — {brands.info(obj.brand_id).name}"
        return label


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Nama kampanye"), max_length=200)
    purpose = forms.ChoiceField(label=_("Tujuan"), choices=Purpose.choices)
    channel = forms.ChoiceField(label=_("Saluran"), choices=CampaignChannel.choices)
    template = TemplateChoiceField(
        label=_("Templat WhatsApp (disetujui)"),
        queryset=WhatsAppTemplate.objects.filter(approved=True).order_by("name", "language"),
        required=False,
        empty_label=_("Tidak ada"),
    )
    template_params = forms.CharField(
        label=_("Parameter templat (satu per baris; {nama} = nama depan pelanggan)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    subject = forms.CharField(label=_("Subjek email"), max_length=200, required=False)
    body = forms.CharField(
        label=_("Isi pesan (email dan Telegram; {nama} = nama depan pelanggan)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    tiers = forms.MultipleChoiceField(
        label=_("Tingkat loyalitas"),
        choices=LoyaltyTier.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    organization = forms.ModelChoiceField(
        label=_("Organisasi"),
        queryset=Organization.objects.order_by("name"),
        required=False,
        empty_label=_("Semua"),
    )
    # shown only when the business has several brands (``__init__``)
    brand = forms.TypedChoiceField(
        label=_("Merek"),
        choices=[],
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_(
            "Pelanggan yang pernah punya tiket merek ini. Kosong: semua merek, kecuali "
            "templat WhatsApp milik sebuah merek, yang dikirim ke pelanggan merek itu."
        ),
    )
    ticket_channel = forms.ChoiceField(
        label=_("Pernah menghubungi lewat saluran"),
        choices=[("", _("Semua")), *Channel.choices],
        required=False,
    )
    tag = forms.CharField(label=_("Label tiket"), max_length=50, required=False)
    products = forms.CharField(
        label=_("Produk pada tiketnya (pisahkan koma)"), max_length=1000, required=False
    )
    regions = forms.CharField(
        label=_("Wilayah pelanggan (pisahkan koma)"), max_length=1000, required=False
    )
    contact_after = forms.DateField(
        label=_("Kontak terakhir sesudah"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    contact_before = forms.DateField(
        label=_("Tidak ada kontak sejak"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    customer_ids = forms.CharField(
        label=_("Hanya nomor pelanggan ini (mis. pelanggan sebuah insiden; pisahkan koma)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    send_at = forms.DateTimeField(
        label=_("Kirim mulai (kosong: segera setelah diantrekan)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    rate_per_minute = forms.IntegerField(
        label=_("Batas pesan per menit"), min_value=1, max_value=10_000, initial=60
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if brands.several():
            field = cast(forms.TypedChoiceField, self.fields["brand"])
            field.choices = [("", gettext("Semua merek"))] + [
                (str(b.id), b.name) for b in brands.active()
            ]
        else:
            del self.fields["brand"]

    def clean_customer_ids(self) -> list[int]:
        raw = str(self.cleaned_data.get("customer_ids") or "")
        ids: list[int] = []
        for bit in raw.replace("\n", ",").split(","):
            bit = bit.strip().lstrip("#")
            if not bit:
                continue
            if not bit.isdigit():
                raise ValidationError(
                    gettext("Nomor pelanggan tidak valid: %(value)s.") % {"value": bit[:20]}
                )
            ids.append(int(bit))
        return ids

    def segment(self) -> Segment:
        data = self.cleaned_data
        organization = data.get("organization")
        after, before = data.get("contact_after"), data.get("contact_before")
        return Segment(
            tiers=list(data.get("tiers") or []),
            organization_id=organization.pk if organization is not None else None,
            ticket_channel=data.get("ticket_channel") or "",
            tag=(data.get("tag") or "").strip(),
            contact_after=after.isoformat() if after else "",
            contact_before=before.isoformat() if before else "",
            customer_ids=list(data.get("customer_ids") or []),
            regions=_names(data.get("regions")),
            products=_names(data.get("products")),
            brand_id=data.get("brand"),
        )


def _names(value: object) -> list[str]:
    """A comma-separated list, each name trimmed, empty ones dropped."""
    return [n.strip()[:100] for n in str(value or "").split(",") if n.strip()]


@require_GET
@supervisor_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    rows = list(
        Campaign.objects.select_related("created_by").order_by("-created_at", "-id")[:PAGE_SIZE]
    )
    return render(request, "web/campaigns.html", {"campaigns": rows})


@require_http_methods(["GET", "POST"])
@supervisor_required
def campaign_new(request: HttpRequest) -> HttpResponse:
    """The draft's form; "Pratinjau" shows who would get it, "Simpan" keeps the draft."""
    user = cast(User, request.user)
    form = CampaignForm(request.POST or None)
    shown: campaigns.Preview | None = None
    status = 200
    if request.method == "POST":
        if not form.is_valid():
            status = 422
        else:
            data = form.cleaned_data
            try:
                if request.POST.get("action") == "preview":
                    shown = campaigns.preview(
                        form.segment(),
                        purpose=data["purpose"],
                        channel=data["channel"],
                        template=data.get("template"),
                    )
                else:
                    campaign = campaigns.campaign_create(
                        actor=user,
                        name=data["name"],
                        purpose=data["purpose"],
                        channel=data["channel"],
                        segment=form.segment(),
                        template=data.get("template"),
                        template_params=[
                            p for p in (data.get("template_params") or "").splitlines() if p.strip()
                        ],
                        subject=data.get("subject") or "",
                        body=data.get("body") or "",
                        send_at=data.get("send_at"),
                        rate_per_minute=data["rate_per_minute"],
                    )
                    flash.success(request, gettext("Draf kampanye disimpan."))
                    return redirect("web:campaign", campaign.pk)
            except ValidationFailed as exc:
                for name, errors in (exc.fields or {}).items():
                    for error in errors:
                        form.add_error(name if name in form.fields else None, error)
                if not exc.fields:
                    form.add_error(None, exc.message)
                status = 422
    return render(request, "web/campaign_new.html", {"form": form, "preview": shown}, status=status)


@require_GET
@supervisor_required
def campaign_page(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = get_object_or_404(
        Campaign.objects.select_related("template", "created_by"), pk=campaign_id
    )
    context: dict[str, Any] = {
        "campaign": campaign,
        "counts": campaigns.counts_for(campaign),
        "channel_ready": campaigns.channel_ready(campaign.channel, campaign.template),
    }
    if campaign.status == "draft":
        context["preview"] = campaigns.preview(
            Segment.of(campaign.segment), purpose=campaign.purpose, channel=campaign.channel
        )
    context["recent"] = list(
        campaign.recipients.select_related("customer").order_by("-id")[:PAGE_SIZE]
    )
    return render(request, "web/campaign.html", context)


@require_POST
@supervisor_required
def campaign_action(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    action = request.POST.get("action", "")
    try:
        if action == "queue":
            total = campaigns.campaign_queue(campaign=campaign)
            flash.success(
                request,
                gettext("Kampanye diantrekan untuk %(n)d pelanggan.") % {"n": total},
            )
        elif action == "cancel":
            campaigns.campaign_cancel(campaign=campaign)
            flash.success(request, gettext("Kampanye dibatalkan."))
        else:
            raise ValidationFailed(gettext("Tindakan tidak dikenal."))
    except SigapError as exc:
        flash.error(request, exc.message)
    return redirect("web:campaign", campaign.pk)


@csrf_exempt  # the link is the credential (signed); RFC 8058 one-click POSTs carry no token
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """A campaign email's link: GET asks to confirm (mail scanners follow links), POST
    withdraws consent for the link's purpose."""
    read = consent.read_token(token)
    if read is None:
        raise Http404
    done = False
    if request.method == "POST":
        done = consent.unsubscribe(token) is not None
        if not done:
            raise Http404
    purpose = str(Purpose(read[1]).label)
    return render(request, "web/campaign_unsubscribe.html", {"done": done, "purpose": purpose})


@require_http_methods(["GET", "POST"])
@staff_required
def customer_consent(request: HttpRequest, customer_id: int) -> HttpResponse:
    """The customer's consent to be contacted first, per purpose (with its source and
    time); staff who may see the customer record what the customer told them."""
    user = cast(User, request.user)
    customer = customer_or_404(user, customer_id)
    if request.method == "POST":
        purpose = request.POST.get("purpose", "")
        granted = request.POST.get("granted", "")
        if purpose not in Purpose.values or granted not in ("1", "0"):
            flash.error(request, gettext("Pilih tujuan dan jawaban pelanggan."))
        else:
            consent.consent_set(
                customer=customer,
                purpose=purpose,
                granted=granted == "1",
                source=ConsentSource.AGENT,
                actor=user,
            )
            flash.success(request, gettext("Persetujuan kontak dicatat."))
        return redirect(f"{reverse('web:customer', args=[customer.pk])}#consent")
    recorded = {
        c.purpose: c for c in Consent.objects.filter(customer=customer).select_related("actor")
    }
    rows = [(value, label, recorded.get(value)) for value, label in Purpose.choices]
    return render(request, "web/_customer_consent.html", {"customer": customer, "rows": rows})
