"""The brands' settings page (``/settings/brands/``, admins): the list, add and edit a
brand, choose the default, give it channels; and each brand's logo, served publicly
(customers see it in mails, the portal and the help centre). Every write goes through
``accounts.brand_settings`` or ``connectors.services``."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages as flash
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from sigap.accounts import access, brand_settings
from sigap.accounts.business import LOGO_EXTENSIONS
from sigap.accounts.decorators import settings_required
from sigap.accounts.models import Brand, User
from sigap.connectors import services as channel_services
from sigap.connectors.models import ChannelAccount, Mailbox
from sigap.core.errors import SigapError


class BrandForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Nama merek"), max_length=100)
    slug = forms.CharField(
        label=gettext_lazy("Kode"),
        max_length=50,
        help_text=gettext_lazy(
            "Huruf kecil, angka, tanda hubung; dipakai di alamat bantuan: ?brand=kode."
        ),
    )
    colour = forms.CharField(
        label=gettext_lazy("Warna"),
        max_length=7,
        required=False,
        help_text=gettext_lazy("#RRGGBB, mis. #0B6E4F."),
    )
    logo = forms.FileField(
        label=gettext_lazy("Logo"),
        required=False,
        help_text=gettext_lazy("PNG, JPEG, GIF atau WebP, paling besar 1 MB."),
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}),
    )
    remove_logo = forms.BooleanField(label=gettext_lazy("Hapus logo"), required=False)
    sender_name = forms.CharField(
        label=gettext_lazy("Nama pengirim email"), max_length=100, required=False
    )
    sender_email = forms.CharField(
        label=gettext_lazy("Alamat pengirim email"),
        max_length=254,
        required=False,
        help_text=gettext_lazy("Kosong: alamat kotak surat pengirim balasan."),
    )
    signature = forms.CharField(
        label=gettext_lazy("Tanda tangan email"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    is_active = forms.BooleanField(label=gettext_lazy("Aktif"), required=False, initial=True)


def _initial(b: Brand) -> dict[str, Any]:
    return {
        "name": b.name,
        "slug": b.slug,
        "colour": b.colour,
        "sender_name": b.sender_name,
        "sender_email": b.sender_email,
        "signature": b.signature,
        "is_active": b.is_active,
    }


def _show(form: forms.Form, exc: SigapError) -> None:
    for name, errors in exc.fields.items():
        for error in errors:
            form.add_error(name if name in form.fields else None, error)
    if not exc.fields:
        form.add_error(None, exc.message)


def _save(request: HttpRequest, form: BrandForm, brand: Brand | None) -> Brand | None:
    """The form's brand saved through the service, or ``None`` with the errors on it."""
    if not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        return brand_settings.brand_save(
            actor=cast(User, request.user),
            brand=brand,
            name=data["name"],
            slug=data["slug"],
            colour=data["colour"],
            sender_name=data["sender_name"],
            sender_email=data["sender_email"],
            signature=data["signature"],
            is_active=data["is_active"],
            logo=data["logo"] or None,
            remove_logo=data["remove_logo"],
        )
    except SigapError as exc:
        _show(form, exc)
        return None


@settings_required
def settings_brands(request: HttpRequest) -> HttpResponse:
    """The brands, and the form adding one."""
    access.require_global_settings(cast(User, request.user))
    form = BrandForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        saved = _save(request, form, None)
        if saved is not None:
            flash.success(request, _("Merek %(name)s ditambahkan.") % {"name": saved.name})
            return redirect("web:settings_brand", brand_id=saved.pk)
    brands = list(Brand.objects.order_by("-is_default", "name"))
    return render(
        request,
        "web/settings_brands.html",
        {"brands": brands, "form": form},
        status=422 if request.method == "POST" else 200,
    )


@settings_required
def settings_brand(request: HttpRequest, brand_id: int) -> HttpResponse:
    """One brand: its form, making it the default, and its channels."""
    user = cast(User, request.user)
    access.require_global_settings(user)
    brand = get_object_or_404(Brand, pk=brand_id)
    form = BrandForm(request.POST or None, request.FILES or None, initial=_initial(brand))
    action = request.POST.get("action", "save")
    page_errors: list[str] = []
    if request.method == "POST":
        try:
            if action == "default":
                brand_settings.brand_set_default(actor=user, brand=brand)
                flash.success(request, _("%(name)s kini merek bawaan.") % {"name": brand.name})
                return redirect("web:settings_brand", brand_id=brand.pk)
            if action == "channels":
                channel_services.brand_channels_set(
                    actor=user,
                    brand=brand,
                    mailbox_ids=[int(v) for v in request.POST.getlist("mailbox") if v.isdigit()],
                    providers=request.POST.getlist("channel"),
                )
                flash.success(request, _("Saluran merek %(name)s disimpan.") % {"name": brand.name})
                return redirect("web:settings_brand", brand_id=brand.pk)
        except SigapError as exc:
            page_errors = [e for errors in exc.fields.values() for e in errors] or [exc.message]
        else:
            saved = _save(request, form, brand)
            if saved is not None:
                flash.success(request, _("Merek %(name)s disimpan.") % {"name": saved.name})
                return redirect("web:settings_brand", brand_id=saved.pk)
        if action != "save":
            form = BrandForm(initial=_initial(brand))
    own = {a.provider: a for a in ChannelAccount.objects.filter(brand=brand)}
    return render(
        request,
        "web/settings_brand.html",
        {
            "brand": brand,
            "form": form,
            "page_errors": page_errors,
            "mailboxes": list(Mailbox.objects.select_related("brand").order_by("name")),
            # the brand's own WhatsApp number, Telegram bot, Meta page (channels' page)
            "channels": [(spec, own.get(key)) for key, spec in channel_services.CHANNELS.items()],
        },
        status=422 if request.method == "POST" else 200,
    )


@require_GET
def brand_logo(request: HttpRequest, slug: str) -> HttpResponse:
    """A brand's logo, public (mails, the portal, the help centre show it); only a checked
    image type is ever served, never a switched-off brand's."""
    b = Brand.objects.filter(slug=slug, is_active=True).first()
    if b is None or not b.logo or b.logo_type not in LOGO_EXTENSIONS:
        raise Http404
    try:
        with b.logo.open("rb") as fh:
            content = fh.read()  # at most LOGO_MAX_BYTES
    except FileNotFoundError:
        raise Http404 from None
    response = HttpResponse(content, content_type=b.logo_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'"
    response["Cache-Control"] = "public, max-age=3600"
    return response
