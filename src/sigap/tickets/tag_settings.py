"""Tags on the settings page (``/settings/tags/``, admins): rename, merge into another,
delete, each with the number of tickets it touches. Agents make tags while tagging
(``services._common._tag_objects``); here an admin tidies them. Each change is audited
once (``settings_changed``, what ``tag``: before → after, with the tickets' count and
what was rewritten).

A rename or a merge carries the old name over: the macros that add it, and whatever
other app keeps tag names (automation rules' "add tag" actions, saved views' tag filter:
the ``hooks.TagRenamed`` handlers) name the new one, so they go on working; each affected
ticket's timeline gets one "tags" entry saying so, inserted in bulk
(``events.tag_renamed_events``). Routing rules name no tags (their conditions are
channels, categories, keywords …), so there is nothing of theirs to rewrite."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import npgettext

from sigap.accounts import access, audit
from sigap.accounts.models import User
from sigap.core.errors import ValidationFailed
from sigap.tickets import events, hooks
from sigap.tickets.models import CannedResponse, Tag, Ticket

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


@dataclass(frozen=True)
class TagChange:
    """What a rename or a merge did: the tag's name now, the tickets carrying the old
    one, and what naming it was rewritten (macros, automation rules, saved views)."""

    name: str
    tickets: int
    rewritten: tuple[hooks.Rewritten, ...]

    @property
    def rules(self) -> int:
        return sum(r.count for r in self.rewritten)

    def summary(self) -> str:
        """For the admin's confirmation, e.g. "2 aturan otomasi, 1 tampilan tersimpan"."""
        done = [f"{r.count} {r.label}" for r in self.rewritten if r.count]
        return ", ".join(done) if done else _("tidak ada aturan atau tampilan yang memakainya")


def _macros_renamed(old: str, new: str) -> hooks.Rewritten:
    """The macros (canned responses) that add ``old`` add ``new``: one read of those that
    may name it, one UPDATE."""
    changed = []
    for macro in (
        CannedResponse.objects.select_for_update()
        .filter(add_tags__icontains=old)
        .only("pk", "add_tags")
    ):
        names = [t.strip() for t in macro.add_tags.split(",") if t.strip()]
        if old not in (n.lower() for n in names):
            continue  # another tag that contains the old name
        renamed = [new if n.lower() == old else n for n in names]
        macro.add_tags = ", ".join(dict.fromkeys(renamed))
        changed.append(macro)
    if changed:
        CannedResponse.objects.bulk_update(changed, ["add_tags"])
    n = len(changed)
    return hooks.Rewritten("macros", npgettext("tags rewritten", "makro", "makro", n), n)


def _carry_over(
    actor: User, old: str, new: str, ticket_ids: list[int], *, merged: bool
) -> tuple[hooks.Rewritten, ...]:
    """The old name's users rewritten, and the tickets' timelines told (in bulk)."""
    answers = hooks.publish(hooks.TagRenamed(old=old, new=new))
    rewritten = tuple(
        sorted(
            [_macros_renamed(old, new), *(a for a in answers if isinstance(a, hooks.Rewritten))],
            key=lambda r: r.key,
        )
    )
    events.tag_renamed_events(sorted(ticket_ids), actor, old, new, merged=merged)
    return rewritten


def _counts(rewritten: tuple[hooks.Rewritten, ...]) -> dict[str, int]:
    return {r.key: r.count for r in rewritten}


@transaction.atomic
def tag_rename(*, actor: User, tag: Tag, name: str) -> TagChange:
    """Rename ``tag`` (every ticket carrying it shows the new name; what named the old
    one is rewritten, see the module). A name another tag has: refused (merge them
    instead)."""
    access.require_global_settings(actor)
    new = _clean(name)
    tag = Tag.objects.select_for_update().get(pk=tag.pk)
    if new == tag.name:
        return TagChange(new, 0, ())
    if Tag.objects.filter(name=new).exists():
        message = _("Label %(name)s sudah ada. Untuk menyatukan keduanya, pakai Gabungkan.") % {
            "name": new
        }
        raise ValidationFailed(message, fields={"name": [message]})
    before = tag.name
    tag.name = new
    tag.save(update_fields=["name"])
    ticket_ids = list(
        Ticket.tags.through.objects.filter(tag_id=tag.pk).values_list("ticket_id", flat=True)
    )
    rewritten = _carry_over(actor, before, new, ticket_ids, merged=False)
    audit.settings_changed(
        actor=actor,
        what="tag",
        name=new,
        object_id=tag.pk,
        before={"name": before},
        after={"name": new, "tickets": len(ticket_ids), **_counts(rewritten)},
    )
    return TagChange(new, len(ticket_ids), rewritten)


@transaction.atomic
def tag_merge(*, actor: User, tag: Tag, into: Tag | None) -> TagChange:
    """Move ``tag``'s tickets to ``into`` (a ticket carrying both keeps one), rewrite what
    named ``tag`` (see the module) and delete ``tag``."""
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
    name, target = tags[tag.pk].name, tags[into.pk].name
    tags[tag.pk].delete()  # its remaining links go with it
    rewritten = _carry_over(actor, name, target, list(ticket_ids), merged=True)
    audit.settings_changed(
        actor=actor,
        what="tag",
        name=name,
        object_id=tag.pk,
        before={"name": name, "tickets": len(ticket_ids)},
        after={"merged_into": target, "tickets": len(ticket_ids), **_counts(rewritten)},
    )
    return TagChange(target, len(ticket_ids), rewritten)


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
