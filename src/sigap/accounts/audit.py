"""The security audit log (``SecurityEvent``): who did what to which account, from where.

Recorded here from Django's and Axes' signals (sign-in, failure, lockout, sign-out), from
changes to users (role, active, password) and team members, from every change made in the
admin (``settings_changed``), and by the services that create and revoke API tokens and the
views that export data (``record``). The acting person and their address come from the
request being served (``AuditMiddleware``); a command or a job records no address.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.contrib.admin.models import LogEntry
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models import Q, QuerySet
from django.db.models.signals import m2m_changed, post_save, pre_save
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sigap.accounts.models import SecurityEvent, SecurityKind, Team, User, subject_digests
from sigap.core.locale import said_in_default_language

_request: ContextVar[HttpRequest | None] = ContextVar("sigap_audit_request", default=None)


class AuditMiddleware:
    """Makes the request being served the context of what is recorded during it."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _request.set(request)
        try:
            response: HttpResponse = self.get_response(request)
            return response
        finally:
            _request.reset(token)


@contextmanager
def serving(request: HttpRequest) -> Iterator[None]:
    token = _request.set(request)
    try:
        yield
    finally:
        _request.reset(token)


def _ip(request: HttpRequest | None) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))[:45] if request is not None else ""


def _person(user: Any) -> tuple[int | None, str]:
    if user is None or not getattr(user, "is_authenticated", False):
        return None, ""
    return int(user.pk), str(user.get_username())[:150]


def record(
    kind: SecurityKind,
    *,
    user: User | None = None,
    user_name: str = "",
    detail: str = "",
    data: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    actor: User | None = None,
    named: str = "",
) -> SecurityEvent:
    """``named``: a name or address the row concerns that is neither ``user`` nor
    ``user_name`` (an admin-site change's object), kept as the row's ``subject`` so that
    erasing that person finds the row by index."""
    request = request if request is not None else _request.get()
    actor_id, actor_name = _person(actor if actor is not None else getattr(request, "user", None))
    user_id, name = _person(user) if user is not None else (None, user_name[:150])
    # a name with no account behind it
    typed = (user_name or named) if user_id is None else ""
    return SecurityEvent.objects.create(
        at=timezone.now(),
        kind=kind,
        actor_id=actor_id,
        actor_name=actor_name,
        user_id=user_id,
        user_name=name or user_name[:150],
        ip=_ip(request),
        detail=detail[:500],
        data=data or {},
        subject=next(iter(subject_digests(typed)), None),
    )


def concerning(*, user_ids: Iterable[int], names: Iterable[str]) -> QuerySet[SecurityEvent]:
    """The rows about a person: those of their accounts (``user_ids``, as the acting or
    the concerned account) and those that name them without an account (``subject``, the
    digest of a typed name or address). Each an index lookup (security_user_at,
    security_actor_at, security_subject), never a scan of the log."""
    ids = sorted(set(user_ids))
    digests = sorted({d for n in names for d in subject_digests(n)})
    match = Q()
    if ids:
        match |= Q(user_id__in=ids) | Q(actor_id__in=ids)
    if digests:
        match |= Q(subject__in=digests)
    return SecurityEvent.objects.filter(match) if match else SecurityEvent.objects.none()


def pseudonymise(*, user_ids: Iterable[int], names: Iterable[str], pseudonym: str) -> int:
    """Replaces a person in the log by ``pseudonym`` (an erased customer, UU PDP) on the
    rows ``concerning`` them: the name of the acting or concerned account on the rows of
    ``user_ids``, and every mention of ``names`` (their username and addresses, any case)
    in the names, the detail and the data of those rows and of the rows that only typed
    one of them (a failed sign-in, found by its ``subject``), and the address on the rows
    they acted on themselves. The events stay, with their kind, time and ids, and the
    address of anyone else (a failed sign-in may be someone trying the account); each
    changed row gets
    ``pseudonymised_at``, the one UPDATE the database lets through (accounts/0013).
    Returns the number of rows changed."""
    ids = set(user_ids)
    wanted = sorted({n.strip() for n in names if n and n.strip()}, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(n) for n in wanted), re.I) if wanted else None

    def swap(text: str) -> str:
        return pattern.sub(pseudonym, text) if pattern is not None else text

    changed = 0
    for row in concerning(user_ids=ids, names=wanted).order_by("pk"):
        new = {
            "actor_name": pseudonym if row.actor_id in ids else swap(row.actor_name),
            "user_name": pseudonym if row.user_id in ids else swap(row.user_name),
            "detail": swap(row.detail),
            "data": json.loads(swap(json.dumps(row.data, ensure_ascii=False))),
            "subject": None,  # the digest of a name that is no longer there
            # Where the person was when they acted (their own sign-ins, sign-outs …);
            # a row someone else acted on keeps that one's address (accounts/0015).
            "ip": "" if row.actor_id in ids else row.ip,
        }
        if all(getattr(row, k) == v for k, v in new.items()):
            continue
        # The log's own manager refuses updates; this is the one it allows.
        rows: QuerySet[SecurityEvent] = SecurityEvent.objects.filter(pk=row.pk)
        changed += QuerySet.update(rows, pseudonymised_at=timezone.now(), **new)
    return changed


