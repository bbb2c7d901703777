from django.urls import path

from patents import views

app_name = "patents"

urlpatterns = [
    path("", views.pool, name="pool"),
    path("template.xlsx", views.template, name="template"),
    path("import/", views.import_list, name="import"),
    path("import/<int:pk>/apply/", views.import_apply, name="import_apply"),
    path("<int:pk>/screen/", views.screen, name="screen"),
]
