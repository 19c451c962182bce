from django.urls import path

from sigap.web import views

app_name = "web"

urlpatterns = [
    path("inbox/", views.inbox_page, name="inbox"),
    path("inbox/bulk/", views.inbox_bulk, name="inbox_bulk"),
    path("inbox/bulk/undo/", views.inbox_bulk_undo, name="inbox_bulk_undo"),
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
    path(
        "proposals/<int:proposal_id>/<str:decision>/",
        views.proposal_decide,
        name="proposal_decide",
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
    path("customers/<int:customer_id>/", views.customer_page, name="customer"),
    path("settings/teams/", views.settings_teams, name="settings_teams"),
    path("settings/teams/<int:team_id>/", views.settings_teams, name="settings_team"),
    path("settings/canned/", views.settings_canned, name="settings_canned"),
    path("settings/categories/", views.settings_categories, name="settings_categories"),
    path("settings/canned/<int:canned_id>/", views.settings_canned, name="settings_canned_edit"),
]
