"""Event-triggered automation rules (conditions -> actions) and their audit log."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Trigger(models.TextChoices):
    TICKET_CREATED = "ticket_created", _("Tiket dibuat")
    TICKET_UPDATED = "ticket_updated", _("Tiket diubah")
    MESSAGE_RECEIVED = "message_received", _("Pesan pelanggan masuk")
    SLA_WARNING = "sla_warning", _("Tenggat hampir lewat")
    SLA_BREACHED = "sla_breached", _("Tenggat terlampaui")
    SURVEY_ANSWERED = "survey_answered", _("Survei dijawab")


class Rule(models.Model):
    """When ``trigger`` happens and every condition matches, apply ``actions`` in order.

    conditions: {"channels": [...], "kinds": [...], "priorities": [...], "severities": [...],
                 "categories": [...], "tiers": [...], "teams": [ids], "keywords": [...]}
                 (keywords: any of them in the subject or the message, case-insensitive)
    actions:    [{"type": "set_priority", "value": 1}, {"type": "set_team", "value": id},
                 {"type": "assign", "value": user id}, {"type": "add_tag", "value": "gas"},
                 {"type": "add_note", "value": "..."}, {"type": "send_reply", "value": "..."},
                 {"type": "send_canned", "value": canned id}, {"type": "notify_supervisor"},
                 {"type": "call_webhook", "value": webhook id}]
    survey_answered also takes {"survey_kinds": ["resolution"|"nps"], "score_at_most": 2,
                 "score_at_least": 4} (the score: CSAT for a resolution survey, else NPS)
    """

    name = models.CharField(_("nama"), max_length=120)
    position = models.PositiveIntegerField(_("urutan"), default=100)
    active = models.BooleanField(_("aktif"), default=True)
    trigger = models.CharField(_("pemicu"), max_length=24, choices=Trigger.choices)
    conditions = models.JSONField(_("syarat"), default=dict, blank=True)
    actions = models.JSONField(_("tindakan"), default=list)
    stop_after = models.BooleanField(
        _("berhenti setelah aturan ini"),
        default=False,
        help_text=_("Aturan berikutnya tidak diperiksa bila aturan ini berlaku."),
    )

    class Meta:
        verbose_name = _("aturan otomasi")
        verbose_name_plural = _("aturan otomasi")
        ordering = ["trigger", "position", "id"]

    def __str__(self) -> str:
        return self.name


class RuleRun(models.Model):
    """The audit: which rule fired on which ticket, and what it did."""

    rule = models.ForeignKey(Rule, null=True, on_delete=models.SET_NULL, related_name="runs")
    rule_name = models.CharField(max_length=120)
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    trigger = models.CharField(max_length=24)
    applied = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("jejak otomasi")
        verbose_name_plural = _("jejak otomasi")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.rule_name} @ {self.ticket_id}"
