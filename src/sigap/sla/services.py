"""Writing the SLA policies' time rules (remind after N hours, close N days after resolved)
from the settings pages. Admins may change every policy; a supervisor only their own
teams' policies. The change is validated, and recorded in the audit log before → after."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from sigap.accounts import audit
from sigap.accounts.models import Role, SecurityKind, Team, User
from sigap.core.errors import NotFound, PermissionDenied, ValidationFailed
from sigap.sla.models import SlaPolicy

MAX_REMIND_HOURS = 720  # 30 days
MAX_CLOSE_DAYS = 90


def may_edit_policy(user: User, policy: SlaPolicy) -> bool:
    if user.role == Role.ADMIN:
        return True
    if user.role != Role.SUPERVISOR or policy.team_id is None:
        return False
    return Team.objects.filter(pk=policy.team_id, supervisor_id=user.pk).exists()


def access_policy(user: User, policy_id: int) -> SlaPolicy:
    policy = SlaPolicy.objects.filter(pk=policy_id).first()
    if policy is None:
        raise NotFound(_("Kebijakan SLA tidak ditemukan."))
    if not may_edit_policy(user, policy):
        raise PermissionDenied(_("Supervisor hanya dapat mengatur kebijakan SLA timnya sendiri."))
    return policy


@transaction.atomic
def policy_time_rules_set(
    *,
    actor: User,
    policy: SlaPolicy,
    remind_after_hours: int | None,
    auto_close_days: int | None,
) -> SlaPolicy:
    """``None``: the server's default for that rule."""
    policy = access_policy(actor, policy.pk)
    errors: dict[str, list[str]] = {}
    if remind_after_hours is not None and not 1 <= remind_after_hours <= MAX_REMIND_HOURS:
        errors["remind_after_hours"] = [
            _("Pengingat antara 1 dan %(n)d jam.") % {"n": MAX_REMIND_HOURS}
        ]
    if auto_close_days is not None and not 1 <= auto_close_days <= MAX_CLOSE_DAYS:
        errors["auto_close_days"] = [
            _("Tutup otomatis antara 1 dan %(n)d hari.") % {"n": MAX_CLOSE_DAYS}
        ]
    if errors:
        raise ValidationFailed(_("Aturan waktu belum benar."), fields=errors)
    before = {
        "remind_after_hours": policy.remind_after_hours,
        "auto_close_days": policy.auto_close_days,
    }
    after = {"remind_after_hours": remind_after_hours, "auto_close_days": auto_close_days}
    if before == after:
        return policy
    SlaPolicy.objects.filter(pk=policy.pk).update(**after)
    policy.remind_after_hours = remind_after_hours
    policy.auto_close_days = auto_close_days
    audit.record(
        SecurityKind.SETTINGS_CHANGED,
        actor=actor,
        detail=f"aturan waktu kebijakan SLA “{policy.name}” diubah",
        data={"model": "sla.slapolicy", "id": policy.pk, "before": before, "after": after},
    )
    return policy
