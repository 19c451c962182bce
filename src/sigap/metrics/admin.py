from django.contrib import admin

from sigap.metrics.models import MetricTarget, Report, ReportSchedule


@admin.register(MetricTarget)
class MetricTargetAdmin(admin.ModelAdmin[MetricTarget]):
    list_display = ["metric", "target"]
    list_editable = ["target"]


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin[Report]):
    list_display = ["title", "kind", "period_start", "period_end", "created_by", "sent_at"]
    list_filter = ["kind"]
    readonly_fields = ["content"]


@admin.register(ReportSchedule)
class ReportScheduleAdmin(admin.ModelAdmin[ReportSchedule]):
    list_display = ["kind", "frequency", "active", "last_period_end"]
