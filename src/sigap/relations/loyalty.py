"""The loyalty programme's services: the points ledger, tiers, and voucher codes.

Points: every change is a new ``PointsEntry`` (the ledger is append-only). A purchase posted
by the business's systems (API or CSV) carries its own transaction id and is counted once
however often it is posted. Earned points expire ``expiry_months`` after they were earned,
oldest first: a daily job posts one ``expiry`` entry for what is left of them
(``expire_points``). Redemptions never take a balance below zero (the customer's row is
locked while one is posted).

Tiers: from the points (or the spend) earned over the last ``window_months``, with
hysteresis (``tier_for``); a tier set by hand (``TierOverride``) wins until it ends. The
customer's ``loyalty_tier`` is what the rest of Sigap reads (the priority matrix, SLA
policies, routing), so a computed change is written there through
``customers.services.customer_update`` and recorded like any other profile change.

Vouchers: a code is given by one conditional UPDATE (``issued_to IS NULL``), so two
concurrent issues never give one code twice, on PostgreSQL and SQLite alike; a key
(``proposal:12``, ``birthday:2026``) makes an issue idempotent per customer.
"""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, F, IntegerField, Q, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sigap.accounts.access import require_staff
from sigap.accounts.models import User
from sigap.core.errors import Conflict, NotFound, ValidationFailed
from sigap.core.locale import said_in_default_language
from sigap.customers.models import Customer, LoyaltyTier
from sigap.customers.services import customer_by_reference, customer_update, tier_rank
from sigap.relations import campaigns
from sigap.relations.models import (
    EntryKind,
    IssueReason,
    PointsEntry,
    Programme,
    RewardPool,
    TierOverride,
    Voucher,
)
from sigap.tickets.models import Proposal
from sigap.tickets.services import proposal_fulfil
from sigap.webhooks.catalogue import emit

TIERS = [LoyaltyTier.REGULAR, LoyaltyTier.SILVER, LoyaltyTier.GOLD, LoyaltyTier.PLATINUM]
DEBITS = (EntryKind.REDEMPTION, EntryKind.EXPIRY, EntryKind.ADJUSTMENT)


def programme() -> Programme:
    found = Programme.objects.order_by("pk").first()
    return found if found is not None else Programme.objects.create()


def _actor_fields(actor: User | None) -> dict[str, Any]:
    if actor is None or not actor.is_authenticated:
        return {"actor_id": None, "actor_name": ""}
    return {"actor_id": actor.pk, "actor_name": actor.get_username()[:150]}


def balance(customer_id: int) -> int:
    total = PointsEntry.objects.filter(customer_id=customer_id).aggregate(n=Sum("points"))["n"]
    return int(total or 0)


def _entry_payload(entry: PointsEntry) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "customer_id": entry.customer_id,
        "kind": entry.kind,
        "points": entry.points,
        "spend": entry.spend,
        "external_id": entry.external_id,
        "at": entry.at.isoformat(),
    }