def _plain(value: Any) -> Any:
    """A value as the log's JSON keeps it (model instances by id, sets as sorted lists)."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((_plain(v) for v in value), key=str)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    pk = getattr(value, "pk", None)
    return pk if pk is not None else str(value)


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The fields that differ, as ``{"before": {...}, "after": {...}}`` (plain values)."""
    keys = [k for k in after if _plain(before.get(k)) != _plain(after.get(k))]
    keys += [k for k in before if k not in after]
    return {
        "before": {k: _plain(before.get(k)) for k in keys},
        "after": {k: _plain(after.get(k)) for k in keys},
    }


# The kinds of thing ``settings_changed`` records, as the audit log's detail names them
# (stored in the business's default language); a kind not listed is named by its code.
_WHAT = {
    "agent profile": gettext_lazy("profil agen"),
    "api_token": gettext_lazy("token API"),
    "approval rule": gettext_lazy("aturan persetujuan"),
    "brand": gettext_lazy("merek"),
    "brand channels": gettext_lazy("saluran merek"),
    "business": gettext_lazy("usaha"),
    "canned response": gettext_lazy("templat balasan"),
    "channel": gettext_lazy("saluran"),
    "escalation_ladder": gettext_lazy("tangga eskalasi"),
    "invitation": gettext_lazy("undangan"),
    "mailbox": gettext_lazy("kotak surat"),
    "message_template": gettext_lazy("templat pesan"),
    "metric_targets": gettext_lazy("target metrik"),
    "person": gettext_lazy("pengguna"),
    "phone extensions": gettext_lazy("ekstensi telepon"),
    "priority_matrix": gettext_lazy("matriks prioritas"),
    "required_fact": gettext_lazy("fakta wajib"),
    "setup": gettext_lazy("penyiapan"),
    "tag": gettext_lazy("tag"),
    "team": gettext_lazy("tim"),
    "team_routing": gettext_lazy("perutean tim"),
    "webhook": gettext_lazy("webhook"),
}
_SETTINGS_DONE = {
    "created": gettext_lazy("%(what)s “%(name)s” dibuat"),
    "changed": gettext_lazy("%(what)s “%(name)s” diubah"),
    "deleted": gettext_lazy("%(what)s “%(name)s” dihapus"),
}


def settings_changed(
    *,
    actor: User | None,
    what: str,
    name: str,
    object_id: int | str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    user: User | None = None,
) -> SecurityEvent | None:
    """A change made in the settings area: who (``actor``), when, to what (``what``: the
    kind of thing, e.g. ``"team"``, and its ``name``), and each changed field before →
    after. ``before`` None: created; ``after`` None: deleted. Nothing is recorded when
    nothing changed."""
    if before is None or after is None:  # created or deleted: every value
        change = {
            "before": {k: _plain(v) for k, v in (before or {}).items()},
            "after": {k: _plain(v) for k, v in (after or {}).items()},
        }
    else:
        change = diff(before, after)
    if before is not None and after is not None and not change["after"]:
        return None
    action = "created" if before is None else "deleted" if after is None else "changed"
    parts = [
        f"{k}: {change['before'].get(k)!s} → {change['after'].get(k)!s}"
        for k in change["after"] or change["before"]
    ]
    said = said_in_default_language(
        _SETTINGS_DONE[action], what=said_in_default_language(_WHAT.get(what, what)), name=name
    )
    detail = said + (f": {'; '.join(parts)}" if parts else "")
    return record(
        SecurityKind.SETTINGS_CHANGED,
        user=user,
        actor=actor,
        detail=detail,
        data={"what": what, "object_id": object_id, "action": action, **change},
    )


# --- signals ----------------------------------------------------------------------------------


_SIGNED_IN_VIA = "_sigap_signed_in_via"


def signing_in_via(request: HttpRequest, detail: str, data: dict[str, Any]) -> None:
    """Says how the sign-in about to happen on this request was made (single sign-on), for
    its ``sign_in`` record; a password sign-in records no detail."""
    setattr(request, _SIGNED_IN_VIA, (detail, data))


def _signed_in(sender: Any, request: HttpRequest | None, user: User, **_: Any) -> None:
    detail, data = getattr(request, _SIGNED_IN_VIA, ("", None))
    record(SecurityKind.SIGN_IN, user=user, request=request, actor=user, detail=detail, data=data)


def _failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **_: Any
) -> None:
    name = str(credentials.get("username", ""))
    record(SecurityKind.SIGN_IN_FAILED, user_name=name, request=request)


def _signed_out(sender: Any, request: HttpRequest | None, user: User | None, **_: Any) -> None:
    if user is not None:
        record(SecurityKind.SIGN_OUT, user=user, request=request, actor=user)


def _locked_out(sender: Any, request: HttpRequest, username: str = "", **_: Any) -> None:
    record(SecurityKind.LOCKED_OUT, user_name=username or "", request=request)


_WATCHED = ("role", "is_active", "is_staff", "is_superuser", "password")


