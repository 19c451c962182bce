"""The escalation ladder (``EscalationLevel``) edited on the settings page as a whole:
the levels in order, each with when it fires, who it goes to and whether the ticket
changes hands. Global (every team's tickets climb the same ladder), so admins only.

The whole ladder is saved at once: validated first (precise messages per level, nothing
written when one is wrong), then the rows are replaced in one transaction and numbered by
their order (1, 2, …). A ticket already escalated keeps its level number; it climbs on
from there along the new ladder.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sigap.accounts import access, audit
from sigap.accounts.models import STAFF_ROLES, User
from sigap.core.errors import ValidationFailed
from sigap.core.locale import said_in_default_language
from sigap.sla.models import EscalationAudience, EscalationLevel

MAX_LEVELS = 10
MAX_MINUTES = 60 * 24 * 30  # a month after the breach
# the audiences that reach one person, so that the ticket may become theirs
ONE_PERSON = {EscalationAudience.USER, EscalationAudience.TEAM_SUPERVISOR}


@dataclass(frozen=True)
class LevelIn:
    name: str
    after_minutes: int
    audience: str
    user_id: int | None = None
    reassign: bool = False
    active: bool = True


def snapshot() -> list[dict[str, Any]]:
    return [
        {
            "level": lv.level,
            "name": lv.name,
            "after_minutes": lv.after_minutes,
            "audience": lv.audience,
            "user": lv.user_id,
            "reassign": lv.reassign,
            "active": lv.active,
        }
        for lv in EscalationLevel.objects.order_by("level")
    ]


def _check(levels: Sequence[LevelIn]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if len(levels) > MAX_LEVELS:
        errors["__all__"] = [_("Paling banyak %(n)d tingkat.") % {"n": MAX_LEVELS}]
    user_ids = {lv.user_id for lv in levels if lv.user_id}
    staff = set(
        User.objects.filter(pk__in=user_ids, is_active=True, role__in=STAFF_ROLES).values_list(
            "pk", flat=True
        )
    )
    previous: int | None = None
    for number, lv in enumerate(levels, start=1):
        found: list[str] = []
        if not lv.name.strip():
            found.append(_("Isi nama tingkat."))
        if lv.audience not in EscalationAudience.values:
            found.append(_("Pilih kepada siapa tingkat ini dieskalasi."))
        if not 0 <= lv.after_minutes <= MAX_MINUTES:
            found.append(
                _("Menit sejak tenggat terlampaui: 0 sampai %(max)d.") % {"max": MAX_MINUTES}
            )
        elif number == 1 and lv.after_minutes != 0:
            found.append(_("Tingkat 1 selalu pada saat tenggat terlampaui: isi 0 menit."))
        elif previous is not None and lv.after_minutes <= previous:
            found.append(
                _("Harus lebih lama dari tingkat %(n)d (%(minutes)d menit).")
                % {"n": number - 1, "minutes": previous}
            )
        if lv.audience == EscalationAudience.USER and lv.user_id not in staff:
            found.append(_("Pilih petugas aktif untuk 'pengguna tertentu'."))
        if lv.reassign and lv.audience not in ONE_PERSON:
            found.append(
                _(
                    "Tiket hanya dapat dialihkan bila eskalasi ditujukan ke satu orang "
                    "(supervisor tim atau pengguna tertentu)."
                )
            )
        if found:
            errors[f"level_{number}"] = found
        previous = lv.after_minutes if 0 <= lv.after_minutes <= MAX_MINUTES else previous
    return errors


@transaction.atomic
def ladder_save(*, actor: User, levels: Sequence[LevelIn]) -> list[EscalationLevel]:
    """Replace the ladder with ``levels`` (in order). Raises ``ValidationFailed`` whose
    ``fields`` are keyed ``level_<n>`` (and ``__all__``); nothing is written then."""
    access.require_global_settings(actor)
    errors = _check(levels)
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationFailed(
            _("Tangga eskalasi belum disimpan: %(error)s") % {"error": first}, fields=errors
        )
    list(EscalationLevel.objects.select_for_update().order_by("level"))  # one writer at a time
    before = snapshot()
    EscalationLevel.objects.all().delete()
    rows = EscalationLevel.objects.bulk_create(
        EscalationLevel(
            level=number,
            name=lv.name.strip()[:80],
            after_minutes=lv.after_minutes,
            audience=lv.audience,
            user_id=lv.user_id if lv.audience == EscalationAudience.USER else None,
            reassign=lv.reassign,
            active=lv.active,
        )
        for number, lv in enumerate(levels, start=1)
    )
    audit.settings_changed(
        actor=actor,
        what="escalation_ladder",
        name=said_in_default_language(gettext_lazy("tangga eskalasi")),
        before={"levels": before},
        after={"levels": snapshot()},
    )
    return rows
