from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sigap.accounts import audit, limits, sessions
from sigap.accounts.access import require_staff
from sigap.accounts.models import Role, SecurityKind, User
from sigap.core.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    StaleVersion,
    ValidationFailed,
)
from sigap.core.locale import said_in_default_language
from sigap.core.phone import normalize_phone, platform_phone
from sigap.customers.models import (
    ContactKind,
    Customer,
    CustomerChange,
    CustomerContact,
    CustomerKind,
    Language,
    LoyaltyTier,
    Organization,
    OrganizationKind,
    Temperament,
)

PHONE_KINDS = frozenset({ContactKind.PHONE, ContactKind.WHATSAPP})


@dataclass(frozen=True)
class ContactIn:
    """A contact to store. ``verified``: the channel's platform vouches for it (a WhatsApp
    ``wa_id``, a PBX's caller id), so our own checks do not get to refuse it: a number is
    normalised when it can be and kept as given otherwise (``core.phone.platform_phone``).
    What staff and customers type is not verified and is checked strictly."""

    kind: str
    value: str
    is_primary: bool = False
    verified: bool = False


def contact_normalize(kind: str, value: str, *, verified: bool = False) -> str:
    if kind not in ContactKind.values:
        raise ValidationFailed(
            _("Jenis kontak tidak dikenal: %(kind)s.") % {"kind": repr(kind)},
            fields={"contacts": [_("Jenis tidak dikenal.")]},
        )
    if kind in PHONE_KINDS and verified:
        return platform_phone(value, international=kind == ContactKind.WHATSAPP)
    if kind in PHONE_KINDS:
        return normalize_phone(value)
    if kind == ContactKind.EMAIL:
        email = value.strip().lower()
        try:
            validate_email(email)
        except DjangoValidationError as exc:
            raise ValidationFailed(
                _("Alamat email tidak valid: %(email)s.") % {"email": repr(value)},
                fields={"email": [_("Email tidak valid.")]},
            ) from exc
        return email
    return value.strip().lstrip("@").lower()


def _add_contacts(
    customer: Customer,
    contacts: Iterable[ContactIn],
    kept: frozenset[tuple[str, str]] = frozenset(),
) -> None:
    """``kept``: the customer's contacts before an edit; one given again as it is stored
    is not checked again (it may have come verified from a platform)."""
    rows = [
        CustomerContact(
            customer=customer,
            kind=c.kind,
            value=c.value
            if (c.kind, c.value) in kept
            else contact_normalize(c.kind, c.value, verified=c.verified),
            is_primary=c.is_primary,
        )
        for c in contacts
    ]
    for row in rows:
        owner = (
            CustomerContact.objects.filter(kind=row.kind, value=row.value)
            .values_list("customer_id", flat=True)
            .first()
        )
        if owner is not None and owner != customer.pk:
            raise Conflict(
                _("Kontak %(value)s sudah terdaftar pada pelanggan lain (#%(owner)s).")
                % {"value": row.value, "owner": owner},
                fields={"contacts": [_("%(value)s sudah dipakai.") % {"value": row.value}]},
            )
    try:
        with transaction.atomic():
            CustomerContact.objects.bulk_create(rows)
    except IntegrityError as exc:
        raise Conflict(_("Kontak yang sama dicantumkan dua kali.")) from exc


Announcer = Callable[[str, dict[str, Any]], object]
_announcers: list[Announcer] = []


def on_announce(handler: Announcer) -> None:
    """``handler(event, payload)`` runs inside the transaction of each change to a customer
    or an organization (``customer.created``, ``customer.updated``, ``customer.merged``,
    ``organization.created``, ``organization.updated``): the outgoing webhooks, which sit
    above this app, subscribe to it."""
    if handler not in _announcers:
        _announcers.append(handler)


def _announce(event: str, payload: dict[str, Any]) -> None:
    for handler in _announcers:
        handler(event, payload)


def _customer_payload(customer: Customer, **extra: Any) -> dict[str, Any]:
    """Ids and codes, no personal data (as the tickets' events): a receiver reads the
    customer through the API."""
    return {
        "customer_id": customer.pk,
        "kind": customer.kind,
        "loyalty_tier": customer.loyalty_tier,
        "organization_id": customer.organization_id,
        "version": customer.version,
        **extra,
    }


