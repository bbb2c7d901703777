from django.urls import path

from incentives import views

app_name = "incentives"

urlpatterns = [
    path("", views.policy_list, name="policy_list"),
    path("policies/new/", views.policy_create, name="policy_create"),
    path("policies/<int:pk>/", views.policy_detail, name="policy_detail"),
    path("policies/<int:pk>/edit/", views.policy_edit, name="policy_edit"),
    path("policies/<int:pk>/claim/", views.claim_create, name="claim_create"),
    path("claims/", views.claim_list, name="claim_list"),
    path("claims/<int:pk>/", views.claim_detail, name="claim_detail"),
    path("claims/<int:pk>/edit/", views.claim_edit, name="claim_edit"),
    path("claims/<int:pk>/act/<slug:action>/", views.claim_act, name="claim_act"),
    path(
        "claims/<int:pk>/files/<int:file_pk>/",
        views.claim_file_download,
        name="claim_file_download",
    ),
    path("budgets/", views.budget_list, name="budget_list"),
    path("spending/", views.spending_page, name="spending"),
    path("spending.xlsx", views.spending_export, name="spending_export"),
]
