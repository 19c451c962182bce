from django.urls import path

from sigap.kb import views

app_name = "kb"
urlpatterns = [
    path("", views.article_list, name="articles"),
    path("baru/", views.article_create, name="article_new"),
    path("<int:article_id>/", views.article_detail, name="article"),
    path("<int:article_id>/ubah/", views.article_edit, name="article_edit"),
    path("<int:article_id>/riwayat/", views.article_history, name="history"),
    path("<int:article_id>/riwayat/<int:number>/", views.version_detail, name="version"),
    path(
        "<int:article_id>/riwayat/<int:number>/pulihkan/",
        views.version_restore,
        name="restore",
    ),
    path("kategori/", views.categories, name="categories"),
    path("kategori/<int:category_id>/", views.category_edit, name="category_edit"),
    path("saran/<int:ticket_id>/", views.suggestions, name="suggestions"),
]