@transaction.atomic
def customer_create(
    *,
    name: str,
    kind: str = "external",
    temperament: str = "",
    loyalty_tier: str = "regular",
    notes: str = "",
    contacts: Iterable[ContactIn] = (),
    user: User | None = None,
    time_zone: str = "",
) -> Customer:
    name = name.strip()
    if not name:
        raise ValidationFailed(
            _("Nama pelanggan wajib diisi."), fields={"name": [_("Wajib diisi.")]}
        )
    customer = Customer.objects.create(
        name=name,
        kind=kind,
        temperament=temperament,
        loyalty_tier=loyalty_tier,
        notes=notes,
        user=user,
        time_zone=time_zone,
    )
    _add_contacts(customer, contacts)
    _announce("customer.created", _customer_payload(customer))
    return customer


UPDATABLE_FIELDS = frozenset(
    {
        "name",
        "kind",
        "temperament",
        "loyalty_tier",
        "notes",
        "time_zone",
        "birthday",
        "preferred_channel",
        "preferred_language",
        "organization_id",
        "region",
    }
)
_CHOICES = {
    "kind": CustomerKind.values,
    "temperament": Temperament.values,
    "loyalty_tier": LoyaltyTier.values,
    "preferred_channel": ["", *ContactKind.values],
    "preferred_language": Language.values,
    "time_zone": ["", "Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"],
}


def _checked(changes: dict[str, Any]) -> dict[str, Any]:
    """The changes, cleaned; a precise message for the first field that cannot be stored."""
    unknown = set(changes) - UPDATABLE_FIELDS
    if unknown:
        raise ValidationFailed(
            _("Kolom tidak dapat diubah."),
            fields={f: [_("Tidak dapat diubah.")] for f in sorted(unknown)},
        )
    changes = dict(changes)
    if "name" in changes:
        changes["name"] = str(changes["name"] or "").strip()
        if not changes["name"]:
            raise ValidationFailed(
                _("Nama pelanggan wajib diisi."), fields={"name": [_("Wajib diisi.")]}
            )
    if "region" in changes:
        changes["region"] = str(changes["region"] or "").strip()
        if len(changes["region"]) > 100:
            raise ValidationFailed(
                _("Wilayah paling banyak 100 karakter."),
                fields={"region": [_("Terlalu panjang.")]},
            )
    for field, allowed in _CHOICES.items():
        if field in changes and changes[field] not in allowed:
            raise ValidationFailed(
                _("Nilai %(value)s tidak dikenal untuk %(field)s.")
                % {"value": repr(changes[field]), "field": field},
                fields={field: [_("Pilihan tidak dikenal.")]},
            )
    birthday = changes.get("birthday")
    if birthday is not None:
        if isinstance(birthday, str):
            try:
                birthday = date.fromisoformat(birthday) if birthday else None
            except ValueError as exc:
                raise ValidationFailed(
                    _("Tanggal lahir tidak valid (format TTTT-BB-HH)."),
                    fields={"birthday": [_("Tanggal tidak valid.")]},
                ) from exc
        if birthday is not None and birthday > timezone.localdate():
            raise ValidationFailed(
                _("Tanggal lahir tidak boleh di masa depan."),
                fields={"birthday": [_("Tanggal di masa depan.")]},
            )
        changes["birthday"] = birthday
    organization_id = changes.get("organization_id")
    if organization_id is not None and not Organization.objects.filter(pk=organization_id).exists():
        raise ValidationFailed(
            _("Organisasi #%(id)s tidak ada.") % {"id": organization_id},
            fields={"organization_id": [_("Tidak ada.")]},
        )
    return changes


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def record_changes(
    customer_id: int, actor: User | None, before: dict[str, Any], after: dict[str, Any]
) -> list[CustomerChange]:
    """One ``CustomerChange`` per field whose value differs (the profile's audit)."""
    now = timezone.now()
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    actor_name = actor.get_username()[:150] if actor_id is not None and actor else ""
    rows = [
        CustomerChange(
            customer_id=customer_id,
            at=now,
            actor_id=actor_id,
            actor_name=actor_name,
            field=field,
            old_value=_jsonable(before.get(field)),
            new_value=_jsonable(after.get(field)),
        )
        for field in sorted(after)
        if _jsonable(before.get(field)) != _jsonable(after.get(field))
    ]
    return CustomerChange.objects.bulk_create(rows)


