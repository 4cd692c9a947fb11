"""Who can reach what: every URL of ours by {anonymous, partner A, partner B, an outsider from another
couple, staff} by {GET, POST}. The matrix itself is in tests/access_matrix.py: a new URL without a
row there makes the test fail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from checkins.models import SHAREABLE_FIELDS, CheckIn, Visibility
from repair.couples.models import Couple, Invite, User
from repair.couples.selectors import couple_for_user
from repair.lib.tokens import token_hash
from repair.program import services
from repair.program.content import program
from repair.therapists import services as therapist_services
from repair.therapists.models import TherapistAccess
from tests.access_matrix import (
    LOGIN,
    MATRIX,
    ROLES,
    THERAPIST_TOKEN,
    TOKEN,
    World,
    our_url_names,
)
from tests.conftest import client_for
from tests.factories import couple_view, make_therapist_access, make_user


def test_every_url_has_a_row_in_the_access_matrix():
    missing = our_url_names() - MATRIX.keys()
    stale = MATRIX.keys() - our_url_names()
    assert not missing, f"URLs with no access-matrix row: {sorted(missing)}"
    assert not stale, f"Rows for URLs that no longer exist: {sorted(stale)}"


@pytest.fixture
def theo(db: None) -> User:
    """Avery and Blake's therapist."""
    return make_user("Theo", safety_checked=False)


@pytest.fixture
def tess(outsider: User) -> User:
    """The therapist of the outsider's couple (Charlie and Dana), with access open."""
    tess = make_user("Tess", safety_checked=False)
    other = couple_for_user(user=outsider)
    assert other is not None
    assert other.partner is not None
    make_therapist_access(other.couple, tess, agreed_by=(outsider, other.partner))
    return tess


def _therapist_access(
    couple: Couple, theo: User, partner_a: User, partner_b: User, role: str
) -> TherapistAccess:
    """Theo's access to Avery and Blake, in the state the role under test names: waiting for
    Blake's yes, ended by a partner, or (for every other role) open."""
    agreed_by = (partner_a,) if role == "therapist_pending" else (partner_a, partner_b)
    access, _token = make_therapist_access(couple, theo, agreed_by=agreed_by)
    TherapistAccess.objects.filter(pk=access.pk).update(token_hash=token_hash(THERAPIST_TOKEN))
    if role == "therapist_ended":
        therapist_services.therapist_end(couple=couple_view(partner_b))
    access.refresh_from_db()
    return access


@pytest.fixture
def world(
    request: pytest.FixtureRequest,
    couple: Couple,
    partner_a: User,
    partner_b: User,
    theo: User,
    tess: User,
) -> World:
    callspec = getattr(request.node, "callspec", None)
    role = callspec.params.get("role", "") if callspec is not None else ""
    # A link made before Blake joined, still pending: the couple is now full.
    invite = Invite.objects.create(
        couple=couple,
        created_by=partner_a,
        token_hash=token_hash(TOKEN),
        expires_at=timezone.now() + timedelta(days=3),
    )
    shared = CheckIn.objects.create(
        user=partner_a,
        couple=couple,
        local_date=partner_a.local_today(),
        visibility=Visibility.SHARED,
        shared_fields=list(SHAREABLE_FIELDS),
        helped="Avery's shared words",
    )
    reflection = next(e for e in program().stages[0].exercises if e.type == "reflection")
    return World(
        couple=couple,
        invite=invite,
        shared_checkin=shared,
        reflection_slug=reflection.slug,
        therapist_access=_therapist_access(couple, theo, partner_a, partner_b, role),
    )


@pytest.fixture
def clients(
    partner_a: User, partner_b: User, outsider: User, theo: User, tess: User, world: World
) -> dict[str, Client]:
    staff = make_user("Sol")
    staff.is_staff = True
    staff.save()
    return {
        "anonymous": Client(),
        "partner_a": client_for(partner_a),
        "partner_b": client_for(partner_b),
        "outsider": client_for(outsider),
        "staff": client_for(staff),
        # One therapist, Theo, in the three states of his access (the world follows the role).
        "therapist_agreed": client_for(theo),
        "therapist_pending": client_for(theo),
        "therapist_ended": client_for(theo),
        "therapist_other": client_for(tess),
    }


# Everyone who must never read a word of Avery and Blake's: only Theo, with the access open
# (both said yes), may see their names, on his own pages.
OUTSIDE_THE_COUPLE = (
    "outsider",
    "staff",
    "anonymous",
    "therapist_pending",
    "therapist_ended",
    "therapist_other",
)

CASES = [
    (name, method, role) for name in sorted(MATRIX) for method in ("get", "post") for role in ROLES
]


@pytest.mark.parametrize(("name", "method", "role"), CASES)
def test_access_matrix(name: str, method: str, role: str, clients: dict[str, Client], world: World):
    row = MATRIX[name]
    expected = getattr(row, method)[role]
    url = reverse(name, kwargs=row.kwargs(world))

    response = getattr(clients[role], method)(url)

    if expected == LOGIN:
        assert response.status_code == 302, (url, role, method, response.status_code)
        assert response["Location"].startswith(reverse("account_login")), response["Location"]
    else:
        assert response.status_code == expected, (url, role, method, response.status_code)
    if role in OUTSIDE_THE_COUPLE and response.status_code == 200:
        # Nothing of Avery and Blake's couple reaches anyone outside it (the invite page shows
        # the inviter's name to whoever holds the link: that is what the link is for).
        page = response.text
        if name != "invite_accept":
            assert "Avery" not in page, (url, role)
        assert "Blake" not in page, (url, role)


def test_outsider_cannot_withdraw_another_couples_invite(world: World, outsider: User):
    client_for(outsider).post(reverse("invite_revoke", kwargs={"invite_id": world.invite.pk}))

    world.invite.refresh_from_db()
    assert world.invite.revoked_at is None


def test_admin_needs_staff(partner_a: User):
    response = client_for(partner_a).get("/admin/")

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_staff_in_admin_see_accounts_and_counts_never_private_choices(
    partner_a: User, couple: Couple
):
    services.roles_propose(couple=couple_view(partner_a), kind="one_hurt", hurt=partner_a)
    boss = User.objects.create_superuser(email="operator@example.com", password="x-long-password-1")
    client = client_for(boss)

    users = client.get("/admin/repair/user/")
    user_page = client.get(f"/admin/repair/user/{partner_a.pk}/change/")
    couples = client.get("/admin/repair/couple/")

    assert users.status_code == user_page.status_code == couples.status_code == 200
    assert partner_a.email in users.text
    # Not even a private answer to whose hurt the work is about.
    assert "One of us was hurt" not in user_page.text
    assert "rolesproposal" not in client.get("/admin/").text.lower()
    assert "members" in couples.text.lower()


def test_allauth_account_pages_need_sign_in():
    for name in ("account_email", "account_change_password"):
        response = Client().get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
