"""Outgoing webhooks set up on the settings page (``/settings/webhooks/``, admins): add,
change, switch off, delete, a new signing secret, and a test delivery. Each change is
checked whole first (nothing saved on a refusal) and audited (``settings_changed``, what
``webhook``; the secret by name only, never its value).

The events a webhook may subscribe to are the tickets' timeline kinds and
``catalogue.EVENTS``; this app sits below tickets, so the caller passes the names it
offers (``known``)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sigap.accounts import access, audit
from sigap.accounts.models import User
from sigap.core.errors import Conflict, ValidationFailed
from sigap.webhooks import outbox
from sigap.webhooks.models import Webhook, new_secret

NAME_MAX = 100
URL_MAX = 500
TEST_EVENT = "ping"


def _snapshot(hook: Webhook) -> dict[str, Any]:
    return {
        "name": hook.name,
        "url": hook.url,
        "events": ", ".join(hook.events) or "*",
        "active": hook.active,
    }


def _check(name: str, url: str, events: Sequence[str], known: Collection[str]) -> None:
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Nama wajib diisi.")]
    elif len(name) > NAME_MAX:
        errors["name"] = [
            _("Nama terlalu panjang: %(n)d karakter, paling banyak %(max)d.")
            % {"n": len(name), "max": NAME_MAX}
        ]
    if not url:
        errors["url"] = [_("Alamat wajib diisi.")]
    elif len(url) > URL_MAX:
        errors["url"] = [_("Alamat terlalu panjang (paling banyak %(max)d).") % {"max": URL_MAX}]
    else:
        try:
            URLValidator(schemes=["https", "http"])(url)
        except ValidationError:
            errors["url"] = [_("Alamat harus URL lengkap, misalnya https://contoh.id/sigap.")]
    unknown = [e for e in events if e not in known]
    if unknown:
        errors["events"] = [
            _("Peristiwa tidak dikenal: %(names)s.") % {"names": ", ".join(sorted(unknown))}
        ]
    if errors:
        raise ValidationFailed(_("Webhook belum disimpan."), fields=errors)


@transaction.atomic
def webhook_save(
    *,
    actor: User,
    webhook: Webhook | None,
    name: str,
    url: str,
    events: Sequence[str],
    active: bool,
    known: Collection[str],
) -> Webhook:
    """Add (``webhook`` None, with a new secret) or change a webhook. ``events`` empty:
    every event."""
    access.require_global_settings(actor)
    name, url = name.strip(), url.strip()
    chosen = sorted(set(events))
    _check(name, url, chosen, known)
    if webhook is None:
        hook = Webhook.objects.create(name=name, url=url, events=chosen, active=active)
        before = None
    else:
        hook = Webhook.objects.select_for_update().get(pk=webhook.pk)
        before = _snapshot(hook)
        hook.name, hook.url, hook.events, hook.active = name, url, chosen, active
        hook.save(update_fields=["name", "url", "events", "active"])
    audit.settings_changed(
        actor=actor,
        what="webhook",
        name=hook.name,
        object_id=hook.pk,
        before=before,
        after=_snapshot(hook),
    )
    return hook


@transaction.atomic
def webhook_secret_rotate(*, actor: User, webhook: Webhook) -> Webhook:
    """A new signing secret (the receiver must take it: deliveries sign with it at once)."""
    access.require_global_settings(actor)
    hook = Webhook.objects.select_for_update().get(pk=webhook.pk)
    hook.secret = new_secret()
    hook.save(update_fields=["secret"])
    audit.settings_changed(
        actor=actor,
        what="webhook",
        name=hook.name,
        object_id=hook.pk,
        before={"secret": "(lama)"},
        after={"secret": "(baru)"},
    )
    return hook


@transaction.atomic
def webhook_delete(*, actor: User, webhook: Webhook) -> None:
    """Delete the webhook and its delivery log."""
    access.require_global_settings(actor)
    hook = Webhook.objects.select_for_update().get(pk=webhook.pk)
    before = _snapshot(hook)
    pk = hook.pk
    hook.delete()
    audit.settings_changed(
        actor=actor, what="webhook", name=before["name"], object_id=pk, before=before, after=None
    )


def webhook_test(*, actor: User, webhook: Webhook) -> None:
    """One ``ping`` delivery to the webhook (signed and retried like any other; its row
    shows on the page). A switched-off webhook: ``Conflict``."""
    access.require_global_settings(actor)
    if not Webhook.objects.filter(pk=webhook.pk, active=True).exists():
        raise Conflict(_("Webhook ini tidak aktif: aktifkan dulu untuk mengirim uji."))
    with transaction.atomic():
        outbox.record_for(
            webhook.pk,
            TEST_EVENT,
            {"test": True, "at": timezone.now().isoformat(), "by": actor.username},
        )
