from django.urls import path

from sigap.web import views
from sigap.web.views import (
    automations,
    brands,
    campaigns,
    channels,
    first_run,
    incidents,
    merge,
    message_templates,
    relations,
    routing,
    sla,
    targets,
    time_rules,
)
from sigap.web.views.people import settings_invitations, settings_people, settings_person
from sigap.web.views.proposals import proposal_answer_record
from sigap.web.views.settings_hub import settings_home

app_name = "web"

urlpatterns = [
    path("inbox/", views.inbox_page, name="inbox"),
    path("beranda/", views.supervisor_home, name="supervisor_home"),
    path("inbox/views/", views.saved_view_create, name="saved_view_create"),
    path("inbox/views/<int:view_id>/rename/", views.saved_view_rename, name="saved_view_rename"),
    path("inbox/views/<int:view_id>/delete/", views.saved_view_delete, name="saved_view_delete"),
    path("inbox/lookup/<str:kind>/", views.inbox_lookup, name="inbox_lookup"),
    path("tickets/<int:ticket_id>/macro/", views.ticket_macro, name="ticket_macro"),
    path("inbox/bulk/", views.inbox_bulk, name="inbox_bulk"),
    path("inbox/bulk/undo/", views.inbox_bulk_undo, name="inbox_bulk_undo"),
    path("tickets/new/", views.ticket_new, name="ticket_new"),
    path("tickets/<int:ticket_id>/", views.ticket_page, name="ticket"),
    path("tickets/<int:ticket_id>/reply/", views.ticket_reply, name="ticket_reply"),
    path("tickets/<int:ticket_id>/record/", views.ticket_record, name="ticket_record"),
    path("tickets/<int:ticket_id>/confirm/", views.ticket_confirm, name="ticket_confirm"),
    path("tickets/<int:ticket_id>/apology/", views.ticket_apology, name="ticket_apology"),
    path("tickets/<int:ticket_id>/proposal/", views.ticket_proposal, name="ticket_proposal"),
    path("tickets/<int:ticket_id>/transfer/", views.ticket_transfer, name="ticket_transfer"),
    path("tickets/<int:ticket_id>/status/", views.ticket_status, name="ticket_status"),
    path("tickets/<int:ticket_id>/close/", views.ticket_close, name="ticket_close"),
    path("tickets/<int:ticket_id>/reopen/", views.ticket_reopen, name="ticket_reopen"),
    path("tickets/<int:ticket_id>/assign-me/", views.ticket_assign_me, name="ticket_assign_me"),
    path("tickets/<int:ticket_id>/escalate/", views.ticket_escalate, name="ticket_escalate"),
    path("tickets/<int:ticket_id>/classify/", views.ticket_classify, name="ticket_classify"),
    path("tickets/<int:ticket_id>/assign/", views.ticket_assign, name="ticket_assign"),
    path("tickets/<int:ticket_id>/mentions/", views.ticket_mentions, name="ticket_mentions"),
    path(
        "proposals/<int:proposal_id>/<str:decision>/",
        views.proposal_decide,
        name="proposal_decide",
    ),
    # merge, split and links (web/views/merge.py)
    path("tickets/<int:ticket_id>/merge/", merge.ticket_merge, name="ticket_merge"),
    path(
        "tickets/<int:ticket_id>/merge/search/",
        merge.ticket_merge_search,
        name="ticket_merge_search",
    ),
    path(
        "tickets/<int:ticket_id>/split/<int:message_id>/",
        merge.ticket_split,
        name="ticket_split",
    ),
    path("tickets/<int:ticket_id>/links/", merge.ticket_link_add, name="ticket_link_add"),
    path("tickets/<int:ticket_id>/links/list/", merge.ticket_links, name="ticket_links"),
    path(
        "tickets/<int:ticket_id>/links/search/",
        merge.ticket_link_search,
        name="ticket_link_search",
    ),
    path(
        "tickets/<int:ticket_id>/links/<int:other_id>/remove/",
        merge.ticket_link_remove,
        name="ticket_link_remove",
    ),
    path("customers/<int:customer_id>/merge/", merge.customer_merge, name="customer_merge"),
    path(
        "customers/<int:customer_id>/merge/search/",
        merge.customer_merge_search,
        name="customer_merge_search",
    ),
    path(
        "tickets/<int:ticket_id>/proposal-answer/",
        proposal_answer_record,
        name="proposal_answer_record",
    ),
    path("approvals/", views.approvals, name="approvals"),
    path(
        "tickets/<int:ticket_id>/proposal/resubmit/",
        views.ticket_proposal_resubmit,
        name="ticket_proposal_resubmit",
    ),
    path(
        "tickets/<int:ticket_id>/proposal/fulfil/",
        views.ticket_proposal_fulfil,
        name="ticket_proposal_fulfil",
    ),
    path(
        "settings/approval-rule/",
        views.settings_approval_default,
        name="settings_approval_default",
    ),
    path("customers/", views.customer_list, name="customers"),
    path("customers/new/", views.customer_new, name="customer_new"),
    path("customers/lookup/", views.customer_lookup, name="customer_lookup"),
    path("customers/check/", views.customer_check, name="customer_check"),
    path("customers/<int:customer_id>/", views.customer_page, name="customer"),
    path("customers/<int:customer_id>/edit/", relations.customer_edit, name="customer_edit"),
    path(
        "customers/<int:customer_id>/stream/",
        relations.customer_stream_part,
        name="customer_stream",
    ),
    path(
        "customers/<int:customer_id>/loyalty/",
        relations.customer_loyalty,
        name="customer_loyalty",
    ),
    path("loyalty/", relations.loyalty_settings, name="loyalty_settings"),
    path("organizations/", relations.organization_list, name="organizations"),
    path(
        "organizations/<int:organization_id>/",
        relations.organization_page,
        name="organization",
    ),
    path(
        "organizations/<int:organization_id>/members/",
        relations.organization_member,
        name="organization_member",
    ),
    path("settings/", settings_home, name="settings"),
    path("settings/setup/", first_run.setup_page, name="settings_setup"),
    path("settings/setup/skip/<str:step>/", first_run.setup_skip, name="settings_setup_skip"),
    path("settings/setup/dismiss/", first_run.setup_dismiss, name="settings_setup_dismiss"),
    path(
        "settings/setup/test-complaint/",
        first_run.setup_test_complaint,
        name="settings_setup_test_complaint",
    ),
    path("business/logo/", first_run.business_logo, name="business_logo"),
    path("merek/<slug:slug>/logo/", brands.brand_logo, name="brand_logo"),
    path("settings/brands/", brands.settings_brands, name="settings_brands"),
    path("settings/brands/<int:brand_id>/", brands.settings_brand, name="settings_brand"),
    path("settings/people/", settings_people, name="settings_people"),
    path("settings/people/<int:user_id>/", settings_person, name="settings_person"),
    path("settings/people/invitations/", settings_invitations, name="settings_invitations"),
    path("settings/teams/", views.settings_teams, name="settings_teams"),
    path("settings/teams/<int:team_id>/", views.settings_teams, name="settings_team"),
    path("settings/canned/", views.settings_canned, name="settings_canned"),
    path("settings/categories/", views.settings_categories, name="settings_categories"),
    path("settings/canned/<int:canned_id>/", views.settings_canned, name="settings_canned_edit"),
    path("settings/sla/", sla.sla_policies, name="settings_sla"),
    path("settings/sla/new/", sla.sla_policy, name="settings_sla_policy_new"),
    path("settings/sla/<int:policy_id>/", sla.sla_policy, name="settings_sla_policy"),
    path(
        "settings/sla/<int:policy_id>/active/",
        sla.sla_policy_active,
        name="settings_sla_policy_active",
    ),
    path(
        "settings/sla/<int:policy_id>/move/", sla.sla_policy_move, name="settings_sla_policy_move"
    ),
    path(
        "settings/sla/<int:policy_id>/delete/",
        sla.sla_policy_delete,
        name="settings_sla_policy_delete",
    ),
    path("settings/sla/calendars/", sla.sla_calendars, name="settings_sla_calendars"),
    path("settings/sla/calendars/new/", sla.sla_calendar, name="settings_sla_calendar_new"),
    path(
        "settings/sla/calendars/<int:calendar_id>/",
        sla.sla_calendar,
        name="settings_sla_calendar",
    ),
    path(
        "settings/sla/calendars/<int:calendar_id>/special/",
        sla.sla_special,
        name="settings_sla_special_new",
    ),
    path(
        "settings/sla/calendars/<int:calendar_id>/special/<int:special_id>/",
        sla.sla_special,
        name="settings_sla_special",
    ),
    path("settings/sla/holidays/", sla.sla_holidays, name="settings_sla_holidays"),
    path("settings/sla/escalation/", sla.sla_escalation, name="settings_sla_escalation"),
    path("settings/targets/", targets.settings_targets, name="settings_targets"),
    path("settings/priority/", targets.settings_priority, name="settings_priority"),
    path(
        "settings/sla/holidays/<int:holiday_id>/delete/",
        sla.sla_holiday_delete,
        name="settings_sla_holiday_delete",
    ),
    path("settings/automations/", automations.settings_automations, name="settings_automations"),
    path(
        "settings/automations/new/",
        automations.settings_automation,
        name="settings_automation_new",
    ),
    path(
        "settings/automations/time/",
        time_rules.settings_time_rules,
        name="settings_time_rules",
    ),
    path(
        "settings/automations/<int:rule_id>/",
        automations.settings_automation,
        name="settings_automation",
    ),
    path(
        "settings/automations/<int:rule_id>/change/",
        automations.settings_automation_change,
        name="settings_automation_change",
    ),
    path("settings/routing/", routing.settings_routing, name="settings_routing"),
    path("settings/routing/new/", routing.settings_routing_rule, name="settings_routing_new"),
    path(
        "settings/routing/<int:rule_id>/",
        routing.settings_routing_rule,
        name="settings_routing_rule",
    ),
    path(
        "settings/routing/<int:rule_id>/change/",
        routing.settings_routing_change,
        name="settings_routing_change",
    ),
]

