from django.urls import path

from sigap.portal import views
from sigap.portal.proposal_link import proposal_link

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("masuk/", views.sign_in, name="login"),
    path("daftar/", views.signup, name="signup"),
    path("tautan/", views.magic_request, name="magic"),
    path("tautan/<str:token>/", views.magic_login, name="magic_login"),
    path("baru/", views.new_ticket, name="new"),
    path("baru/saran/", views.new_ticket_suggestions, name="suggestions"),
    path("baru/artikel/<slug:slug>/", views.suggested_article, name="suggested_article"),
    path("tiket/<int:ticket_id>/", views.ticket_page, name="ticket"),
    path("tiket/<int:ticket_id>/balas/", views.ticket_reply, name="ticket_reply"),
    path("tiket/<int:ticket_id>/teguran/", views.ticket_escalate, name="ticket_escalate"),
    path("usulan/<int:proposal_id>/<str:answer>/", views.proposal_answer, name="proposal_answer"),
    path("usulan/jawab/<str:token>/", proposal_link, name="proposal_link"),
]
