from django.contrib import admin

from sigap.sla.models import (
    BusinessCalendar,
    EscalationLevel,
    Holiday,
    SlaPolicy,
    SlaTarget,
    SpecialHours,
    SpecialPeriod,
    WorkingPeriod,
)


class WorkingPeriodInline(admin.TabularInline[WorkingPeriod, BusinessCalendar]):
    model = WorkingPeriod
    extra = 0


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin[BusinessCalendar]):
    list_display = ["name", "time_zone", "around_the_clock", "national_holidays"]
    inlines = [WorkingPeriodInline]


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin[Holiday]):
    list_display = ["date", "name", "kind", "calendar"]
    list_filter = ["kind", "calendar"]
    date_hierarchy = "date"
    search_fields = ["name"]


class SlaTargetInline(admin.TabularInline[SlaTarget, SlaPolicy]):
    model = SlaTarget
    extra = 0


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin[SlaPolicy]):
    list_display = ["name", "position", "active", "calendar", "team"]
    list_editable = ["position", "active"]
    inlines = [SlaTargetInline]


@admin.register(EscalationLevel)
class EscalationLevelAdmin(admin.ModelAdmin[EscalationLevel]):
    list_display = ["level", "name", "after_minutes", "audience", "user", "reassign", "active"]
    list_editable = ["after_minutes", "audience", "reassign", "active"]
    autocomplete_fields = ["user"]


class SpecialHoursInline(admin.TabularInline[SpecialHours, SpecialPeriod]):
    model = SpecialHours
    extra = 0


@admin.register(SpecialPeriod)
class SpecialPeriodAdmin(admin.ModelAdmin[SpecialPeriod]):
    """For emergencies: the settings pages (/settings/sla/calendars/) are the usual way."""

    list_display = ["name", "calendar", "start_date", "end_date"]
    list_filter = ["calendar"]
    inlines = [SpecialHoursInline]
