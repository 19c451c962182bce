"""The business this Sigap serves (``Business``, one row): its name, logo and time zone,
and the setup checklist's kept state (skipped steps, dismissed, finished).

Every page of the staff top bar shows the name, so it is kept in memory per process
(``SharedMemo``, reloaded when a save bumps its version), costing no query per page.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from sigap.accounts import access, audit
from sigap.accounts.models import Business, BusinessTimeZone, Role, User
from sigap.core.errors import ValidationFailed
from sigap.core.memo import SharedMemo

PK = 1
LOGO_MAX_BYTES = 1024 * 1024  # 1 MB
LOGO_MAX_SIDE = 4000  # pixels
# Pillow's format name → the type the logo is served with. No SVG: it can carry scripts.
LOGO_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
LOGO_EXTENSIONS = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "image/webp": "webp",
}


@dataclass(frozen=True)
class BusinessInfo:
    """What every page needs (the top bar) and the sign-in redirect reads."""

    name: str
    has_logo: bool
    logo_version: int
    time_zone: str
    setup_open: bool  # the checklist is still to be shown to admins on sign-in
    time_zone_chosen: bool = False  # pages are shown in ``time_zone`` (else the setting's)


NO_BUSINESS = BusinessInfo("", False, 0, BusinessTimeZone.WIB, False)  # not set up yet


def _load() -> BusinessInfo:
    b = Business.objects.filter(pk=PK).first()
    if b is None:
        return NO_BUSINESS
    return BusinessInfo(
        name=b.name,
        has_logo=bool(b.logo),
        logo_version=int(b.updated_at.timestamp()) if b.updated_at else 0,
        time_zone=b.time_zone,
        setup_open=b.setup_open and b.setup_dismissed_at is None and b.setup_completed_at is None,
        time_zone_chosen=b.time_zone_chosen,
    )


memo: SharedMemo[BusinessInfo] = SharedMemo("business", _load)
post_save.connect(memo.invalidate, sender=Business, dispatch_uid="business-memo-save")
post_delete.connect(memo.invalidate, sender=Business, dispatch_uid="business-memo-delete")


def info() -> BusinessInfo:
    return memo.get()


class TimeZoneMiddleware:
    """Pages show times (and forms read them) in the business's time zone once an admin
    chose it on the setup page; until then in ``TIME_ZONE`` (``SIGAP_TIME_ZONE``). No
    query: the business is kept in memory."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        b = memo.get()
        if not b.time_zone_chosen:
            return self.get_response(request)
        with timezone.override(b.time_zone):
            return self.get_response(request)


def get() -> Business:
    """The business row, made on first use."""
    b, _created = Business.objects.get_or_create(pk=PK)
    return b


def locked() -> Business:
    get()
    return Business.objects.select_for_update().get(pk=PK)


def _snapshot(b: Business) -> dict[str, Any]:
    return {"name": b.name, "logo": b.logo.name or "", "time_zone": b.time_zone}


def open_setup_if_new() -> bool:
    """Called by ``createadmin``: on an empty installation (no other staff, no ticket
    yet) the first admin's sign-in opens the setup checklist. Returns whether it did."""
    from django.apps import apps

    staff = User.objects.filter(role__in=[Role.ADMIN, Role.SUPERVISOR, Role.AGENT]).count()
    tickets = apps.get_model("tickets", "Ticket").objects.exists()
    if staff > 1 or tickets:
        return False
    with transaction.atomic():
        b = locked()
        if b.setup_completed_at is not None or b.setup_dismissed_at is not None:
            return False
        b.setup_open = True
        b.save(update_fields=["setup_open", "updated_at"])
    return True


def check_logo(upload: UploadedFile[Any]) -> str:
    """The logo's content type, or ``ValidationFailed`` saying precisely what is wrong."""
    from PIL import Image, UnidentifiedImageError

    size = upload.size or 0
    if size > LOGO_MAX_BYTES:
        msg = _("Logo terlalu besar: %(size)s KB, paling besar %(max)s KB.") % {
            "size": (size + 1023) // 1024,
            "max": LOGO_MAX_BYTES // 1024,
        }
        raise ValidationFailed(msg, fields={"logo": [msg]})
    bad = _("Logo harus berupa gambar PNG, JPEG, GIF atau WebP.")
    try:
        upload.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as img:
                fmt = img.format or ""
                width, height = img.size
                img.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationFailed(bad, fields={"logo": [bad]}) from None
    except Image.DecompressionBombWarning:
        raise ValidationFailed(bad, fields={"logo": [bad]}) from None
    finally:
        upload.seek(0)
    if fmt not in LOGO_FORMATS:
        raise ValidationFailed(bad, fields={"logo": [bad]})
    if width > LOGO_MAX_SIDE or height > LOGO_MAX_SIDE:
        msg = _("Logo terlalu lebar: %(w)s×%(h)s piksel, paling besar %(max)s piksel.") % {
            "w": width,
            "h": height,
            "max": LOGO_MAX_SIDE,
        }
        raise ValidationFailed(msg, fields={"logo": [msg]})
    return LOGO_FORMATS[fmt]