# The channels' settings (admins only): mailboxes and the messaging channels.
urlpatterns += [
    path("settings/channels/", channels.settings_channels, name="settings_channels"),
    # The messages Sigap sends customers by itself (admins only).
    path("settings/templates/", message_templates.settings_templates, name="settings_templates"),
    path(
        "settings/templates/<str:key>/<str:language>/",
        message_templates.settings_template,
        name="settings_template",
    ),
    path(
        "settings/channels/mailboxes/new/", channels.settings_mailbox, name="settings_mailbox_new"
    ),
    path(
        "settings/channels/mailboxes/<int:mailbox_id>/",
        channels.settings_mailbox,
        name="settings_mailbox",
    ),
    path(
        "settings/channels/mailboxes/<int:mailbox_id>/delete/",
        channels.settings_mailbox_delete,
        name="settings_mailbox_delete",
    ),
    path(
        "settings/channels/<slug:provider>/disconnect/",
        channels.settings_channel_disconnect,
        name="settings_channel_disconnect",
    ),
    path(
        "settings/channels/mailboxes/<int:mailbox_id>/test/",
        channels.settings_mailbox_test,
        name="settings_mailbox_test",
    ),
    path(
        "settings/channels/mailboxes/<int:mailbox_id>/oauth/",
        channels.settings_mailbox_oauth,
        name="settings_mailbox_oauth",
    ),
    path(
        "settings/channels/mailboxes/oauth/callback/",
        channels.settings_mailbox_oauth_back,
        name="settings_mailbox_oauth_back",
    ),
    path(
        "settings/channels/<slug:provider>/",
        channels.settings_channel,
        name="settings_channel",
    ),
    path("campaigns/", campaigns.campaign_list, name="campaigns"),
    path("campaigns/new/", campaigns.campaign_new, name="campaign_new"),
    path("campaigns/<int:campaign_id>/", campaigns.campaign_page, name="campaign"),
    path(
        "campaigns/<int:campaign_id>/action/",
        campaigns.campaign_action,
        name="campaign_action",
    ),
    path("berhenti/<str:token>/", campaigns.unsubscribe, name="unsubscribe"),
    path(
        "customers/<int:customer_id>/consent/",
        campaigns.customer_consent,
        name="customer_consent",
    ),
    path("incidents/", incidents.incident_list, name="incidents"),
    path("incidents/new/", incidents.incident_new, name="incident_new"),
    path("incidents/<int:incident_id>/", incidents.incident_detail, name="incident"),
    path("incidents/<int:incident_id>/report/", incidents.incident_report, name="incident_report"),
    path(
        "incidents/<int:incident_id>/confirm/",
        incidents.incident_confirm,
        name="incident_confirm",
    ),
    path(
        "incidents/<int:incident_id>/dismiss/",
        incidents.incident_dismiss,
        name="incident_dismiss",
    ),
    path("incidents/<int:incident_id>/edit/", incidents.incident_update, name="incident_update"),
    path("incidents/<int:incident_id>/steps/", incidents.incident_step, name="incident_step"),
    path("incidents/<int:incident_id>/link/", incidents.incident_link, name="incident_link"),
    path(
        "incidents/<int:incident_id>/unlink/<int:ticket_id>/",
        incidents.incident_unlink,
        name="incident_unlink",
    ),
    path("incidents/<int:incident_id>/answer/", incidents.incident_answer, name="incident_answer"),
    path(
        "incidents/<int:incident_id>/resolve/",
        incidents.incident_resolve,
        name="incident_resolve",
    ),
]
