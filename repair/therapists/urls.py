from __future__ import annotations

from django.urls import path

from repair.therapists import views

app_name = "therapists"
urlpatterns = [
    # The couple's side.
    path("ours/", views.ours, name="ours"),
    path("ours/agree/", views.agree, name="agree"),
    path("ours/end/", views.end, name="end"),
    path("ours/item/", views.item, name="item"),
    path("ours/summary/", views.summary, name="summary"),
    # The therapist's side.
    path("", views.home, name="home"),
    path("couples/<int:access_id>/", views.couple, name="couple"),
    path("couples/<int:access_id>/summary/", views.couple_summary, name="couple_summary"),
    path("couples/<int:access_id>/suggest/", views.suggest, name="suggest"),
    path("invite/", views.invite_pending, name="invite_pending"),
    path("invite/<str:token>/", views.invite, name="invite"),
]