def _contact_list(customer_id: int) -> list[str]:
    return [
        f"{kind}:{value}{'*' if primary else ''}"
        for kind, value, primary in CustomerContact.objects.filter(customer_id=customer_id)
        .order_by("kind", "value")
        .values_list("kind", "value", "is_primary")
    ]


@transaction.atomic
def customer_update(
    *,
    customer: Customer,
    version: int,
    changes: dict[str, Any],
    contacts: Iterable[ContactIn] | None = None,
    actor: User | None = None,
) -> Customer:
    """Changes the profile if nobody changed it since ``version``; every changed field and
    the contacts, before → after, are recorded as ``CustomerChange`` rows."""
    changes = _checked(changes)
    before = (
        dict(Customer.objects.filter(pk=customer.pk).values(*changes).first() or {})
        if changes
        else {}
    )
    if "region" in before:  # NULL in rows older than the column: none, as ""
        before["region"] = before["region"] or ""
    # ``update()`` skips ``auto_now``; set it here so the row says when it last changed.
    updated = Customer.objects.filter(pk=customer.pk, version=version).update(
        version=F("version") + 1, updated_at=timezone.now(), **changes
    )
    if not updated:
        raise StaleVersion(
            _("Data pelanggan sudah diubah orang lain. Muat ulang lalu coba lagi."),
        )
    changed = [r.field for r in record_changes(customer.pk, actor, before, changes)]
    if contacts is not None:
        old_contacts = _contact_list(customer.pk)
        stored = CustomerContact.objects.filter(customer=customer)
        kept = frozenset(stored.values_list("kind", "value"))
        stored.delete()
        _add_contacts(customer, contacts, kept)
        changed += [
            r.field
            for r in record_changes(
                customer.pk,
                actor,
                {"contacts": old_contacts},
                {"contacts": _contact_list(customer.pk)},
            )
        ]
    customer.refresh_from_db()
    if changed:
        _announce("customer.updated", _customer_payload(customer, fields=changed))
    return customer


def customer_find_by_contact(kind: str, value: str, *, verified: bool = False) -> Customer | None:
    """``verified``: the value is a platform's identity (``ContactIn.verified``)."""
    normalized = contact_normalize(kind, value, verified=verified)
    contact = (
        CustomerContact.objects.select_related("customer")
        .filter(kind=kind, value=normalized)
        .first()
    )
    return contact.customer if contact else None


def customer_by_reference(ref: str) -> Customer | None:
    """The customer someone names by number (``#12`` or ``12``), email or phone, as staff
    type it and as the business's systems send it; None when there is none (an erased
    customer is nobody's any more)."""
    ref = ref.strip()
    number = ref.lstrip("#")
    if number.isdigit() and len(number) < 10:
        return Customer.objects.filter(
            pk=int(number), merged_into__isnull=True, erased_at__isnull=True
        ).first()
    kinds = [ContactKind.EMAIL] if "@" in ref else [ContactKind.PHONE, ContactKind.WHATSAPP]
    for kind in kinds:
        try:
            found = customer_find_by_contact(kind, ref)
        except ValidationFailed:
            return None
        if found is not None:
            return found
    return None


# --- merging duplicates ---------------------------------------------------------------------


def _contact_key(kind: str, value: str) -> tuple[str, str]:
    """The identity of a contact for deduplication: its normalised form when it has one
    (older rows may hold a raw ``0812-...`` beside a ``+62812...``)."""
    try:
        return kind, contact_normalize(kind, value)
    except ValidationFailed:
        return kind, value.strip().lower()


def _merge_contacts(target: Customer, source: Customer) -> None:
    existing = {
        _contact_key(c.kind, c.value): c for c in CustomerContact.objects.filter(customer=target)
    }
    primary_kinds = {key[0] for key, c in existing.items() if c.is_primary}
    for contact in CustomerContact.objects.filter(customer=source).order_by("pk"):
        key = _contact_key(contact.kind, contact.value)
        if key in existing:
            contact.delete()  # the same identity is already on the kept record
            continue
        contact.customer = target
        contact.is_primary = contact.is_primary and contact.kind not in primary_kinds
        contact.save(update_fields=["customer", "is_primary"])
        existing[key] = contact
        if contact.is_primary:
            primary_kinds.add(contact.kind)


