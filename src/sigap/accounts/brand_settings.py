"""Changing the business's brands (admins, the settings page ``/settings/brands/``): add
and edit one (name, code, colour, logo, sender, signature, active) and choose the default.
Each change is checked in full before anything is written and audited
(``audit.settings_changed``). Brands are never deleted: tickets keep pointing at them; a
brand no longer used is switched off (not the default one)."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from sigap.accounts import access, audit
from sigap.accounts.business import LOGO_EXTENSIONS, check_logo
from sigap.accounts.models import Brand, User
from sigap.core.errors import Conflict, ValidationFailed

COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$")
SIGNATURE_MAX = 1000


def _snapshot(b: Brand) -> dict[str, Any]:
    return {
        "name": b.name,
        "slug": b.slug,
        "colour": b.colour,
        "logo": b.logo.name or "",
        "sender_name": b.sender_name,
        "sender_email": b.sender_email,
        "signature": b.signature,
        "is_active": b.is_active,
    }


def _errors(
    brand: Brand | None,
    *,
    name: str,
    slug: str,
    colour: str,
    sender_name: str,
    sender_email: str,
    signature: str,
    is_active: bool,
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Nama merek wajib diisi.")]
    elif len(name) > 100:
        errors["name"] = [_("Paling banyak 100 karakter.")]
    if not SLUG.match(slug):
        errors["slug"] = [
            _("Kode: 1–50 huruf kecil, angka atau tanda hubung, tidak diawali atau diakhiri -.")
        ]
    elif Brand.objects.filter(slug=slug).exclude(pk=brand.pk if brand else 0).exists():
        errors["slug"] = [_("Kode %(slug)s sudah dipakai merek lain.") % {"slug": slug}]
    if colour and not COLOUR.match(colour):
        errors["colour"] = [_("Warna ditulis #RRGGBB, mis. #0B6E4F.")]
    if len(sender_name) > 100:
        errors["sender_name"] = [_("Paling banyak 100 karakter.")]
    if sender_email:
        try:
            validate_email(sender_email)
        except ValidationError:
            errors["sender_email"] = [_("Alamat email pengirim tidak sah.")]
    if len(signature) > SIGNATURE_MAX:
        errors["signature"] = [
            _("Tanda tangan paling banyak %(max)s karakter.") % {"max": SIGNATURE_MAX}
        ]
    if brand is not None and brand.is_default and not is_active:
        errors["is_active"] = [_("Merek bawaan tidak dapat dinonaktifkan; pilih bawaan lain dulu.")]
    return errors


def brand_save(
    *,
    actor: User,
    brand: Brand | None,
    name: str,
    slug: str,
    colour: str = "",
    sender_name: str = "",
    sender_email: str = "",
    signature: str = "",
    is_active: bool = True,
    logo: UploadedFile[Any] | None = None,
    remove_logo: bool = False,
) -> Brand:
    """Add a brand (``brand`` None) or change one (admins). Checked whole first: a refused
    field or logo writes nothing, no row and no file."""
    access.require_global_settings(actor)
    name, slug = name.strip(), slug.strip().lower()
    colour, sender_name = colour.strip().upper(), sender_name.strip()
    sender_email, signature = sender_email.strip().lower(), signature.strip()
    errors = _errors(
        brand,
        name=name,
        slug=slug,
        colour=colour,
        sender_name=sender_name,
        sender_email=sender_email,
        signature=signature,
        is_active=is_active,
    )
    if errors:
        raise ValidationFailed(_("Periksa isian yang ditandai."), fields=errors)
    logo_type = check_logo(logo) if logo is not None else ""
    written = ""  # a new logo file, removed again if the change does not commit
    try:
        with transaction.atomic():
            if brand is None:
                b, before = Brand(), None
            else:
                b = Brand.objects.select_for_update().get(pk=brand.pk)
                before = _snapshot(b)
            old_logo = b.logo.name or ""
            b.name, b.slug, b.colour = name, slug, colour
            b.sender_name, b.sender_email, b.signature = sender_name, sender_email, signature
            b.is_active = is_active
            if logo is not None:
                b.logo.save(f"{slug}.{LOGO_EXTENSIONS[logo_type]}", logo, save=False)
                b.logo_type, written = logo_type, b.logo.name or ""
            elif remove_logo:
                b.logo, b.logo_type = "", ""
            b.save()
            audit.settings_changed(
                actor=actor,
                what="brand",
                name=b.name,
                object_id=b.pk,
                before=before,
                after=_snapshot(b),
            )
            if old_logo and old_logo != (b.logo.name or ""):
                storage = b.logo.storage
                transaction.on_commit(lambda: storage.delete(old_logo))
    except BaseException:
        if written:
            Brand._meta.get_field("logo").storage.delete(written)
        raise
    return b


@transaction.atomic
def brand_set_default(*, actor: User, brand: Brand) -> Brand:
    """Make ``brand`` (active) the default one: tickets from channels without a brand,
    and the portal and help centre without ``?brand=``, are the default brand's."""
    access.require_global_settings(actor)
    b = Brand.objects.select_for_update().get(pk=brand.pk)
    if not b.is_active:
        raise Conflict(_("Aktifkan merek %(name)s dulu.") % {"name": b.name})
    if b.is_default:
        return b
    old = Brand.objects.select_for_update().filter(is_default=True).first()
    if old is not None:
        old.is_default = False
        old.save(update_fields=["is_default", "updated_at"])
    b.is_default = True
    b.save(update_fields=["is_default", "updated_at"])
    audit.settings_changed(
        actor=actor,
        what="brand",
        name="default",
        object_id=b.pk,
        before={"default": old.slug if old else ""},
        after={"default": b.slug},
    )
    return b
