"""Tags on the settings page (``/settings/tags/``, admins): rename, merge into another,
delete, each with the number of tickets it touches. Agents make tags while tagging
(``services._common._tag_objects``); here an admin tidies them. Each change is audited
(``settings_changed``, what ``tag``) with the tickets' count. A ticket's own timeline is
not written for these (they rename a word, not the ticket's state)."""

from __future__ import annotations

import re

from django.db import transaction
from django.utils.translation import gettext as _

from sigap.accounts import access, audit
from sigap.accounts.models import User
from sigap.core.errors import ValidationFailed
from sigap.tickets.models import Tag, Ticket

NAME_MAX = 50
NAME_RE = re.compile(r"^[-\w]+\Z")  # the SlugField's rule, letters of any script


def _clean(name: str) -> str:
    cleaned = name.strip().lower()
    if not cleaned:
        raise ValidationFailed(_("Nama label wajib diisi."), fields={"name": [_("Wajib diisi.")]})
    if len(cleaned) > NAME_MAX or not NAME_RE.match(cleaned):
        message = _(
            "Nama label hanya huruf, angka, garis bawah dan tanda hubung, tanpa spasi, "
            "paling banyak %(max)d karakter."
        ) % {"max": NAME_MAX}
        raise ValidationFailed(message, fields={"name": [message]})
    return cleaned


def _count(tag: Tag) -> int:
    return Ticket.tags.through.objects.filter(tag_id=tag.pk).count()


@transaction.atomic
def tag_rename(*, actor: User, tag: Tag, name: str) -> Tag:
    """Rename ``tag`` (every ticket carrying it shows the new name). A name another tag
    has: refused (merge them instead)."""
    access.require_global_settings(actor)
    new = _clean(name)
    tag = Tag.objects.select_for_update().get(pk=tag.pk)
    if new == tag.name:
        return tag
    if Tag.objects.filter(name=new).exists():
        message = _("Label %(name)s sudah ada. Untuk menyatukan keduanya, pakai Gabungkan.") % {
            "name": new
        }
        raise ValidationFailed(message, fields={"name": [message]})
    before = tag.name
    tag.name = new
    tag.save(update_fields=["name"])
    audit.settings_changed(
        actor=actor,
        what="tag",
        name=new,
        object_id=tag.pk,
        before={"name": before},
        after={"name": new, "tickets": _count(tag)},
    )
    return tag


@transaction.atomic
def tag_merge(*, actor: User, tag: Tag, into: Tag | None) -> int:
    """Move ``tag``'s tickets to ``into`` (a ticket carrying both keeps one) and delete
    ``tag``. Returns the number of tickets moved."""
    access.require_global_settings(actor)
    if into is None or into.pk == tag.pk:
        message = _("Pilih label lain sebagai tujuan penggabungan.")
        raise ValidationFailed(message, fields={"into": [message]})
    tags = {t.pk: t for t in Tag.objects.select_for_update().filter(pk__in=[tag.pk, into.pk])}
    if len(tags) != 2:
        message = _("Label tujuan tidak ditemukan.")
        raise ValidationFailed(message, fields={"into": [message]})
    through = Ticket.tags.through.objects
    ticket_ids = set(through.filter(tag_id=tag.pk).values_list("ticket_id", flat=True))
    has_into = set(
        through.filter(tag_id=into.pk, ticket_id__in=ticket_ids).values_list("ticket_id", flat=True)
    )
    through.bulk_create(
        [Ticket.tags.through(ticket_id=t, tag_id=into.pk) for t in sorted(ticket_ids - has_into)]
    )
    name = tags[tag.pk].name
    tags[tag.pk].delete()  # its remaining links go with it
    audit.settings_changed(
        actor=actor,
        what="tag",
        name=name,
        object_id=tag.pk,
        before={"name": name, "tickets": len(ticket_ids)},
        after={"merged_into": tags[into.pk].name, "tickets": len(ticket_ids)},
    )
    return len(ticket_ids)


@transaction.atomic
def tag_delete(*, actor: User, tag: Tag) -> int:
    """Delete ``tag`` (it leaves every ticket carrying it). Returns that number of
    tickets."""
    access.require_global_settings(actor)
    tag = Tag.objects.select_for_update().get(pk=tag.pk)
    count, name, pk = _count(tag), tag.name, tag.pk
    tag.delete()
    audit.settings_changed(
        actor=actor,
        what="tag",
        name=name,
        object_id=pk,
        before={"name": name, "tickets": count},
        after=None,
    )
    return count
