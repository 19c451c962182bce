"""``Idempotency-Key`` for every POST under ``/api/`` (after Zulip's idempotency.md).

The key is reserved for (user, key) in its own transaction *before* the request runs:
* a retry after the first finished gets the stored first response, byte for byte;
* the same key with another path or body is refused (409 ``idempotency_conflict``);
* a retry while the first is still running is refused (409, "sedang diproses");
* a 5xx releases the key so the client can try again;
* a 4xx raised by work done without a savepoint (``in_own_transaction``) rolls all of it
  back, and is then stored as any other answer.
On PostgreSQL the reservation goes with its transaction's BEGIN and the stored answer with
its COMMIT, one round trip each (``fastsql.begin_with``, ``commit_with``).
Records expire after ``TTL`` (``idempotency_cleanup`` deletes them).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from datetime import timedelta

from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from sigap.accounts.services import token_authenticate
from sigap.core import fastsql
from sigap.core.apiutil import error_response
from sigap.core.models import IdempotencyRecord

log = logging.getLogger(__name__)

HEADER = "HTTP_IDEMPOTENCY_KEY"
TTL = timedelta(hours=24)
MAX_KEY_LENGTH = 255
REPLAY_HEADER = "Idempotent-Replayed"


TOKEN_USER_ATTR = "_sigap_token_user"
OWN_TRANSACTION_ATTR = "_sigap_own_transaction"


def in_own_transaction(request: HttpRequest) -> bool:
    """Does ``request`` run in the transaction this middleware opened for it, which rolls
    back whole (the key released) when the request's work fails? Its writes then need no
    savepoint of their own (``transaction.atomic(savepoint=False)``): two round trips
    fewer on the API's hottest write."""
    return bool(getattr(request, OWN_TRANSACTION_ATTR, False))


def _request_user_id(request: HttpRequest) -> int | None:
    auth = request.headers.get("Authorization", "")
    if auth.lower().startswith("bearer "):
        user = token_authenticate(auth[7:].strip())
        setattr(request, TOKEN_USER_ATTR, user)  # the API's bearer auth reuses it
        return user.pk if user else None
    session_user = getattr(request, "user", None) or AnonymousUser()
    if not session_user.is_authenticated:
        return None
    return int(str(session_user.pk))