MergeHandler = Callable[..., object]
_merge_handlers: list[MergeHandler] = []


def on_merge(handler: MergeHandler) -> None:
    """``handler(actor=, target=, source=)`` runs inside ``customer_merge``'s transaction,
    before the rows left over follow the kept record: the ticket core moves the tickets
    through its own services (``tickets.services.tickets_move_customer``)."""
    if handler not in _merge_handlers:
        _merge_handlers.append(handler)


def _move_related(target: Customer, source: Customer) -> None:
    """Every other row that points at the customer (surveys, calls, live chats, and
    whatever app adds one later) follows it to the kept record."""
    handled = {"contacts", "tickets"}
    for rel in Customer._meta.related_objects:
        if rel.get_accessor_name() in handled or rel.many_to_many:
            continue
        model, name = rel.related_model, rel.field.name
        manager = model._base_manager
        if rel.one_to_one and manager.filter(**{name: target}).exists():
            continue  # the kept record already has its own; the source keeps this one
        manager.filter(**{name: source}).update(**{name: target})


@transaction.atomic
def customer_merge(*, actor: User, target: Customer, source: Customer) -> Customer:
    """Merge ``source`` (B) into ``target`` (A): its tickets, contacts (deduplicated),
    surveys, calls and every other linked row move to A; each moved ticket's timeline
    records the merge (who, when, from which customer); B is kept but retired
    (``merged_into``), so nothing is lost. Supervisors and admins only."""
    if not actor.is_active or not actor.is_supervisor_or_admin:
        raise PermissionDenied(_("Hanya supervisor atau admin yang dapat menggabungkan pelanggan."))
    if target.pk == source.pk:
        raise ValidationFailed(_("Pelanggan tidak dapat digabung dengan dirinya sendiri."))
    locked = {
        c.pk: c
        for c in Customer.objects.select_for_update()
        .filter(pk__in=[target.pk, source.pk])
        .order_by("pk")
    }
    if len(locked) != 2:
        raise NotFound(_("Pelanggan tidak ditemukan."))
    target, source = locked[target.pk], locked[source.pk]
    for customer in (target, source):
        if customer.merged_into_id is not None:
            raise Conflict(
                _("Pelanggan #%(pk)s sudah digabung ke pelanggan lain.") % {"pk": customer.pk}
            )
        if customer.erased_at is not None:
            raise Conflict(_("Data pelanggan #%(pk)s sudah dihapus.") % {"pk": customer.pk})
    now = timezone.now()
    _merge_contacts(target, source)
    for handler in _merge_handlers:
        handler(actor=actor, target=target, source=source)
    _move_related(target, source)
    changes: dict[str, Any] = {"version": F("version") + 1, "updated_at": now}
    if source.notes.strip():
        heading = _("[Digabung dari #%(id)s %(name)s]") % {"id": source.pk, "name": source.name}
        changes["notes"] = "\n\n".join(p for p in (target.notes, heading, source.notes) if p)
    portal_user = source.user if target.user_id is None else None
    Customer.objects.filter(pk=source.pk).update(
        merged_into=target,
        merged_at=now,
        user=None if portal_user is not None else source.user,
        version=F("version") + 1,
        updated_at=now,
    )
    if portal_user is not None:  # B's portal account now sees A's (merged) history
        changes["user"] = portal_user
    Customer.objects.filter(pk=target.pk).update(**changes)
    target.refresh_from_db()
    _announce("customer.merged", _customer_payload(target, merged_id=source.pk))
    return target


ORGANIZATION_FIELDS = frozenset(
    {"name", "kind", "account_owner_id", "loyalty_tier", "shared_visibility", "notes"}
)


