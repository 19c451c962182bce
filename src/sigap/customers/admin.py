from django.contrib import admin

from sigap.customers.models import Customer, CustomerContact


class ContactInline(admin.TabularInline[CustomerContact, Customer]):
    model = CustomerContact
    extra = 0


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin[Customer]):
    list_display = ("name", "kind", "loyalty_tier", "temperament", "created_at")
    list_filter = ("kind", "loyalty_tier", "temperament")
    search_fields = ("name", "contacts__value")
    inlines = [ContactInline]
    readonly_fields = ("version",)