def _request_hash(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    content_type = request.content_type or ""
    if content_type.startswith("multipart/"):
        # The boundary changes between retries; hash the parsed fields and files instead.
        for name in sorted(request.POST):
            digest.update(json.dumps([name, request.POST.getlist(name)]).encode())
        for name in sorted(request.FILES):
            for upload in request.FILES.getlist(name):
                digest.update(f"{name}:{upload.name}:{upload.size}".encode())
                for chunk in upload.chunks():
                    digest.update(chunk)
                upload.seek(0)
    else:
        digest.update(request.body)
    return digest.hexdigest()


class IdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.META.get(HEADER, "")
        if request.method != "POST" or not key or not request.path.startswith("/api/"):
            return self.get_response(request)
        if len(key) > MAX_KEY_LENGTH:
            return error_response(
                422,
                "validation_failed",
                _("Idempotency-Key maksimal %(max)d karakter.") % {"max": MAX_KEY_LENGTH},
            )
        user_id = _request_user_id(request)
        if user_id is None:
            return self.get_response(request)  # the API answers 401
        request_hash = _request_hash(request)
        if connection.in_atomic_block:  # a caller's transaction (tests)
            return self._within(request, user_id, key, request_hash, own=None)
        # One transaction for the reservation, the request's own writes and the stored
        # response: one commit (one WAL flush) instead of three on the API's hottest
        # write, and a 5xx or an exception leaves nothing written at all. A duplicate
        # sent meanwhile waits on the key until this one commits, then gets its response.
        block = transaction.atomic()
        with block:
            setattr(request, OWN_TRANSACTION_ATTR, True)
            response = self._within(request, user_id, key, request_hash, own=block)
            undone = connection.needs_rollback and response.status_code < 500
            undone = undone and not getattr(response, "streaming", False)
        # Work without a savepoint failed and was answered with a 4xx
        # (``in_own_transaction``): all of it is rolled back, the reservation too, and the
        # answer is kept for a retry as any other. A duplicate that was waiting on the key
        # takes it in the moment between the rollback and this insert, and runs the request
        # again: its answer, not this one, is what later retries replay (a savepoint would
        # close that gap at two round trips on every creation; the gap needs a refusal after
        # a write and a duplicate sent within milliseconds).
        if undone and _insert(user_id, key, request.path, request_hash, response) is None:
            log.warning(
                "idempotency key of user %s: a duplicate took it after a %s was rolled back; "
                "retries replay the duplicate's answer",
                user_id,
                response.status_code,
            )
        return response

    def _within(
        self,
        request: HttpRequest,
        user_id: int,
        key: str,
        request_hash: str,
        *,
        own: transaction.Atomic | None,
    ) -> HttpResponse:
        """``own``: the block of the transaction this middleware opened for the request."""
        record_id, replay = _reserve(user_id, key, request.path, request_hash)
        if replay is not None:
            return replay
        assert record_id is not None
        try:
            response = self.get_response(request)
        except BaseException:
            if own is None:  # our own transaction rolls back as the exception leaves it
                IdempotencyRecord.objects.filter(pk=record_id).delete()
            raise
        if own is not None and connection.needs_rollback:  # nothing can be written now
            return response  # (see __call__)
        if response.status_code >= 500 or getattr(response, "streaming", False):
            if own is not None:  # the key is free again, and nothing the request wrote stays
                transaction.set_rollback(True)
            else:
                IdempotencyRecord.objects.filter(pk=record_id).delete()
            return response
        _store(record_id, response, own=own)  # nothing may run after it in our transaction
        return response


# The two statements every API POST with a key runs are written in SQL: the ORM would
# spend several times longer building them than the database spends running them.
_TABLE = IdempotencyRecord._meta.db_table


def _insert(
    user_id: int, key: str, path: str, request_hash: str, response: HttpResponse | None = None
) -> int | None:
    """The new record's id; None when (user, key) is taken (once the transaction that
    took it, if still running, has ended). With ``response``: the finished record."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    status, content_type, body = (
        (response.status_code, response.get("Content-Type", ""), response.content)
        if response is not None
        else (None, "", b"")
    )
    # The first statement of the key's own transaction: its BEGIN goes with it.
    rows = fastsql.begin_with(
        f'INSERT INTO {_TABLE} (user_id, "key", method, path, request_hash, status, '
        "content_type, body, created_at) VALUES (%s, %s, 'POST', %s, %s, %s, %s, %s, %s) "
        "ON CONFLICT DO NOTHING RETURNING id",
        [user_id, key, path, request_hash, status, content_type, body, now],
    )
    return int(rows[0][0]) if rows else None


def _store(record_id: int, response: HttpResponse, *, own: transaction.Atomic | None) -> None:
    sql = f"UPDATE {_TABLE} SET status = %s, content_type = %s, body = %s WHERE id = %s"
    params = [response.status_code, response.get("Content-Type", ""), response.content, record_id]
    if own is not None:  # the last statement of the key's own transaction: with its COMMIT
        fastsql.commit_with(sql, params, own)
        return
    with fastsql.cursor() as cursor:
        cursor.execute(sql, params)


def _reserve(
    user_id: int, key: str, path: str, request_hash: str
) -> tuple[int | None, HttpResponse | None]:
    record_id = _insert(user_id, key, path, request_hash)
    if record_id is not None:
        return record_id, None
    existing = IdempotencyRecord.objects.filter(user_id=user_id, key=key).first()
    if existing is None:  # released by a failed first attempt in the meantime
        return _reserve(user_id, key, path, request_hash)
    if existing.created_at < timezone.now() - TTL:  # expired: the key is free again
        IdempotencyRecord.objects.filter(pk=existing.pk).delete()
        return _reserve(user_id, key, path, request_hash)
    if existing.path != path or existing.request_hash != request_hash:
        return None, error_response(
            409,
            "idempotency_conflict",
            _("Idempotency-Key ini sudah dipakai untuk permintaan lain. Gunakan kunci baru."),
        )
    if existing.status is None:
        return None, error_response(
            409,
            "idempotency_in_progress",
            _("Permintaan dengan Idempotency-Key ini sedang diproses. Coba lagi sebentar lagi."),
        )
    response = HttpResponse(
        bytes(existing.body), status=existing.status, content_type=existing.content_type
    )
    response[REPLAY_HEADER] = "true"
    return None, response


def idempotency_cleanup() -> int:
    """Delete records older than ``TTL``; returns how many were deleted."""
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - TTL).delete()
    return deleted