def _before_user_save(sender: Any, instance: User, raw: bool = False, **_: Any) -> None:
    if raw or instance.pk is None:
        return
    old = User.objects.filter(pk=instance.pk).values(*_WATCHED).first()
    instance._sigap_audit_before = old  # type: ignore[attr-defined]


def _after_user_save(
    sender: Any, instance: User, created: bool, raw: bool = False, **_: Any
) -> None:
    if raw:
        return
    old: dict[str, Any] | None = getattr(instance, "_sigap_audit_before", None)
    instance._sigap_audit_before = None  # type: ignore[attr-defined]
    if created or old is None:
        return
    if old["role"] != instance.role or (
        (old["is_staff"], old["is_superuser"]) != (instance.is_staff, instance.is_superuser)
    ):
        record(
            SecurityKind.ROLE_CHANGED,
            user=instance,
            detail=f"{old['role']} → {instance.role}",
            data={
                "from": {k: old[k] for k in ("role", "is_staff", "is_superuser")},
                "to": {
                    "role": instance.role,
                    "is_staff": instance.is_staff,
                    "is_superuser": instance.is_superuser,
                },
            },
        )
    if old["is_active"] != instance.is_active:
        kind = SecurityKind.ACTIVATED if instance.is_active else SecurityKind.DEACTIVATED
        record(kind, user=instance)
    if old["password"] != instance.password:
        record(SecurityKind.PASSWORD_CHANGED, user=instance)


def _members_changed(
    sender: Any, instance: Any, action: str, pk_set: set[int] | None, reverse: bool, **_: Any
) -> None:
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    verb = {"post_add": "added", "post_remove": "removed", "post_clear": "cleared"}[action]
    if reverse:  # user.teams.add(team)
        teams = list(Team.objects.filter(pk__in=pk_set or ()).values_list("name", flat=True))
        record(
            SecurityKind.TEAM_CHANGED,
            user=instance,
            detail=f"{verb}: {', '.join(teams)}",
            data={"action": verb, "teams": sorted(pk_set or ())},
        )
        return
    users = list(User.objects.filter(pk__in=pk_set or ()).values_list("username", flat=True))
    record(
        SecurityKind.TEAM_CHANGED,
        detail=f"{instance.name}: {verb} {', '.join(users)}".strip(),
        data={"team": instance.pk, "action": verb, "users": sorted(pk_set or ())},
    )


_ADMIN_DONE = {
    "added": gettext_lazy("admin menambah %(model)s “%(name)s”"),
    "changed": gettext_lazy("admin mengubah %(model)s “%(name)s”"),
    "deleted": gettext_lazy("admin menghapus %(model)s “%(name)s”"),
}


def _admin_change(sender: Any, instance: LogEntry, created: bool, **_: Any) -> None:
    if not created:
        return
    what = "added" if instance.is_addition() else "deleted" if instance.is_deletion() else "changed"
    model = instance.content_type.model if instance.content_type is not None else ""
    # the account changed, when the change is of one (found again when it is erased)
    object_id = str(instance.object_id or "")
    concerned = (
        User.objects.filter(pk=int(object_id)).first()
        if model == "user" and object_id.isdigit()
        else None
    )
    record(
        SecurityKind.SETTINGS_CHANGED,
        actor=instance.user,
        user=concerned,
        named="" if concerned is not None else instance.object_repr,
        detail=said_in_default_language(_ADMIN_DONE[what], model=model, name=instance.object_repr)[
            :500
        ],
        data={
            "model": model,
            "object_id": instance.object_id,
            "action": what,
            "change": instance.get_change_message(),
        },
    )


def connect() -> None:
    user_logged_in.connect(_signed_in, dispatch_uid="audit-sign-in")
    user_login_failed.connect(_failed, dispatch_uid="audit-sign-in-failed")
    user_logged_out.connect(_signed_out, dispatch_uid="audit-sign-out")
    pre_save.connect(_before_user_save, sender=User, dispatch_uid="audit-user-before")
    post_save.connect(_after_user_save, sender=User, dispatch_uid="audit-user-after")
    m2m_changed.connect(_members_changed, sender=Team.members.through, dispatch_uid="audit-team")
    post_save.connect(_admin_change, sender=LogEntry, dispatch_uid="audit-admin")
    from axes.signals import user_locked_out  # ready(): axes' signals need the app registry

    user_locked_out.connect(_locked_out, dispatch_uid="audit-locked-out")


# --- reading ----------------------------------------------------------------------------------

COLUMNS = ("at", "kind", "actor_name", "user_name", "ip", "detail")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: str) -> str:
    """A value a spreadsheet shows as text: one that would start a formula gets a quote."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def csv_bytes(events: Iterable[SecurityEvent]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("waktu"), _("jenis"), _("pelaku"), _("akun"), _("alamat IP"), _("rincian")])
    labels = dict(SecurityKind.choices)
    for e in events:
        row = [
            e.at.isoformat(),
            str(labels.get(e.kind, e.kind)),
            e.actor_name,
            e.user_name,
            e.ip,
            e.detail,
        ]
        writer.writerow([cell(v) for v in row])  # a username may be a formula
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: Excel reads it as UTF-8