@transaction.atomic
def post_points(
    *,
    customer: Customer,
    kind: str,
    points: int,
    reason: str,
    spend: int = 0,
    external_id: str = "",
    at: datetime | None = None,
    actor: User | None = None,
) -> tuple[PointsEntry, bool]:
    """Adds one ledger entry; ``(entry, False)`` when ``external_id`` was posted before
    (for this customer: another customer's id is a conflict)."""
    reason, external_id = reason.strip(), external_id.strip()
    if kind not in EntryKind.values:
        raise ValidationFailed(
            _("Jenis entri poin tidak dikenal."), fields={"kind": [_("Pilihan tidak dikenal.")]}
        )
    if not reason:
        raise ValidationFailed(
            _("Sebutkan alasan perubahan poin."), fields={"reason": [_("Wajib diisi.")]}
        )
    if points == 0 and spend == 0:
        raise ValidationFailed(
            _("Jumlah poin tidak boleh nol."), fields={"points": [_("Tidak boleh nol.")]}
        )
    if points < 0 and kind not in DEBITS:
        raise ValidationFailed(
            _("Poin negatif hanya untuk penukaran, kedaluwarsa atau koreksi."),
            fields={"points": [_("Harus positif.")]},
        )
    if points > 0 and kind in (EntryKind.REDEMPTION, EntryKind.EXPIRY):
        raise ValidationFailed(
            _("Penukaran dan kedaluwarsa mengurangi poin (angka negatif)."),
            fields={"points": [_("Harus negatif.")]},
        )
    if external_id:
        earlier = PointsEntry.objects.filter(external_id=external_id).first()
        if earlier is not None:
            return _same_customer(earlier, customer), False
    if points < 0:
        # one debit at a time per customer: the balance read below stays true until commit
        Customer.objects.select_for_update().filter(pk=customer.pk).values("pk").first()
        if balance(customer.pk) + points < 0:
            raise Conflict(
                _("Poin tidak cukup: saldo %(balance)s, diminta %(points)s.")
                % {"balance": balance(customer.pk), "points": -points},
                fields={"points": [_("Melebihi saldo.")]},
            )
    at = at or timezone.now()
    expires = None
    if points > 0:
        expires = at + relativedelta(months=programme().expiry_months)
    try:
        with transaction.atomic():
            entry = PointsEntry.objects.create(
                customer=customer,
                at=at,
                kind=kind,
                points=points,
                spend=spend,
                reason=reason[:300],
                external_id=external_id,
                expires_at=expires,
                **_actor_fields(actor),
            )
    except IntegrityError:
        # the same transaction posted concurrently: the other one counted it
        earlier = PointsEntry.objects.filter(external_id=external_id).first()
        if not external_id or earlier is None:
            raise
        return _same_customer(earlier, customer), False
    emit("loyalty.points_posted", _entry_payload(entry))
    return entry, True


def _same_customer(entry: PointsEntry, customer: Customer) -> PointsEntry:
    if entry.customer_id != customer.pk:
        raise Conflict(
            _("Nomor transaksi %(id)s sudah dicatat untuk pelanggan lain.")
            % {"id": entry.external_id},
            fields={"external_id": [_("Sudah dipakai.")]},
        )
    return entry


def post_purchase(
    *,
    customer: Customer,
    external_id: str,
    amount: int,
    at: datetime | None = None,
    actor: User | None = None,
) -> tuple[PointsEntry, bool]:
    """A purchase reported by the business: points for every ``rupiah_per_point``."""
    if not external_id.strip():
        raise ValidationFailed(
            _("Nomor transaksi wajib diisi."), fields={"external_id": [_("Wajib diisi.")]}
        )
    if amount <= 0:
        raise ValidationFailed(
            _("Nilai belanja harus lebih dari nol."), fields={"amount": [_("Harus positif.")]}
        )
    if at is not None and at > timezone.now() + relativedelta(minutes=5):
        raise ValidationFailed(
            _("Waktu transaksi tidak boleh di masa depan."), fields={"at": [_("Di masa depan.")]}
        )
    points = amount // programme().rupiah_per_point
    return post_points(
        customer=customer,
        kind=EntryKind.PURCHASE,
        points=points,
        spend=amount,
        reason=said_in_default_language(gettext_lazy("Belanja %(id)s"), id=external_id.strip()),
        external_id=external_id,
        at=at,
        actor=actor,
    )


# --- CSV import --------------------------------------------------------------------------


@dataclass
class ImportReport:
    added: int = 0
    already: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


def _readable_rows(reader: csv.DictReader[str], report: ImportReport) -> Iterator[dict[str, str]]:
    """The reader's rows up to one the csv module cannot read (e.g. a field over its
    limit), reported with its line: the rest is unread."""
    try:
        yield from reader
    except csv.Error:
        # line_num counts the lines read whole: the one it failed on is the next
        report.errors.append(
            (reader.line_num + 1, _("baris ini dan sesudahnya tidak bisa dibaca sebagai CSV"))
        )