def _organization_checked(changes: dict[str, Any], *, pk: int | None = None) -> dict[str, Any]:
    unknown = set(changes) - ORGANIZATION_FIELDS
    if unknown:
        raise ValidationFailed(
            _("Kolom tidak dapat diubah."),
            fields={f: [_("Tidak dapat diubah.")] for f in sorted(unknown)},
        )
    changes = dict(changes)
    if "name" in changes:
        changes["name"] = str(changes["name"] or "").strip()
        if not changes["name"]:
            raise ValidationFailed(
                _("Nama organisasi wajib diisi."), fields={"name": [_("Wajib diisi.")]}
            )
        same_name = Organization.objects.filter(name__iexact=changes["name"])
        if pk is not None:
            same_name = same_name.exclude(pk=pk)
        if same_name.exists():
            raise Conflict(
                _("Organisasi bernama %(name)s sudah ada.") % {"name": changes["name"]},
                fields={"name": [_("Nama sudah dipakai.")]},
            )
    if "kind" in changes and changes["kind"] not in OrganizationKind.values:
        raise ValidationFailed(
            _("Jenis organisasi tidak dikenal."), fields={"kind": [_("Pilihan tidak dikenal.")]}
        )
    if "loyalty_tier" in changes and changes["loyalty_tier"] not in LoyaltyTier.values:
        raise ValidationFailed(
            _("Tingkat loyalitas tidak dikenal."),
            fields={"loyalty_tier": [_("Pilihan tidak dikenal.")]},
        )
    owner = changes.get("account_owner_id")
    if (
        owner is not None
        and not User.objects.filter(pk=owner, is_active=True).exclude(role=Role.CUSTOMER).exists()
    ):
        raise ValidationFailed(
            _("Pemilik akun harus petugas yang aktif."),
            fields={"account_owner_id": [_("Bukan petugas aktif.")]},
        )
    return changes


def _organization_audit(
    actor: User, organization: Organization, before: dict[str, Any], after: dict[str, Any]
) -> None:
    changed = {f: [before.get(f), v] for f, v in after.items() if before.get(f) != v}
    if changed:
        audit.record(
            SecurityKind.SETTINGS_CHANGED,
            actor=actor,
            detail=said_in_default_language(
                gettext_lazy("organisasi #%(id)s %(name)s"),
                id=organization.pk,
                name=organization.name,
            )[:500],
            data={"organization": organization.pk, "changes": changed},
        )


@transaction.atomic
def organization_create(*, actor: User, **fields: Any) -> Organization:
    require_staff(actor)
    fields = _organization_checked(fields)
    if "name" not in fields:
        raise ValidationFailed(
            _("Nama organisasi wajib diisi."), fields={"name": [_("Wajib diisi.")]}
        )
    organization = Organization.objects.create(**fields)
    _organization_audit(actor, organization, {}, fields)
    _announce("organization.created", _organization_payload(organization, sorted(fields)))
    return organization


def _organization_payload(organization: Organization, fields: list[str]) -> dict[str, Any]:
    return {
        "organization_id": organization.pk,
        "name": organization.name,
        "kind": organization.kind,
        "loyalty_tier": organization.loyalty_tier,
        "version": organization.version,
        "fields": fields,
    }


@transaction.atomic
def organization_update(
    *, actor: User, organization: Organization, version: int, changes: dict[str, Any]
) -> Organization:
    """Changes an organization if nobody did since ``version``; recorded in the audit log
    (before → after)."""
    require_staff(actor)
    changes = _organization_checked(changes, pk=organization.pk)
    before = Organization.objects.filter(pk=organization.pk).values(*changes).first() or {}
    updated = Organization.objects.filter(pk=organization.pk, version=version).update(
        version=F("version") + 1, updated_at=timezone.now(), **changes
    )
    if not updated:
        raise StaleVersion(_("Data organisasi sudah diubah orang lain. Muat ulang lalu coba lagi."))
    _organization_audit(actor, organization, before, changes)
    organization.refresh_from_db()
    changed = sorted(f for f, v in changes.items() if before.get(f) != v)
    if changed:
        _announce("organization.updated", _organization_payload(organization, changed))
    if "loyalty_tier" in changes:
        for member in organization.members.filter(merged_into__isnull=True):
            raise_to_organization_tier(member, actor)
    return organization


TIER_ORDER = [LoyaltyTier.REGULAR, LoyaltyTier.SILVER, LoyaltyTier.GOLD, LoyaltyTier.PLATINUM]


def tier_rank(tier: str) -> int:
    return TIER_ORDER.index(LoyaltyTier(tier)) if tier in LoyaltyTier.values else 0


