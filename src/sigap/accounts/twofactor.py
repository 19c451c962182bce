"""Two-factor authentication for staff: a TOTP authenticator app (django-otp), with ten
single-use recovery codes.

* A staff member who has confirmed an authenticator is asked for a code after the
  password, on every new sign-in (``TwoFactorMiddleware`` sends an unverified session to
  ``/masuk/kode/``; the API refuses such a session with 403, and the live-update sockets
  refuse it too: ``needs_code``).
* An admin makes it mandatory per role (``TwoFactorRequirement``); a member of such a role
  without an authenticator is sent to set one up before anything else.
* Wrong codes are throttled by django-otp (growing delays) and recorded in the security
  audit log, as are setting up, turning off, using a recovery code and an admin's reset.
* API tokens are separate credentials and are not asked for a code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast
from urllib.parse import quote

import segno
from django.contrib.sessions.backends.base import SessionBase
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from sigap.accounts import audit
from sigap.accounts.models import (
    STAFF_ROLES,
    Role,
    SecurityKind,
    TwoFactorRequirement,
    User,
)
from sigap.core.apiutil import error_response
from sigap.core.locale import said_in_default_language

RECOVERY_CODES = 10
APP_DEVICE = "Aplikasi autentikator"
RECOVERY_DEVICE = "Kode pemulihan"
DEVICE_SESSION_KEY = "otp_device_id"  # django-otp's key in the session


# What every request asks, kept in the shared cache (Redis across processes) and forgotten
# when a device or a requirement changes (``forget``): no query per page.
ROLES_KEY = "sigap:2fa:required-roles"
CACHE_SECONDS = 3600


def _user_key(user_id: int) -> str:
    return f"sigap:2fa:has-device:{user_id}"


def _required_roles() -> frozenset[str]:
    roles: list[str] | None = cache.get(ROLES_KEY)
    if roles is None:
        roles = list(
            TwoFactorRequirement.objects.filter(required=True).values_list("role", flat=True)
        )
        cache.set(ROLES_KEY, roles, CACHE_SECONDS)
    return frozenset(roles)


def required_for(user: User) -> bool:
    return user.role in STAFF_ROLES and user.role in _required_roles()


def has_authenticator(user: User) -> bool:
    key = _user_key(user.pk)
    has: bool | None = cache.get(key)
    if has is None:
        has = bool(user_has_device(user, confirmed=True))
        cache.set(key, has, CACHE_SECONDS)
    return has


def forget(*_: Any, instance: Any = None, **__: Any) -> None:
    """A device or a requirement changed: drop what the requests remember of it."""
    if isinstance(instance, TwoFactorRequirement):
        cache.delete(ROLES_KEY)
    elif instance is not None and getattr(instance, "user_id", None):
        cache.delete(_user_key(instance.user_id))


def connect() -> None:
    for model in (TOTPDevice, StaticDevice, TwoFactorRequirement):
        name = model.__name__
        post_save.connect(forget, sender=model, dispatch_uid=f"2fa-forget-{name}")
        post_delete.connect(forget, sender=model, dispatch_uid=f"2fa-forget-del-{name}")


def needs_code(user: User, session: SessionBase | dict[str, Any]) -> bool:
    """A staff member with an authenticator whose session has not given a code yet."""
    if not getattr(user, "is_authenticated", False) or user.role not in STAFF_ROLES:
        return False
    if session.get(DEVICE_SESSION_KEY):
        return False
    return has_authenticator(user)


def needs_setup(user: User) -> bool:
    return required_for(user) and not has_authenticator(user)


# --- setting up -------------------------------------------------------------------------------


def pending_device(user: User) -> TOTPDevice:
    """The authenticator being set up (made once, confirmed by the first good code)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    return device or TOTPDevice.objects.create(user=user, name=APP_DEVICE, confirmed=False)


def qr_svg(device: TOTPDevice) -> str:
    """The ``otpauth://`` link as an inline SVG QR code (no remote service)."""
    return str(segno.make(device.config_url, error="m").svg_inline(scale=4, border=2))


def key_text(device: TOTPDevice) -> str:
    """The secret in base32, in groups of four, for typing into an app by hand."""
    from base64 import b32encode

    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


