"""API tokens made and revoked on the settings page (``/settings/api-tokens/``, admins):
the raw token is shown once, on the page that made it; only its SHA-256 is kept
(``services.token_create``). Each change is a ``settings_changed`` row beside the
``token_created``/``token_revoked`` records of the token's owner."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sigap.accounts import access, audit, services
from sigap.accounts.models import STAFF_ROLES, ApiToken, User, hash_token
from sigap.core.errors import Conflict, ValidationFailed

NAME_MAX = 100


@transaction.atomic
def api_token_create(*, actor: User, user: User | None, name: str) -> tuple[ApiToken, str]:
    """A new token for ``user`` (an active staff account) named ``name``; returns the row
    and the raw token (the only time it exists). Refused with the form's errors and
    nothing made when the name is empty or too long, or the owner is not active staff."""
    access.require_global_settings(actor)
    name = name.strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Nama token wajib diisi (misalnya nama sistem yang memakainya).")]
    elif len(name) > NAME_MAX:
        errors["name"] = [
            _("Nama terlalu panjang: %(n)d karakter, paling banyak %(max)d.")
            % {"n": len(name), "max": NAME_MAX}
        ]
    if user is None or not user.is_active or user.role not in STAFF_ROLES:
        errors["user"] = [_("Pilih akun staf yang aktif.")]
    if errors:
        raise ValidationFailed(_("Token belum dibuat."), fields=errors)
    assert user is not None  # checked above
    raw = services.token_create(user=user, name=name)
    token = ApiToken.objects.get(digest=hash_token(raw))
    audit.settings_changed(
        actor=actor,
        what="api_token",
        name=f"{name} ({token.prefix}…)",
        object_id=token.pk,
        before=None,
        after={"user": user.username, "name": name, "prefix": token.prefix},
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> None:
    """Revoke ``token`` at once (every process forgets its check); a token revoked
    already: ``Conflict``."""
    access.require_global_settings(actor)
    token = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
    if token.revoked_at is not None:
        raise Conflict(_("Token ini sudah dicabut."))
    services.token_revoke(user=token.user, prefix=token.prefix)
    audit.settings_changed(
        actor=actor,
        what="api_token",
        name=f"{token.name} ({token.prefix}…)",
        object_id=token.pk,
        before={"revoked": False},
        after={"revoked": timezone.localtime().isoformat(timespec="minutes")},
    )
