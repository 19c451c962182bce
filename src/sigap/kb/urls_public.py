from django.urls import path

from sigap.kb import views_public as views

app_name = "help"
urlpatterns = [
    path("", views.home, name="home"),
    path("cari/", views.search, name="search"),
    path("kategori/<slug:slug>/", views.category, name="category"),
    path("artikel/<slug:slug>/", views.article, name="article"),
    path("artikel/<slug:slug>/nilai/", views.vote, name="vote"),
    path("saran/", views.widget_suggestions, name="widget_suggestions"),
    path("saran/<slug:slug>/", views.widget_article, name="widget_article"),
]