def business_update(
    *,
    actor: User,
    name: str,
    time_zone: str,
    logo: UploadedFile[Any] | None = None,
    remove_logo: bool = False,
) -> Business:
    """Change the business's name, time zone and logo (admins). Checked in full before
    anything is written: a refused logo leaves the name and time zone unchanged too."""
    access.require_global_settings(actor)
    name = name.strip()
    errors: dict[str, list[str]] = {}
    if len(name) > 100:
        errors["name"] = [_("Paling banyak 100 karakter.")]
    if time_zone not in BusinessTimeZone.values:
        errors["time_zone"] = [_("Pilih WIB, WITA atau WIT.")]
    if errors:
        raise ValidationFailed(_("Periksa isian yang ditandai."), fields=errors)
    logo_type = check_logo(logo) if logo is not None else ""
    written = ""  # a new logo file, removed again if the change does not commit
    try:
        with transaction.atomic():
            b = locked()
            before = _snapshot(b)
            old_logo = b.logo.name or ""
            b.name, b.time_zone, b.time_zone_chosen = name, time_zone, True
            if logo is not None:
                b.logo.save(f"logo.{LOGO_EXTENSIONS[logo_type]}", logo, save=False)
                b.logo_type, written = logo_type, b.logo.name or ""
            elif remove_logo:
                b.logo, b.logo_type = "", ""
            b.save()
            audit.settings_changed(
                actor=actor,
                what="business",
                name=b.name or "Sigap",
                object_id=b.pk,
                before=before,
                after=_snapshot(b),
            )
            if old_logo and old_logo != (b.logo.name or ""):
                storage = b.logo.storage
                transaction.on_commit(lambda: storage.delete(old_logo))
    except BaseException:
        if written:
            Business._meta.get_field("logo").storage.delete(written)
        raise
    return b


def setup_skip(*, actor: User, step: str, skipped: bool) -> Business:
    """Mark one checklist step as skipped (or not any more)."""
    access.require_global_settings(actor)
    with transaction.atomic():
        b = locked()
        keys = [k for k in b.setup_skipped if k != step]
        if skipped:
            keys.append(step)
        if keys != b.setup_skipped:
            before = {"skipped": sorted(b.setup_skipped)}
            b.setup_skipped = keys
            b.save(update_fields=["setup_skipped", "updated_at"])
            audit.settings_changed(
                actor=actor,
                what="setup",
                name=step,
                object_id=b.pk,
                before=before,
                after={"skipped": sorted(keys)},
            )
    return b


def setup_dismiss(*, actor: User, dismissed: bool) -> Business:
    """Stop (or start again) sending the admin to the checklist at sign-in; the checklist
    stays open from the settings hub."""
    access.require_global_settings(actor)
    with transaction.atomic():
        b = locked()
        was = b.setup_dismissed_at is not None
        if was != dismissed:
            b.setup_dismissed_at = timezone.now() if dismissed else None
            if not dismissed:
                b.setup_open, b.setup_completed_at = True, None
            b.save(
                update_fields=[
                    "setup_dismissed_at",
                    "setup_open",
                    "setup_completed_at",
                    "updated_at",
                ]
            )
            audit.settings_changed(
                actor=actor,
                what="setup",
                name="dismissed",
                object_id=b.pk,
                before={"dismissed": was},
                after={"dismissed": dismissed},
            )
    return b


def setup_completed() -> None:
    """Every step done or skipped: the sign-in redirect stops (once)."""
    with transaction.atomic():
        b = locked()
        if b.setup_completed_at is None:
            b.setup_completed_at = timezone.now()
            b.save(update_fields=["setup_completed_at", "updated_at"])