@transaction.atomic
def confirm(request: HttpRequest, user: User, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the authenticator with its first code: the recovery codes (shown once), or
    None when the code is wrong."""
    if not device.verify_token(code.replace(" ", "")):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    for old in TOTPDevice.objects.filter(user=user).exclude(pk=device.pk):
        old.delete()
    codes = new_recovery_codes(user, record=False)
    otp_login(request, device)
    audit.record(SecurityKind.TWOFA_ENABLED, user=user, request=request)
    return codes


def new_recovery_codes(user: User, *, record: bool = True) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_DEVICE, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    if record:
        audit.record(SecurityKind.RECOVERY_REGENERATED, user=user)
    return codes


def remaining_recovery_codes(user: User) -> int:
    count: int = StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
    return count


# --- signing in -------------------------------------------------------------------------------


def verify(request: HttpRequest, user: User, code: str) -> bool:
    """Check a code from the app or a recovery code; on success the session is verified."""
    code = code.replace(" ", "").strip()
    for device in TOTPDevice.objects.filter(user=user, confirmed=True):
        allowed, _ = device.verify_is_allowed()
        if allowed and device.verify_token(code):
            otp_login(request, device)
            return True
    for device in StaticDevice.objects.filter(user=user, confirmed=True):
        allowed, _ = device.verify_is_allowed()
        if not allowed:
            continue
        # spent by its use: only the request whose DELETE removed it gets in (two at once
        # with one code: one of them)
        spent, _ = StaticToken.objects.filter(device=device, token=code.lower()).delete()
        if not spent:
            device.throttle_increment()
            continue
        device.throttle_reset()
        otp_login(request, device)
        audit.record(
            SecurityKind.RECOVERY_USED,
            user=user,
            request=request,
            detail=said_in_default_language(
                gettext_lazy("sisa %(count)d kode"), count=remaining_recovery_codes(user)
            ),
        )
        return True
    audit.record(SecurityKind.TWOFA_FAILED, user=user, request=request)
    return False


def wait_seconds(user: User, device: TOTPDevice | None = None) -> int:
    """How long before another code may be tried after wrong ones (django-otp doubles the
    wait with each: 1, 2, 4, 8 … seconds); 0 when a code may be tried now."""
    now = timezone.now()
    devices = [device] if device is not None else TOTPDevice.objects.filter(user=user)
    waits = [0]
    for each in devices:
        allowed, data = each.verify_is_allowed()
        if not allowed and data and data.get("locked_until"):
            waits.append(max(int((data["locked_until"] - now).total_seconds()) + 1, 1))
    return max(waits)


def refusal(user: User, device: TOTPDevice | None = None) -> str:
    wait = wait_seconds(user, device)
    if wait > 2:  # after several misses; one miss costs a second, not worth a lecture
        return _("Terlalu banyak kode salah. Tunggu %(n)s detik, lalu masukkan kode terbaru.") % {
            "n": wait
        }
    return _("Kode salah atau sudah dipakai. Masukkan kode terbaru dari aplikasi Anda.")


# --- turning off ------------------------------------------------------------------------------


@transaction.atomic
def remove(user: User, *, actor: User | None = None, request: HttpRequest | None = None) -> None:
    """Remove every authenticator and recovery code: the user turning it off (where their
    role allows), or an admin's reset for someone who lost their phone."""
    for device in [*TOTPDevice.objects.filter(user=user), *StaticDevice.objects.filter(user=user)]:
        device.delete()  # one by one: the signals forget the cached answer
    kind = (
        SecurityKind.TWOFA_RESET
        if actor is not None and actor.pk != user.pk
        else SecurityKind.TWOFA_DISABLED
    )
    audit.record(kind, user=user, actor=actor, request=request)


def set_requirement(*, actor: User, role: str, required: bool) -> None:
    if role not in STAFF_ROLES:
        raise ValueError(role)
    before = required_for_role(role)
    TwoFactorRequirement.objects.update_or_create(role=role, defaults={"required": required})
    if before != required:
        audit.record(
            SecurityKind.SETTINGS_CHANGED,
            actor=actor,
            detail=said_in_default_language(
                gettext_lazy("2FA wajib untuk %(role)s")
                if required
                else gettext_lazy("2FA tidak wajib untuk %(role)s"),
                role=Role(role).label,
            ),
            data={"setting": "2fa_required", "role": role, "from": before, "to": required},
        )


def required_for_role(role: str) -> bool:
    return TwoFactorRequirement.objects.filter(role=role, required=True).exists()


# --- enforcement ------------------------------------------------------------------------------

OPEN_PATHS = ("/masuk/kode/", "/keluar/", "/static/", "/i18n/", "/jsi18n/", "/livez", "/healthz")
SETUP_PATHS = ("/akun/2fa/",)


class TwoFactorMiddleware:
    """After django-otp's middleware: a session that owes a code goes to the code page; a
    member of a role that must use 2FA and has none goes to set it up."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        path = request.path
        if getattr(user, "is_authenticated", False) and not path.startswith(OPEN_PATHS):
            staff = cast(User, user)
            if needs_code(staff, request.session):
                return self._refuse(request, "accounts:verify", _("Masukkan kode 2FA dahulu."))
            if not path.startswith(SETUP_PATHS) and needs_setup(staff):
                return self._refuse(
                    request, "accounts:twofactor", _("Peran Anda wajib memakai 2FA; aktifkan dulu.")
                )
        return self.get_response(request)

    @staticmethod
    def _refuse(request: HttpRequest, to: str, message: str) -> HttpResponse:
        if request.path.startswith("/api/"):
            return error_response(403, "two_factor_required", message)
        target = reverse(to)
        if request.method == "GET":
            target += f"?next={quote(request.get_full_path())}"
        return HttpResponseRedirect(target)
