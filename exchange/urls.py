from django.urls import path

from exchange import views

app_name = "exchange"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.mapping_edit, name="mapping_new"),
    path("<int:pk>/edit/", views.mapping_edit, name="mapping_edit"),
    path("<int:pk>/import/", views.import_file, name="import"),
    path("<int:pk>/export/", views.export, name="export"),
    path("runs/", views.run_list, name="run_list"),
    path("runs/<int:pk>/apply/", views.run_apply, name="run_apply"),
    path("runs/<int:pk>/file/", views.run_file, name="run_file"),
]