def import_purchases(text: str, *, actor: User | None = None) -> ImportReport:
    """Purchases from a CSV with the columns ``customer`` (number, email or phone),
    ``transaction_id``, ``amount`` (Rupiah) and optionally ``at`` (ISO 8601). Good rows are
    posted, each bad one reported with its line and why; a row posted before (same
    ``transaction_id``) is counted as ``already``."""
    report = ImportReport()
    # newline="": the csv module reads line ends itself (a lone carriage return in a
    # field was its error, a server error before)
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        columns = reader.fieldnames or []
    except csv.Error:
        columns = []
    missing = {"customer", "transaction_id", "amount"} - set(columns)
    if missing:
        raise ValidationFailed(
            _("Kolom CSV kurang: %(cols)s.") % {"cols": ", ".join(sorted(missing))},
            fields={"file": [_("Kolom kurang.")]},
        )
    for row in _readable_rows(reader, report):
        line = reader.line_num
        customer = customer_by_reference(row.get("customer") or "")
        if customer is None:
            report.errors.append(
                (line, _("pelanggan %(ref)s tidak ditemukan") % {"ref": row.get("customer") or "—"})
            )
            continue
        amount_text = (row.get("amount") or "").strip().replace(".", "").replace(",", "")
        if not amount_text.isdigit():
            report.errors.append(
                (line, _("nilai belanja %(v)s bukan angka") % {"v": row.get("amount") or "—"})
            )
            continue
        at = None
        if (row.get("at") or "").strip():
            try:
                at = datetime.fromisoformat(row["at"].strip())
            except ValueError:
                report.errors.append((line, _("waktu %(v)s tidak valid") % {"v": row["at"]}))
                continue
            if timezone.is_naive(at):
                at = timezone.make_aware(at)
        try:
            _entry, created = post_purchase(
                customer=customer,
                external_id=row.get("transaction_id") or "",
                amount=int(amount_text),
                at=at,
                actor=actor,
            )
        except (ValidationFailed, Conflict) as exc:
            report.errors.append((line, exc.message))
            continue
        if created:
            report.added += 1
        else:
            report.already += 1
    return report


# --- expiry --------------------------------------------------------------------------------


def expire_points(now: datetime | None = None) -> int:
    """Posts an ``expiry`` entry for each customer whose earned points that have expired
    exceed what was already taken off (redemptions, earlier expiries, corrections): oldest
    points are spent first. Returns the number of entries posted; running it twice posts
    nothing more."""
    now = now or timezone.now()
    expired_sum = Sum(
        Case(
            When(Q(points__gt=0, expires_at__lte=now), then="points"),
            default=Value(0),
            output_field=IntegerField(),
        )
    )
    debit_sum = Sum(
        Case(When(points__lt=0, then="points"), default=Value(0), output_field=IntegerField())
    )
    rows = (
        PointsEntry.objects.values("customer_id")
        .annotate(expired=expired_sum, debits=debit_sum, total=Sum("points"))
        .annotate(due=F("expired") + F("debits"))
        .filter(due__gt=0)
    )
    posted = 0
    for row in rows:
        due = min(int(row["due"]), int(row["total"]))
        if due <= 0:
            continue
        PointsEntry.objects.create(
            customer_id=row["customer_id"],
            at=now,
            kind=EntryKind.EXPIRY,
            points=-due,
            reason=said_in_default_language(gettext_lazy("Poin kedaluwarsa")),
        )
        posted += 1
    return posted


# --- tiers ---------------------------------------------------------------------------------


def _threshold(p: Programme, tier: str) -> int:
    return {
        LoyaltyTier.REGULAR: 0,
        LoyaltyTier.SILVER: p.silver_from,
        LoyaltyTier.GOLD: p.gold_from,
        LoyaltyTier.PLATINUM: p.platinum_from,
    }[LoyaltyTier(tier)]


def tier_for(value: int, current: str, p: Programme) -> str:
    """The tier ``value`` (points or spend over the window) earns, given the ``current``
    one: up as soon as a threshold is reached; down only once the value is
    ``hysteresis_percent`` below the current tier's threshold."""
    reached = max((t for t in TIERS if value >= _threshold(p, t)), key=TIERS.index)
    if TIERS.index(reached) >= TIERS.index(LoyaltyTier(current)):
        return reached
    keep_from = _threshold(p, current) * (100 - p.hysteresis_percent) / 100
    return current if value >= keep_from else reached


