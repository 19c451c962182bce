"""How a colleague takes work, as the settings area's People page sets it: their skills
(categories, languages, channels: ``triage.routing``'s skill strategy prefers them) and
their capacity per channel (open tickets at most; ``"*"`` for every other channel).

An admin sets anyone's; a supervisor those of the members of the teams they lead
(``accounts.access``). Every change is validated whole before anything is written and is
recorded in the audit log, before → after.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sigap.accounts import access, audit
from sigap.accounts.models import STAFF_ROLES, Team, User
from sigap.connectors.phone.models import AgentExtension
from sigap.core.errors import PermissionDenied, ValidationFailed
from sigap.tickets.models import Category, Channel
from sigap.triage.models import AgentProfile, Strategy, TeamRouting
from sigap.triage.routing import DEFAULT_CAPACITY

MAX_CAPACITY = 100
ANY_CHANNEL = "*"
LANGUAGES = [("id", gettext_lazy("Bahasa Indonesia")), ("en", gettext_lazy("Bahasa Inggris"))]
CATEGORIES = [(v, label) for v, label in Category.choices if v]
CHANNELS = list(Channel.choices)


def require_person_settings(actor: User, person: User) -> None:
    """An admin, or a supervisor of one of the teams ``person`` is a member of."""
    access.require_settings(actor)
    if access.is_settings_admin(actor):
        return
    teams = set(person.teams.values_list("pk", flat=True))
    if not teams & access.supervised_team_ids(actor):
        raise PermissionDenied(_("Anda hanya dapat mengatur anggota tim yang Anda pimpin."))


def profile_of(user: User) -> AgentProfile:
    """The user's profile, unsaved and empty when they have none yet."""
    return AgentProfile.objects.filter(user=user).first() or AgentProfile(user=user)


def _skills(values: Iterable[str], allowed: list[tuple[str, Any]], field: str) -> list[str]:
    known = {v for v, _label in allowed}
    chosen = sorted({str(v) for v in values})
    wrong = [v for v in chosen if v not in known]
    if wrong:
        raise ValidationFailed(
            _("Pilihan tidak dikenal: %(values)s.") % {"values": ", ".join(wrong)},
            fields={
                field: [_("Pilihan tidak dikenal: %(values)s.") % {"values": ", ".join(wrong)}]
            },
        )
    return chosen


def _capacity(raw: Mapping[str, Any]) -> tuple[dict[str, int], dict[str, list[str]]]:
    """The capacity per channel from text inputs (empty: the default), with the error of
    each input that is not a whole number from 0 to ``MAX_CAPACITY``."""
    labels = dict(CHANNELS) | {ANY_CHANNEL: _("saluran lain")}
    out: dict[str, int] = {}
    errors: dict[str, list[str]] = {}
    for channel, value in raw.items():
        if channel not in labels:
            errors[f"capacity_{channel}"] = [_("Saluran tidak dikenal.")]
            continue
        text = str(value if value is not None else "").strip()
        if not text:
            continue
        if not text.isdigit() or int(text) > MAX_CAPACITY:
            errors[f"capacity_{channel}"] = [
                _("Kapasitas %(channel)s harus bilangan bulat 0 sampai %(max)s, bukan “%(value)s”.")
                % {"channel": labels[channel], "max": MAX_CAPACITY, "value": text[:20]}
            ]
            continue
        out[channel] = int(text)
    return out, errors


