from django.urls import path

from reporting import views

app_name = "reporting"

urlpatterns = [
    path("", views.return_list, name="return_list"),
    path("returns/open/", views.return_open, name="return_open"),
    path("returns/<int:pk>/", views.return_detail, name="return_detail"),
    path("returns/<int:pk>/template.xlsx", views.return_template, name="return_template"),
    path("returns/<int:pk>/export.xlsx", views.return_export, name="return_export"),
    path("returns/<int:pk>/upload/", views.return_upload, name="return_upload"),
    path("returns/<int:pk>/edit/", views.return_edit, name="return_edit"),
    path("returns/<int:pk>/history/", views.return_history, name="return_history"),
    path("returns/<int:pk>/<str:action>/", views.return_action, name="return_action"),
    path("uploads/<int:pk>/apply/", views.upload_apply, name="upload_apply"),
    path("uploads/<int:pk>/file/", views.upload_download, name="upload_download"),
    path("completeness/", views.completeness, name="completeness"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/<str:code>/", views.dashboard, name="dashboard_region"),
    path("dashboard/<str:code>/export/", views.dashboard_export, name="dashboard_export"),
    path("exports/<int:pk>/", views.export_detail, name="export_detail"),
    path("exports/<int:pk>/file/", views.export_download, name="export_download"),
    path("targets/", views.target_list, name="target_list"),
    path("targets/new/", views.target_edit, name="target_new"),
    path("targets/<int:pk>/", views.target_edit, name="target_edit"),
    path("setup/", views.setup, name="setup"),
    path("setup/elements/new/", views.element_edit, name="element_new"),
    path("setup/elements/<int:pk>/", views.element_edit, name="element_edit"),
    path("setup/rules/new/", views.rule_edit, name="rule_new"),
    path("setup/rules/<int:pk>/", views.rule_edit, name="rule_edit"),
]