def window_value(customer_id: int, p: Programme, now: datetime) -> int:
    since = now - relativedelta(months=p.window_months)
    earned = PointsEntry.objects.filter(customer_id=customer_id, at__gt=since, at__lte=now).exclude(
        kind__in=DEBITS
    )
    column = "spend" if p.basis == Programme.Basis.SPEND else "points"
    return int(earned.aggregate(n=Sum(column))["n"] or 0)


def active_override(customer_id: int, today: date) -> TierOverride | None:
    latest = TierOverride.objects.filter(customer_id=customer_id).order_by("-at", "-pk").first()
    if latest is None or (latest.until is not None and latest.until < today):
        return None
    return latest


def computed_tier(
    customer: Customer, now: datetime | None = None, p: Programme | None = None
) -> str:
    now = now or timezone.now()
    override = active_override(customer.pk, timezone.localdate(now))
    if override is not None:
        return override.tier
    p = p or programme()
    earned = tier_for(window_value(customer.pk, p, now), customer.loyalty_tier, p)
    organization = customer.organization if customer.organization_id else None
    floor = organization.loyalty_tier if organization is not None else LoyaltyTier.REGULAR
    return earned if tier_rank(earned) >= tier_rank(floor) else floor


def apply_tier(
    customer: Customer, now: datetime | None = None, p: Programme | None = None
) -> str | None:
    """Writes the tier the programme gives ``customer``; the new tier, or None when it
    stays."""
    wanted = computed_tier(customer, now, p)
    if wanted == customer.loyalty_tier:
        return None
    old = customer.loyalty_tier
    customer_update(customer=customer, version=customer.version, changes={"loyalty_tier": wanted})
    emit("loyalty.tier_changed", {"customer_id": customer.pk, "old": old, "new": wanted})
    # told once per change and day, if they agreed to service notices (relations.consent)
    day = timezone.localdate(now) if now is not None else timezone.localdate()
    campaigns.notify_tier_change(
        customer=customer, old=old, new=wanted, change_key=f"{day.isoformat()}:{wanted}"
    )
    return wanted


def recompute_tiers(now: datetime | None = None) -> int:
    """The daily pass: every customer with a ledger or an override. Returns how many
    changed tier."""
    p = programme()  # read once for the whole pass
    if not p.active:
        return 0
    now = now or timezone.now()
    ids = set(PointsEntry.objects.values_list("customer_id", flat=True).distinct())
    ids |= set(TierOverride.objects.values_list("customer_id", flat=True).distinct())
    changed = 0
    for customer in Customer.objects.filter(pk__in=ids, merged_into__isnull=True).iterator():
        if apply_tier(customer, now, p) is not None:
            changed += 1
    return changed


@transaction.atomic
def override_tier(
    *, actor: User, customer: Customer, tier: str, reason: str, until: date | None = None
) -> TierOverride:
    """A tier set by hand, with its reason (recorded; it wins until ``until``)."""
    require_staff(actor)
    if not actor.is_supervisor_or_admin:
        raise ValidationFailed(
            _("Hanya supervisor dan admin yang dapat menetapkan tingkat secara manual.")
        )
    if tier not in LoyaltyTier.values:
        raise ValidationFailed(
            _("Tingkat loyalitas tidak dikenal."), fields={"tier": [_("Pilihan tidak dikenal.")]}
        )
    if not reason.strip():
        raise ValidationFailed(
            _("Sebutkan alasan tingkat manual."), fields={"reason": [_("Wajib diisi.")]}
        )
    if until is not None and until < timezone.localdate():
        raise ValidationFailed(
            _("Tanggal berakhir sudah lewat."), fields={"until": [_("Sudah lewat.")]}
        )
    override = TierOverride.objects.create(
        customer=customer,
        tier=tier,
        reason=reason.strip()[:300],
        until=until,
        at=timezone.now(),
        actor=actor,
    )
    if customer.loyalty_tier != tier:
        customer_update(
            customer=customer, version=customer.version, changes={"loyalty_tier": tier}, actor=actor
        )
    return override