@transaction.atomic
def agent_profile_set(
    *,
    actor: User,
    user: User,
    categories: Iterable[str],
    languages: Iterable[str],
    channels: Iterable[str],
    capacity: Mapping[str, Any],
) -> AgentProfile:
    """Set a colleague's skills and capacity per channel (all validated first: a wrong
    value changes nothing)."""
    require_person_settings(actor, user)
    if user.role not in STAFF_ROLES:
        raise ValidationFailed(_("Hanya petugas yang punya keahlian dan kapasitas."))
    errors: dict[str, list[str]] = {}
    chosen: dict[str, list[str]] = {}
    for field, values, allowed in (
        ("categories", categories, CATEGORIES),
        ("languages", languages, LANGUAGES),
        ("channels", channels, CHANNELS),
    ):
        try:
            chosen[field] = _skills(values, allowed, field)
        except ValidationFailed as exc:
            errors.update(exc.fields)
    limits, capacity_errors = _capacity(capacity)
    errors.update(capacity_errors)
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationFailed(
            _("Keahlian dan kapasitas belum disimpan: %(error)s") % {"error": first},
            fields=errors,
        )
    profile = AgentProfile.objects.select_for_update().filter(user=user).first()
    if profile is None:
        profile = AgentProfile(user=user)
    before = {
        "categories": list(profile.categories),
        "languages": list(profile.languages),
        "channels": list(profile.channels),
        "capacity": dict(profile.capacity),
    }
    profile.categories = chosen["categories"]
    profile.languages = chosen["languages"]
    profile.channels = chosen["channels"]
    profile.capacity = limits
    profile.save()
    audit.settings_changed(
        actor=actor,
        what="agent profile",
        name=user.username,
        object_id=user.pk,
        user=user,
        before=before,
        after={
            "categories": profile.categories,
            "languages": profile.languages,
            "channels": profile.channels,
            "capacity": profile.capacity,
        },
    )
    return profile


def capacity_text(capacity: Mapping[str, int]) -> str:
    """``livechat 3, * 25`` (the default when nothing is set)."""
    if not capacity:
        return f"{ANY_CHANNEL} {DEFAULT_CAPACITY}"
    return ", ".join(f"{k} {v}" for k, v in sorted(capacity.items()))


@transaction.atomic
def team_strategy_set(*, actor: User, team: Team, strategy: str) -> TeamRouting:
    """How a team's new tickets are handed to its agents (``TeamRouting.strategy``): an
    admin for every team, a supervisor for the teams they lead. Audited when it changes."""
    access.require_team_settings(actor, team)
    if strategy not in Strategy.values:
        message = _("Pilih cara penugasan dari daftar.")
        raise ValidationFailed(message, fields={"strategy": [message]})
    routing, _created = TeamRouting.objects.select_for_update().get_or_create(team=team)
    before = routing.strategy
    if before != strategy:
        routing.strategy = strategy
        routing.save(update_fields=["strategy"])
        audit.settings_changed(
            actor=actor,
            what="team_routing",
            name=team.name,
            object_id=team.pk,
            before={"strategy": before},
            after={"strategy": strategy},
        )
    return routing


EXTENSION = re.compile(r"[0-9A-Za-z*#+_.-]{1,32}")


def extensions_of(user: User) -> list[str]:
    return list(
        AgentExtension.objects.filter(user=user)
        .order_by("extension")
        .values_list("extension", flat=True)
    )


@transaction.atomic
def extensions_set(*, actor: User, user: User, raw: str) -> list[str]:
    """The PBX extensions that ring ``user`` (``phone.AgentExtension``: calls the PBX
    reports on one of them are theirs), typed as a list separated by commas. All checked
    first (the form, another colleague's extension); a wrong one changes nothing."""
    require_person_settings(actor, user)
    wanted = sorted({e.strip() for e in raw.replace(";", ",").split(",") if e.strip()})
    errors = [
        _("Ekstensi %(ext)s tidak valid: angka, huruf, atau * # + _ . - (paling banyak 32).")
        % {"ext": e}
        for e in wanted
        if not EXTENSION.fullmatch(e)
    ]
    taken = AgentExtension.objects.filter(extension__in=wanted).exclude(user=user)
    errors += [
        _("Ekstensi %(ext)s sudah dipakai %(name)s.")
        % {"ext": t.extension, "name": t.user.display_name}
        for t in taken.select_related("user")
    ]
    if errors:
        raise ValidationFailed(errors[0], fields={"extensions": errors})
    before = extensions_of(user)
    AgentExtension.objects.filter(user=user).exclude(extension__in=wanted).delete()
    AgentExtension.objects.bulk_create(
        [AgentExtension(user=user, extension=e) for e in wanted if e not in before]
    )
    audit.settings_changed(
        actor=actor,
        what="phone extensions",
        name=user.username,
        object_id=user.pk,
        user=user,
        before={"extensions": before},
        after={"extensions": wanted},
    )
    return wanted
