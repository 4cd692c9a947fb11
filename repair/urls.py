from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from repair.couples import account_views, safety_views
from repair.couples import views as couple_views
from repair.home import privacy_views
from repair.home import views as home_views
from repair.program import read_views
from rituals.unsubscribe import unsubscribe

urlpatterns = [
    path("", home_views.today, name="today"),
    path("today/whats-here/", home_views.whats_here, name="whats_here"),
    path("start/", couple_views.start, name="start"),
    path("couple/invite/", couple_views.invite, name="invite"),
    path(
        "couple/invites/<int:invite_id>/withdraw/", couple_views.invite_revoke, name="invite_revoke"
    ),
    path("couple/leave/", couple_views.leave, name="leave"),
    path("invite/", couple_views.invite_pending, name="invite_pending"),
    path("invite/<str:token>/", couple_views.invite_accept, name="invite_accept"),
    path("program/", include("repair.program.urls")),
    path("settings/", couple_views.settings_view, name="settings"),
    path("settings/export/", privacy_views.export_data, name="export_data"),
    path("settings/delete/", privacy_views.delete_account, name="delete_account"),
    path("goodbye/", privacy_views.account_deleted, name="account_deleted"),
    path("safety/", safety_views.safety_check, name="safety_check"),
    path("safety/support/", safety_views.safety_support, name="safety_support"),
    path("exit/", safety_views.quick_exit, name="quick_exit"),
    path("pause/", home_views.pause, name="pause"),
    path("when-it-hits/", home_views.when_it_hits, name="when_it_hits"),
    path("support/", home_views.resources, name="resources"),
    path("reads/", read_views.reads, name="reads"),
    path("reads/<slug:slug>/", read_views.read, name="read"),
    path("outbox/", home_views.outbox, name="outbox"),
    path("unsubscribe/<str:token>/", unsubscribe, name="unsubscribe"),
    path("checkins/", include("checkins.urls")),
    path("rituals/", include("rituals.urls")),
    path("therapist/", include("repair.therapists.urls")),
    # allauth's code page with our clock (repair/couples/account_views.py), ahead of its own.
    path(
        "accounts/confirm-email/",
        account_views.email_code,
        name="account_email_verification_sent",
    ),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]
