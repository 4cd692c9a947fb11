from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from repair import privacy_views, safety_views, views
from rituals.unsubscribe import unsubscribe

urlpatterns = [
    path("", views.today, name="today"),
    path("start/", views.start, name="start"),
    path("couple/invite/", views.invite, name="invite"),
    path("couple/invites/<int:invite_id>/withdraw/", views.invite_revoke, name="invite_revoke"),
    path("couple/leave/", views.leave, name="leave"),
    path("invite/", views.invite_pending, name="invite_pending"),
    path("invite/<str:token>/", views.invite_accept, name="invite_accept"),
    path("program/", include("repair.program.urls")),
    path("settings/", views.settings_view, name="settings"),
    path("settings/export/", privacy_views.export_data, name="export_data"),
    path("settings/delete/", privacy_views.delete_account, name="delete_account"),
    path("goodbye/", privacy_views.account_deleted, name="account_deleted"),
    path("safety/", safety_views.safety_check, name="safety_check"),
    path("safety/support/", safety_views.safety_support, name="safety_support"),
    path("exit/", safety_views.quick_exit, name="quick_exit"),
    path("pause/", views.pause, name="pause"),
    path("support/", views.resources, name="resources"),
    path("outbox/", views.outbox, name="outbox"),
    path("unsubscribe/<str:token>/", unsubscribe, name="unsubscribe"),
    path("checkins/", include("checkins.urls")),
    path("rituals/", include("rituals.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]