def raise_to_organization_tier(customer: Customer, actor: User | None) -> Customer:
    """An organization's tier is its members' floor: a member below it is raised to it
    (a recorded profile change), so the priority matrix, SLA policies and routing, which
    read the customer's tier, treat them as the organization's tier."""
    organization = customer.organization
    if organization is None or tier_rank(customer.loyalty_tier) >= tier_rank(
        organization.loyalty_tier
    ):
        return customer
    return customer_update(
        customer=customer,
        version=customer.version,
        changes={"loyalty_tier": organization.loyalty_tier},
        actor=actor,
    )


def organization_set_member(
    *, actor: User, customer: Customer, organization: Organization | None
) -> Customer:
    """Puts a customer in an organization (or takes them out): a profile change like any
    other, recorded on the customer."""
    require_staff(actor)
    customer = customer_update(
        customer=customer,
        version=customer.version,
        changes={"organization_id": organization.pk if organization else None},
        actor=actor,
    )
    return raise_to_organization_tier(customer, actor)


# --- personal data (UU PDP): export and erasure -----------------------------------------------
#
# The customer's own rows are read and erased here; the apps above (tickets, surveys, calls,
# loyalty, consent …) add theirs through ``on_export`` and ``on_erase``, registered in their
# ``ready()``, as ``on_merge`` does for merging.

ExportSection = Callable[[Customer], object]
EraseHandler = Callable[[Customer], object]
_export_sections: dict[str, ExportSection] = {}
_erase_handlers: list[EraseHandler] = []


def on_export(section: str, reader: ExportSection) -> None:
    """``reader(customer)`` returns what ``section`` of the export holds (plain JSON)."""
    _export_sections[section] = reader


def on_erase(handler: EraseHandler) -> None:
    """``handler(customer)`` runs inside ``customer_erase``'s transaction, before the
    customer's own row is blanked: it removes or redacts the personal data of its app's
    rows about that customer (a raised error rolls the whole erasure back)."""
    if handler not in _erase_handlers:
        _erase_handlers.append(handler)


def can_export(user: User) -> bool:
    """Supervisors and admins. Agents see a customer for the tickets they work on, but
    taking everything about a person out of Sigap is a decision for a supervisor."""
    return bool(user.is_active) and user.is_supervisor_or_admin


def customer_export(actor: User, customer: Customer) -> dict[str, Any]:
    """Everything Sigap holds about ``customer`` as JSON-ready data (the UU PDP right of
    access): the profile, contacts, profile changes and every section the apps above
    register (tickets with their messages, surveys, calls, loyalty, consents, proposals).
    Supervisors and admins only; recorded in the security audit log."""
    if not can_export(actor):
        raise PermissionDenied(
            _("Hanya supervisor atau admin yang dapat mengekspor data pribadi pelanggan.")
        )
    profile = {
        field: _jsonable(getattr(customer, field))
        for field in (
            "id",
            "name",
            "kind",
            "temperament",
            "loyalty_tier",
            "notes",
            "birthday",
            "preferred_channel",
            "preferred_language",
            "region",
            "organization_id",
            "time_zone",
            "user_id",
            "created_at",
            "updated_at",
            "erased_at",
        )
    }
    data: dict[str, Any] = {
        "exported_at": timezone.now().isoformat(),
        "customer": profile,
        "contacts": [
            {"kind": kind, "value": value, "is_primary": primary, "created_at": _jsonable(at)}
            for kind, value, primary, at in CustomerContact.objects.filter(
                customer_id=customer.pk
            ).values_list("kind", "value", "is_primary", "created_at")
        ],
        "profile_changes": [
            {"at": _jsonable(at), "field": field, "old": old, "new": new}
            for at, field, old, new in CustomerChange.objects.filter(
                customer_id=customer.pk
            ).values_list("at", "field", "old_value", "new_value")
        ],
    }
    for section, reader in _export_sections.items():
        data[section] = reader(customer)
    audit.record(
        SecurityKind.EXPORT,
        actor=actor,
        detail=said_in_default_language(
            gettext_lazy("data pribadi pelanggan #%(id)s"), id=customer.pk
        ),
        data={"customer": customer.pk, "sections": sorted(data)},
    )
    return data