# --- vouchers ------------------------------------------------------------------------------


def import_codes(pool: RewardPool, text: str) -> ImportReport:
    """Codes, one per line (or the first column of a CSV); a code already known (in any
    pool) is reported, not added twice."""
    report = ImportReport()
    for line, row in enumerate(csv.reader(io.StringIO(text.lstrip("\ufeff"))), start=1):
        code = (row[0] if row else "").strip()
        if not code or (line == 1 and code.lower() == "code"):
            continue
        if len(code) > 64 or any(ch.isspace() for ch in code):
            report.errors.append((line, _("kode %(code)s tidak valid") % {"code": code[:70]}))
            continue
        try:
            with transaction.atomic():
                Voucher.objects.create(pool=pool, code=code)
        except IntegrityError:
            report.already += 1
            continue
        report.added += 1
    return report


ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


def generate_codes(pool: RewardPool, count: int, prefix: str = "") -> int:
    if not 0 < count <= 100_000:
        raise ValidationFailed(
            _("Jumlah kode antara 1 dan 100.000."), fields={"count": [_("Di luar batas.")]}
        )
    prefix = prefix.strip().upper()[:20]
    made = 0
    while made < count:
        batch = [
            Voucher(
                pool=pool,
                code=f"{prefix}{''.join(secrets.choice(ALPHABET) for _ in range(10))}",
            )
            for _ in range(min(1000, count - made))
        ]
        made += len(Voucher.objects.bulk_create(batch, ignore_conflicts=True))
    return made


def _claim(pool: RewardPool, customer: Customer, reason: str, key: str) -> Voucher | None:
    """Gives the first free code of ``pool`` to ``customer``: one conditional UPDATE, so a
    code another issue took in the meantime is skipped, never shared."""
    free = Voucher.objects.filter(pool=pool, issued_to__isnull=True).order_by("pk")
    for _attempt in range(50):
        if connection.features.has_select_for_update_skip_locked:
            with transaction.atomic():
                candidate = (
                    free.select_for_update(skip_locked=True).values_list("pk", flat=True).first()
                )
        else:
            candidate = free.values_list("pk", flat=True).first()
        if candidate is None:
            return None
        now = timezone.now()
        taken = Voucher.objects.filter(pk=candidate, issued_to__isnull=True).update(
            issued_to=customer, issued_at=now, issue_reason=reason, issue_key=key
        )
        if taken:
            return Voucher.objects.get(pk=candidate)
    return None


@transaction.atomic
def issue_voucher(
    *, pool: RewardPool, customer: Customer, reason: str, key: str = ""
) -> tuple[Voucher, bool]:
    """One code from ``pool`` for ``customer``; with a ``key`` the same call twice gives
    the same code (``(voucher, False)``)."""
    if reason not in IssueReason.values:
        raise ValidationFailed(_("Alasan pemberian voucher tidak dikenal."))
    if key:
        earlier = Voucher.objects.filter(issued_to=customer, issue_key=key).first()
        if earlier is not None:
            return earlier, False
    try:
        with transaction.atomic():
            voucher = _claim(pool, customer, reason, key)
    except IntegrityError:  # the same key issued concurrently
        return Voucher.objects.get(issued_to=customer, issue_key=key), False
    if voucher is None:
        raise Conflict(
            _("Voucher di kumpulan %(pool)s sudah habis.") % {"pool": pool.name},
            fields={"pool": [_("Habis.")]},
        )
    emit(
        "loyalty.voucher_issued",
        {"customer_id": customer.pk, "code": voucher.code, "pool": pool.name, "reason": reason},
    )
    return voucher, True


