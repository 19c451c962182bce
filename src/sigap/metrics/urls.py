from django.urls import path

from sigap.metrics import views

app_name = "metrics"
urlpatterns = [
    path("dasbor/", views.dashboard, name="dashboard"),
    path("dasbor/langsung/", views.dashboard_live, name="dashboard_live"),
    path("laporan/", views.report_list, name="reports"),
    path("laporan/<int:report_id>/", views.report_page, name="report"),
    path(
        "laporan/<int:report_id>/unduh.<str:fmt_>",
        views.report_export,
        name="report_export",
    ),
    path("laporan/<int:report_id>/kirim/", views.report_send, name="report_send"),
    path("laporan/jadwal/", views.schedule_add, name="schedule_add"),
    path("laporan/jadwal/<int:schedule_id>/hapus/", views.schedule_delete, name="schedule_delete"),
]
