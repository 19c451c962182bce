from django.contrib import admin

from sigap.surveys.models import Survey


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin[Survey]):
    list_display = ["pk", "kind", "customer", "ticket", "agent", "sent_at", "csat", "ces", "nps"]
    list_filter = ["kind", "sent_via", "channel"]
    date_hierarchy = "sent_at"
    raw_id_fields = ["customer", "ticket", "agent", "team"]
    readonly_fields = ["csat", "ces", "nps", "comment", "answered_at"]
