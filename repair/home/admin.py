"""The operators' admin: accounts and counts, never anything a person wrote or chose privately."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from repair.couples.models import Couple, Invite, User
from repair.home import privacy
from repair.lib.names import NameField
from rituals.models import Heartbeat


class UserAdminForm(UserChangeForm[User]):
    # The same rule for a name as sign-up and Settings (repair/lib/names.py).
    display_name = NameField(label="Display name", required=False)


@admin.register(User)
class UserAdmin(BaseUserAdmin[User]):
    form = UserAdminForm
    list_display = ("email", "display_name", "date_joined", "last_login", "is_active", "is_staff")
    list_filter = ("is_active", "is_staff")
    search_fields = ("email", "display_name")
    ordering = ("-date_joined",)
    readonly_fields = ("date_joined", "last_login")
    fieldsets = (
        (None, {"fields": ("email", "password", "display_name", "time_zone")}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Dates", {"fields": ("date_joined", "last_login")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    filter_horizontal = ("groups",)

    # An operator deleting an account takes the same path as the person would (repair/home/privacy.py):
    # the shared space ends kindly, the partner's own words stay theirs, sessions end, and nothing
    # is left pointing at the person. A plain cascade would take the partner's turns with it.
    def delete_model(self, request: HttpRequest, obj: User) -> None:
        privacy.account_delete(user=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            privacy.account_delete(user=user)


@admin.register(Couple)
class CoupleAdmin(admin.ModelAdmin[Couple]):
    list_display = ("id", "created_at", "ended_at", "member_count")
    list_filter = ("ended_at",)
    readonly_fields = ("created_at", "ended_at", "ended_by")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Couple]:
        return (
            super()
            .get_queryset(request)
            .annotate(_members=Count("memberships", filter=Q(memberships__left_at__isnull=True)))
        )

    @admin.display(description="members")
    def member_count(self, obj: Couple) -> int:
        return obj._members  # type: ignore[attr-defined,no-any-return]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Invite)
class InviteAdmin(admin.ModelAdmin[Invite]):
    list_display = ("id", "couple", "created_at", "expires_at", "current_status")
    readonly_fields = (
        "couple",
        "created_by",
        "created_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    )
    exclude = ("token_hash", "email", "accepted_by")

    @admin.display(description="status")
    def current_status(self, obj: Invite) -> str:
        return str(obj.status(now=timezone.now()).label)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin[Heartbeat]):
    list_display = ("name", "beat_at")
    readonly_fields = ("name", "beat_at")
