"""The chatbot's required facts on the settings page (``/settings/chatbot-facts/``,
admins): a fact the bot asks for before it answers questions in some help-centre
categories (the order number before anything about shipping). Saved whole through
``fact_save`` (every field checked first, nothing saved on a refusal; the example, when
given, must be found by the pattern, so a pattern that cannot match what customers type
is caught at once) and ``fact_delete``; both audited (``settings_changed``, what
``required_fact``). ``fact_try`` is the page's "try it" box: what the bot would take from a
message."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from sigap.accounts import access, audit
from sigap.accounts.models import User
from sigap.core.errors import ValidationFailed
from sigap.kb import index, patterns
from sigap.kb.models import Category, RequiredFact

NAME_RE = re.compile(r"^[-a-z0-9_]{1,50}\Z")
PATTERN_MAX = 200
TRY_MAX = 1000  # characters of a sample message tried


def _snapshot(fact: RequiredFact, categories: Sequence[Category]) -> dict[str, Any]:
    return {
        "name": fact.name,
        "label": fact.label,
        "pattern": fact.pattern,
        "example": fact.example,
        "prompt": fact.prompt,
        "categories": ", ".join(sorted(c.slug for c in categories)),
        "active": fact.active,
    }


def compiled(pattern: str) -> patterns.Pattern:
    """The pattern compiled; ``ValidationFailed`` naming the fault otherwise (also when it
    runs out of time on hostile text: ``kb.patterns``)."""
    if not pattern.strip():
        raise ValidationFailed(_("Pola wajib diisi."), fields={"pattern": [_("Wajib diisi.")]})
    if len(pattern) > PATTERN_MAX:
        message = _("Pola terlalu panjang: %(n)d karakter, paling banyak %(max)d.") % {
            "n": len(pattern),
            "max": PATTERN_MAX,
        }
        raise ValidationFailed(message, fields={"pattern": [message]})
    try:
        regex = patterns.compile_pattern(pattern)
    except patterns.error as exc:
        message = _("Regex tidak valid: %(why)s") % {"why": exc}
        raise ValidationFailed(message, fields={"pattern": [message]}) from exc
    if patterns.too_slow(regex):
        message = _(
            "Pola ini bisa berjalan sangat lama pada pesan tertentu (pengulangan di dalam "
            "pengulangan, misalnya (a+)+): tulis tanpa pengulangan bertingkat."
        )
        raise ValidationFailed(message, fields={"pattern": [message]})
    return regex


def fact_try(pattern: str, text: str) -> str:
    """What the bot would take from ``text`` (empty: nothing found)."""
    return patterns.find(compiled(pattern), text[:TRY_MAX])


@transaction.atomic
def fact_save(
    *,
    actor: User,
    fact: RequiredFact | None,
    name: str,
    label: str,
    pattern: str,
    example: str,
    prompt: str,
    categories: Sequence[Category],
    active: bool,
) -> RequiredFact:
    access.require_global_settings(actor)
    name, label, example, prompt = name.strip().lower(), label.strip(), example.strip(), prompt
    errors: dict[str, list[str]] = {}
    if not NAME_RE.match(name):
        errors["name"] = [
            _("Kode: huruf kecil, angka, garis bawah atau tanda hubung, paling banyak 50.")
        ]
    elif RequiredFact.objects.filter(name=name).exclude(pk=fact.pk if fact else 0).exists():
        errors["name"] = [_("Kode %(name)s sudah dipakai fakta lain.") % {"name": name}]
    if not label or len(label) > 100:
        errors["label"] = [_("Nama fakta wajib diisi, paling banyak 100 karakter.")]
    if len(example) > 100:
        errors["example"] = [_("Contoh paling banyak 100 karakter.")]
    try:
        regex = compiled(pattern)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    else:
        if example and not patterns.find(regex, example):
            errors["example"] = [
                _("Pola tidak menemukan apa pun dalam contoh %(example)s: periksa polanya.")
                % {"example": example}
            ]
    if errors:
        raise ValidationFailed(_("Fakta belum disimpan."), fields=errors)
    if fact is None:
        row, before = RequiredFact(), None
    else:
        row = RequiredFact.objects.select_for_update().get(pk=fact.pk)
        before = _snapshot(row, list(row.categories.all()))
    row.name, row.label, row.pattern = name, label, pattern
    row.example, row.prompt, row.active = example, prompt, active
    row.save()
    row.categories.set(categories)
    index.bump_generation()  # the bot reloads its rules
    audit.settings_changed(
        actor=actor,
        what="required_fact",
        name=row.name,
        object_id=row.pk,
        before=before,
        after=_snapshot(row, categories),
    )
    return row


@transaction.atomic
def fact_delete(*, actor: User, fact: RequiredFact) -> None:
    access.require_global_settings(actor)
    row = RequiredFact.objects.select_for_update().get(pk=fact.pk)
    before, pk = _snapshot(row, list(row.categories.all())), row.pk
    row.delete()
    index.bump_generation()
    audit.settings_changed(
        actor=actor,
        what="required_fact",
        name=before["name"],
        object_id=pk,
        before=before,
        after=None,
    )
