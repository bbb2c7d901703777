from django.urls import path

from patents import views

app_name = "patents"

urlpatterns = [
    path("", views.pool, name="pool"),
    path("template.xlsx", views.template, name="template"),
    path("import/", views.import_list, name="import"),
    path("import/<int:pk>/apply/", views.import_apply, name="import_apply"),
    path("<int:pk>/screen/", views.screen, name="screen"),
    path("needs/", views.need_list, name="need_list"),
    path("needs/new/", views.need_new, name="need_new"),
    path("needs/<int:pk>/", views.need_detail, name="need_detail"),
    path("suggestions/<int:pk>/feedback/", views.feedback, name="feedback"),
    path("<int:pk>/", views.patent_detail, name="patent_detail"),
    path("<int:pk>/conversions/new/", views.conversion_new, name="conversion_new"),
    path("<int:pk>/push/", views.push, name="push"),
    path("conversions/", views.conversion_list, name="conversions"),
    path("conversions/<int:pk>/end/", views.conversion_end, name="conversion_end"),
    path("open-licences/", views.open_licence_list, name="open_licences"),
    path("statistics/", views.statistics, name="statistics"),
    path("export.xlsx", views.export, name="export"),
]