def erased_name() -> str:
    return _("Pelanggan dihapus")


@transaction.atomic
def customer_erase(actor: User, customer: Customer, reason: str) -> Customer:
    """Erase a customer's personal data (UU PDP), in one transaction: the name becomes a
    neutral placeholder; contacts, notes, birthday, region and the profile changes' values
    go; every app above removes or redacts its rows (``on_erase``: message bodies and
    attachments, survey comments, consents …); a linked portal account is deactivated and
    signed out; the records merged into it are erased with it. The record and its
    tickets stay (status and times, for the metrics). Admins only; audited with who,
    when and the reason, never the data. Erasing again is refused (``Conflict``) and
    changes nothing."""
    if not actor.is_active or actor.role != Role.ADMIN:
        raise PermissionDenied(_("Hanya admin yang dapat menghapus data pribadi pelanggan."))
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(
            _("Alasan penghapusan wajib diisi."), fields={"reason": [_("Wajib diisi.")]}
        )
    if len(reason) > 300:
        raise ValidationFailed(
            _("Alasan paling banyak 300 karakter."), fields={"reason": [_("Terlalu panjang.")]}
        )
    locked = Customer.objects.select_for_update().filter(pk=customer.pk).first()
    if locked is None:
        raise NotFound(_("Pelanggan tidak ditemukan."))
    if locked.erased_at is not None:
        raise Conflict(
            _("Data pribadi pelanggan #%(pk)s sudah dihapus pada %(at)s.")
            % {
                "pk": locked.pk,
                "at": timezone.localtime(locked.erased_at).strftime("%Y-%m-%d %H:%M"),
            }
        )
    if locked.merged_into_id is not None:
        raise Conflict(
            _("Pelanggan #%(pk)s sudah digabung ke #%(target)s: hapus data pelanggan itu.")
            % {"pk": locked.pk, "target": locked.merged_into_id}
        )
    customer = locked
    for handler in _erase_handlers:
        handler(customer)
    # The record and the ones merged into it (retired, but still named).
    ids = [customer.pk, *Customer.objects.filter(merged_into=customer).values_list("pk", flat=True)]
    emails = list(  # what a sign-in names (a portal account's name is its address)
        CustomerContact.objects.filter(customer_id__in=ids, kind=ContactKind.EMAIL).values_list(
            "value", flat=True
        )
    )
    CustomerContact.objects.filter(customer_id__in=ids).delete()
    CustomerChange.objects.filter(customer_id__in=ids).update(old_value=None, new_value=None)
    portal_users = list(User.objects.filter(customer__pk__in=ids))
    # The security log keeps its events, with a pseudonym for the person (their account's
    # new name; the record's number for what only named an address).
    for portal_user in portal_users:
        audit.pseudonymise(
            user_ids=[portal_user.pk],
            names=[portal_user.username, portal_user.email],
            pseudonym=f"erased-{portal_user.pk}",
        )
    audit.pseudonymise(user_ids=[], names=emails, pseudonym=f"erased-customer-{customer.pk}")
    limits.forget([*(u.username for u in portal_users), *emails])
    now = timezone.now()
    Customer.objects.filter(pk__in=ids).update(
        name=erased_name(),
        temperament="",
        notes="",
        birthday=None,
        preferred_channel="",
        region="",
        organization=None,
        user=None,
        erased_at=now,
        version=F("version") + 1,
        updated_at=now,
    )
    for portal_user in portal_users:
        _retire_portal_user(portal_user, actor)
    audit.record(
        SecurityKind.DATA_ERASED,
        actor=actor,
        detail=said_in_default_language(gettext_lazy("pelanggan #%(id)s"), id=customer.pk),
        data={"customer": customer.pk, "reason": reason},
    )
    customer.refresh_from_db()
    _announce("customer.erased", _customer_payload(customer))
    return customer


def _retire_portal_user(user: User, actor: User) -> None:
    """The erased customer's portal account: deactivated, its name and address blanked
    (the username becomes ``erased-<id>``), every session ended."""
    user.is_active = False
    user.username = f"erased-{user.pk}"
    user.email = ""
    user.first_name = ""
    user.last_name = ""
    user.set_unusable_password()
    user.save()
    sessions.end_all(user, actor=actor)
