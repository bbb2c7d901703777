from django.urls import path

from projects import views

app_name = "projects"

urlpatterns = [
    path("", views.application_list, name="application_list"),
    path("categories/", views.category_list, name="category_list"),
    path("categories/<int:code>/", views.category_detail, name="category_detail"),
    path("categories/<int:code>/edit/", views.category_edit, name="category_edit"),
    path("calls/", views.call_list, name="call_list"),
    path("calls/new/", views.call_create, name="call_create"),
    path("calls/<int:pk>/", views.call_detail, name="call_detail"),
    path("calls/<int:pk>/edit/", views.call_edit, name="call_edit"),
    path("lots/<int:pk>/apply/", views.application_start, name="application_start"),
    path("applications/<int:pk>/", views.application_detail, name="application_detail"),
    path("applications/<int:pk>/edit/", views.application_edit, name="application_edit"),
    path("applications/<int:pk>/print/", views.application_print, name="application_print"),
    path(
        "applications/<int:pk>/attachments/",
        views.attachment_upload,
        name="attachment_upload",
    ),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
    path("attachments/<int:pk>/delete/", views.attachment_delete, name="attachment_delete"),
    path(
        "applications/<int:pk>/act/<slug:action>/",
        views.application_act,
        name="application_act",
    ),
    path("applications/<int:pk>/assign/", views.application_assign, name="application_assign"),
    path("applications/<int:pk>/report/", views.progress_report, name="progress_report"),
    path("applications/<int:pk>/acceptance/", views.acceptance_request, name="acceptance_request"),
    path("reviews/", views.assignment_list, name="assignment_list"),
    path("reviews/<int:pk>/", views.assignment_detail, name="assignment_detail"),
    path("reviews/<int:pk>/respond/", views.assignment_respond, name="assignment_respond"),
    path("reviews/<int:pk>/reopen/", views.score_reopen, name="score_reopen"),
    path("ranking/", views.ranking, name="ranking"),
    path("ranking/<int:pk>/export/", views.ranking_export, name="ranking_export"),
    path("overdue/", views.overdue_list, name="overdue_list"),
]