def issue_for_proposal(*, actor: User, proposal: Proposal, pool: RewardPool) -> Voucher:
    """A voucher as a proposal's compensation: issued and recorded on the proposal as given
    (its code as the reference) in one transaction."""
    require_staff(actor)
    with transaction.atomic():
        customer = Customer.objects.get(pk=proposal.ticket.customer_id)
        voucher, _created = issue_voucher(
            pool=pool,
            customer=customer,
            reason=IssueReason.COMPENSATION,
            key=f"proposal:{proposal.pk}",
        )
        proposal_fulfil(actor=actor, proposal=proposal, given=True, reference=voucher.code)
    return voucher


def redeem(code: str) -> Voucher:
    voucher = Voucher.objects.filter(code=code.strip()).first()
    if voucher is None or voucher.issued_to_id is None:
        raise NotFound(_("Voucher %(code)s tidak ditemukan.") % {"code": code.strip()})
    if voucher.redeemed_at is not None:
        raise Conflict(
            _("Voucher %(code)s sudah ditukar pada %(at)s.")
            % {
                "code": voucher.code,
                "at": timezone.localtime(voucher.redeemed_at).strftime("%d-%m-%Y %H:%M"),
            }
        )
    with transaction.atomic():
        done = Voucher.objects.filter(pk=voucher.pk, redeemed_at__isnull=True).update(
            redeemed_at=timezone.now()
        )
        voucher.refresh_from_db()
        if not done:  # redeemed concurrently: the other call reported it
            raise Conflict(_("Voucher %(code)s sudah ditukar.") % {"code": voucher.code})
        emit(
            "loyalty.voucher_redeemed",
            {
                "customer_id": voucher.issued_to_id,
                "code": voucher.code,
                "pool": voucher.pool.name,
                "redeemed_at": voucher.redeemed_at.isoformat() if voucher.redeemed_at else None,
            },
        )
    return voucher


def birthday_gifts(today: date | None = None) -> int:
    """The daily birthday gift: one code a year from the programme's birthday pool for each
    customer whose birthday is today (29 February on the 28th in other years)."""
    p = programme()
    if not p.active or p.birthday_pool is None:
        return 0
    today = today or timezone.localdate()
    days = [today.day]
    if today.month == 2 and today.day == 28 and not _leap(today.year):
        days.append(29)
    customers = Customer.objects.filter(
        birthday__month=today.month,
        birthday__day__in=days,
        merged_into__isnull=True,
        erased_at__isnull=True,
    )
    given = 0
    for customer in customers.iterator():
        try:
            _voucher, created = issue_voucher(
                pool=p.birthday_pool,
                customer=customer,
                reason=IssueReason.BIRTHDAY,
                key=f"birthday:{today.year}",
            )
        except Conflict:
            break  # the pool is empty: nobody else gets one today either
        given += int(created)
    return given


def anniversary_points(today: date | None = None) -> int:
    """The daily anniversary award: ``anniversary_points`` for each customer whose first
    day with the business (the record's creation: their first ticket or registration)
    comes round again, from the first anniversary on (29 February on the 28th in other
    years). Once a year per customer: the entry's id is ``anniversary:<customer>:<year>``,
    so a second run (or a retried job) adds nothing. Returns how many were awarded."""
    p = programme()
    if not p.active or not p.anniversary_points:
        return 0
    today = today or timezone.localdate()
    days = [today.day]
    if today.month == 2 and today.day == 28 and not _leap(today.year):
        days.append(29)
    customers = Customer.objects.filter(
        created_at__month=today.month,
        created_at__day__in=days,
        created_at__year__lt=today.year,
        merged_into__isnull=True,
        erased_at__isnull=True,
    )
    awarded = 0
    for customer in customers.order_by("pk").iterator():
        years = today.year - timezone.localtime(customer.created_at).year
        _entry, created = post_points(
            customer=customer,
            kind=EntryKind.ANNIVERSARY,
            points=p.anniversary_points,
            reason=said_in_default_language(
                gettext_lazy("Ulang tahun keanggotaan ke-%(n)d"), n=years
            ),
            external_id=f"anniversary:{customer.pk}:{today.year}",
        )
        awarded += int(created)
    return awarded


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
