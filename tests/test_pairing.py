"""Pairing: creating a couple, inviting, accepting, and leaving."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
import redis
from django.conf import settings
from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.cache import caches
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from repair.couples import selectors, services
from repair.couples.models import Couple, Invite, Membership, User
from repair.couples.services import CoupleError
from repair.lib.tokens import token_hash
from tests.conftest import client_for
from tests.factories import make_couple, make_user

pytestmark = pytest.mark.django_db


def invite_path(token: str) -> str:
    return reverse("invite_accept", kwargs={"token": token})


def test_invite_then_accept_makes_both_members_of_one_couple(partner_a: User, partner_b: User):
    couple = services.couple_create(user=partner_a)
    new = services.invite_create(couple=couple, created_by=partner_a)

    response = client_for(partner_b).post(invite_path(new.token))

    assert response.status_code == 302
    assert response["Location"] == reverse("today")
    view_a = selectors.couple_for_user(user=partner_a)
    view_b = selectors.couple_for_user(user=partner_b)
    assert view_a is not None
    assert view_b is not None
    assert view_a.couple == view_b.couple == couple
    assert view_a.partner == partner_b
    assert view_b.partner == partner_a


def test_invite_token_is_stored_only_as_a_hash(partner_a: User):
    couple = services.couple_create(user=partner_a)
    new = services.invite_create(couple=couple, created_by=partner_a)

    invite = Invite.objects.get()
    assert new.token not in invite.token_hash
    assert invite.token_hash == token_hash(new.token)
    assert len(new.token) >= 40  # 256 random bits, URL-safe


def test_partner_sees_who_invited_them_before_signing_in(partner_a: User):
    couple = services.couple_create(user=partner_a)
    new = services.invite_create(couple=couple, created_by=partner_a)

    response = Client().get(invite_path(new.token))

    assert response.status_code == 200
    assert "Avery has invited you" in response.text
    assert reverse("account_signup") in response.text


def test_anonymous_post_to_invite_is_sent_to_sign_in_and_keeps_the_invite(partner_a: User):
    couple = services.couple_create(user=partner_a)
    new = services.invite_create(couple=couple, created_by=partner_a)
    client = Client()

    response = client.post(invite_path(new.token))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={reverse('invite_pending')}"
    assert "Avery has invited you" in client.get(reverse("invite_pending")).text


def test_after_signing_in_a_pending_invite_brings_the_person_back_to_it(
    partner_a: User, partner_b: User
):
    couple = services.couple_create(user=partner_a)
    new = services.invite_create(couple=couple, created_by=partner_a)
    client = Client()
    client.get(invite_path(new.token))  # remembered in the session

    response = client.post(
        reverse("account_login"),
        {"login": partner_b.email, "password": "a-long-test-password-41"},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("invite_pending")
    page = client.get(response["Location"])
    assert "Avery has invited you" in page.text
    assert "Join our space" in page.text
    joined = client.post(reverse("invite_pending"))
    assert joined["Location"] == reverse("today")
    view_b = selectors.couple_for_user(user=partner_b)
    assert view_b is not None
    assert view_b.couple == couple


def stored_session(client: Client) -> tuple[str, bytes]:
    """The session as the server keeps it: the database row, decoded, and the bytes in Redis."""
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    row = Session.objects.get(session_key=key)
    session_cache = caches[settings.SESSION_CACHE_ALIAS]
    redis_key = session_cache.make_key(cached_db.KEY_PREFIX + key)
    in_redis = redis.Redis.from_url(settings.REDIS_URL).get(redis_key)
    assert isinstance(in_redis, bytes), "the session is not in Redis"
    return json.dumps(row.get_decoded()) + row.session_data, in_redis


def test_the_raw_invite_token_never_reaches_the_session_from_link_to_joining(partner_a: User):
    couple = services.couple_create(user=partner_a)
    new = services.invite_create(couple=couple, created_by=partner_a)
    client = Client()
    seen: list[tuple[str, bytes]] = []

    page = client.get(invite_path(new.token))
    seen.append(stored_session(client))
    signup_url = f"{reverse('account_signup')}?next={page.context['next']}"
    client.post(
        signup_url,
        {
            "email": "blake.new@example.com",
            "password1": "a-calm-long-password-7",
            "display_name": "Blake",
            "time_zone": "Europe/Berlin",
            "next": page.context["next"],
        },
    )
    seen.append(stored_session(client))
    code = re.search(r"^\s*([A-Z0-9]{4}-?[A-Z0-9]{4})\s*$", str(mail.outbox[-1].body), re.M)
    assert code
    confirmed = client.post(reverse("account_email_verification_sent"), {"code": code.group(1)})
    seen.append(stored_session(client))
    assert confirmed["Location"] == reverse("invite_pending")
    to_check = client.get(confirmed["Location"])["Location"]
    client.post(to_check, {})  # the private safety screen, every question skipped
    seen.append(stored_session(client))
    assert "Join our space" in client.get(reverse("invite_pending")).text
    client.post(reverse("invite_pending"))

    blake = User.objects.get(email="blake.new@example.com")
    assert selectors.couple_for_user(user=blake).couple == couple  # type: ignore[union-attr]
    digest = token_hash(new.token)
    for in_database, in_redis in seen:
        assert new.token not in in_database
        assert new.token.encode() not in in_redis
    # What is kept is the invite's id and the hash the database already holds.
    assert digest in seen[0][0]


def test_a_session_from_before_keeps_working_and_loses_its_raw_token(
    partner_a: User, partner_b: User
):
    couple = services.couple_create(user=partner_a)
    new = services.invite_create(couple=couple, created_by=partner_a)
    client = client_for(partner_b)
    session = client.session
    session["pending_invite"] = new.token  # how sessions remembered an invite until now
    session.save()

    assert client.get(reverse("start"))["Location"] == reverse("invite_pending")
    page = client.get(reverse("invite_pending"))

    assert "Join our space" in page.text
    in_database, in_redis = stored_session(client)
    assert new.token not in in_database
    assert new.token.encode() not in in_redis


def test_a_pending_invite_that_no_longer_matches_is_a_kind_page(partner_a: User):
    couple = services.couple_create(user=partner_a)
    new = services.invite_create(couple=couple, created_by=partner_a)
    client = Client()
    client.get(invite_path(new.token))
    services.invite_create(couple=couple, created_by=partner_a)  # switches off the first

    response = client.get(reverse("invite_pending"))

    assert response.status_code == 410
    assert "a newer invite" in response.text
    assert "withdrawn" not in response.text.lower()
    assert client.get(reverse("invite_pending")).status_code == 404  # and forgotten


def test_with_nothing_pending_a_signed_in_person_goes_to_their_start(partner_b: User):
    assert client_for(partner_b).get(reverse("invite_pending"))["Location"] == reverse("start")


def test_a_second_couple_is_refused_for_someone_already_in_one(couple: Couple, partner_b: User):
    with pytest.raises(CoupleError) as error:
        services.couple_create(user=partner_b)
    assert error.value.code == "already_in_couple"


def test_someone_in_a_couple_cannot_accept_another_couples_invite(couple: Couple, outsider: User):
    charlie_view = selectors.couple_for_user(user=outsider)
    assert charlie_view is not None
    lone = make_user("Erin")
    lone_couple = services.couple_create(user=lone)
    new = services.invite_create(couple=lone_couple, created_by=lone)

    response = client_for(outsider).post(invite_path(new.token))

    assert response.status_code == 409
    assert "already in a shared space" in response.text
    assert selectors.couple_for_user(user=outsider).couple == charlie_view.couple  # type: ignore[union-attr]


def test_expired_invite_gives_a_clear_page(partner_a: User, partner_b: User):
    couple = services.couple_create(user=partner_a)
    long_ago = timezone.now() - timedelta(days=8)
    new = services.invite_create(couple=couple, created_by=partner_a, now=long_ago)

    response = client_for(partner_b).post(invite_path(new.token))

    assert response.status_code == 410
    assert "This invite has expired" in response.text
    assert selectors.couple_for_user(user=partner_b) is None


def test_invite_still_works_just_before_seven_days(partner_a: User, partner_b: User):
    couple = services.couple_create(user=partner_a)
    almost = timezone.now() - timedelta(days=7) + timedelta(minutes=5)
    new = services.invite_create(couple=couple, created_by=partner_a, now=almost)

    assert client_for(partner_b).post(invite_path(new.token)).status_code == 302


def test_used_invite_cannot_be_used_again(partner_a: User, partner_b: User):
    couple = services.couple_create(user=partner_a)
    new = services.invite_create(couple=couple, created_by=partner_a)
    services.invite_accept(token=new.token, user=partner_b)
    latecomer = make_user("Frankie")

    response = client_for(latecomer).get(invite_path(new.token))

    assert response.status_code == 410
    assert "already been used" in response.text
    assert selectors.couple_for_user(user=latecomer) is None


def test_revoked_invite_gives_a_clear_page(partner_a: User, partner_b: User):
    couple = services.couple_create(user=partner_a)
    new = services.invite_create(couple=couple, created_by=partner_a)
    client_for(partner_a).post(reverse("invite_revoke", kwargs={"invite_id": new.invite.pk}))

    response = client_for(partner_b).post(invite_path(new.token))

    assert response.status_code == 410
    assert "switched this link off" in response.text
    assert "ask them for a new link" in response.text
    assert "withdrawn" not in response.text.lower()


def test_a_new_invite_switches_off_the_older_one(partner_a: User, partner_b: User):
    couple = services.couple_create(user=partner_a)
    first = services.invite_create(couple=couple, created_by=partner_a)
    services.invite_create(couple=couple, created_by=partner_a)

    response = client_for(partner_b).post(invite_path(first.token))

    assert response.status_code == 410


def test_invite_into_a_full_couple_is_refused(partner_a: User, partner_b: User):
    couple = services.couple_create(user=partner_a)
    # Two links made by a race of two tabs before either was used: the second must not add a third.
    first = services.invite_create(couple=couple, created_by=partner_a)
    stale = Invite.objects.create(
        couple=couple,
        created_by=partner_a,
        token_hash=token_hash("stale-token-made-in-a-race"),
        expires_at=timezone.now() + timedelta(days=1),
    )
    services.invite_accept(token=first.token, user=partner_b)
    third = make_user("Gale")

    response = client_for(third).post(invite_path("stale-token-made-in-a-race"))

    assert stale.pk
    assert response.status_code == 409
    assert "already has two people" in response.text
    assert Membership.objects.filter(couple=couple, left_at__isnull=True).count() == 2


def test_cannot_make_an_invite_once_the_couple_is_full(couple: Couple, partner_a: User):
    with pytest.raises(CoupleError) as error:
        services.invite_create(couple=couple, created_by=partner_a)
    assert error.value.code == "couple_full"


def test_your_own_invite_link_explains_itself(partner_a: User):
    couple = services.couple_create(user=partner_a)
    new = services.invite_create(couple=couple, created_by=partner_a)

    response = client_for(partner_a).get(invite_path(new.token))

    assert response.status_code == 409
    assert "your own invite" in response.text


def test_unknown_or_mangled_invite_token_is_a_kind_404(partner_b: User):
    for token in ["nope", "x" * 500, "%00", "<script>"]:
        response = client_for(partner_b).get(f"/invite/{token}/")
        assert response.status_code == 404, token
        assert "This invite link doesn&#x27;t work" in response.text, token
    # A path that isn't an invite at all gets the site's own kind 404 page.
    response = client_for(partner_b).get("/invite/../../etc/passwd/")
    assert response.status_code == 404
    assert "We can't find that page" in response.text


def test_email_invite_sends_a_neutral_email_with_the_link(partner_a: User):
    services.couple_create(user=partner_a)

    response = client_for(partner_a).post(
        reverse("invite"), {"how": "email", "email": "blake@example.com"}
    )

    assert response.status_code == 200
    assert "Invite sent" in response.text
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["blake@example.com"]
    assert message.subject == "An invitation for you"
    link = response.context["new_invite"].url
    assert link in message.body
    assert "Avery has invited you" in message.body
    assert Invite.objects.get().email == "blake@example.com"


def test_email_and_link_invites_are_the_same_mechanism(partner_a: User, partner_b: User):
    services.couple_create(user=partner_a)
    client = client_for(partner_a)
    response = client.post(reverse("invite"), {"how": "email", "email": "blake@example.com"})
    emailed_url = response.context["new_invite"].url

    client_for(partner_b).post(emailed_url.removeprefix("http://testserver"))

    assert selectors.couple_for_user(user=partner_b) is not None


def test_email_invite_form_explains_a_wrong_address_and_keeps_it(partner_a: User):
    services.couple_create(user=partner_a)

    response = client_for(partner_a).post(
        reverse("invite"), {"how": "email", "email": "blake-at-example"}
    )

    assert response.status_code == 200
    assert "doesn&#x27;t look like an email address" in response.text
    assert 'value="blake-at-example"' in response.text
    assert Invite.objects.count() == 0


def test_inviting_your_own_address_is_explained(partner_a: User):
    services.couple_create(user=partner_a)

    response = client_for(partner_a).post(
        reverse("invite"), {"how": "email", "email": partner_a.email}
    )

    assert "your own address" in response.text
    assert Invite.objects.count() == 0


def test_copy_link_invite_is_shown_once_in_the_htmx_fragment(partner_a: User):
    services.couple_create(user=partner_a)

    response = client_for(partner_a).post(
        reverse("invite"), {"how": "link"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="invite-panel"')
    assert "<html" not in response.text
    assert "/invite/" in response.text


def test_leaving_ends_the_couple_for_both(couple: Couple, partner_a: User, partner_b: User):
    response = client_for(partner_a).post(reverse("leave"), {"confirm": "on"})

    assert response.status_code == 302
    assert response["Location"] == reverse("start")
    couple.refresh_from_db()
    assert couple.ended_at is not None
    assert couple.ended_by == partner_a
    assert selectors.couple_for_user(user=partner_a) is None
    assert selectors.couple_for_user(user=partner_b) is None


def test_the_partner_left_behind_sees_a_gentle_notice(
    couple: Couple, partner_a: User, partner_b: User
):
    services.couple_leave(user=partner_a)

    response = client_for(partner_b).get(reverse("start"))

    assert "Your shared space has ended" in response.text
    leaver_page = client_for(partner_a).get(reverse("start"))
    assert "Your shared space has ended" not in leaver_page.text


def test_leaving_needs_the_confirmation_tick(couple: Couple, partner_a: User):
    response = client_for(partner_a).post(reverse("leave"), {})

    assert response.status_code == 200
    assert "Please tick the box" in response.text
    assert selectors.couple_for_user(user=partner_a) is not None


def test_leave_page_explains_what_happens_first(couple: Couple, partner_a: User):
    response = client_for(partner_a).get(reverse("leave"))

    assert "ends for both of you" in response.text
    assert "keep everything you wrote" in response.text


def test_leaving_twice_is_harmless(couple: Couple, partner_a: User):
    client = client_for(partner_a)
    client.post(reverse("leave"), {"confirm": "on"})
    response = client.post(reverse("leave"), {"confirm": "on"})

    assert response.status_code == 302  # to the start page: they have no couple now


def test_after_leaving_each_can_start_or_join_a_new_couple(
    couple: Couple, partner_a: User, partner_b: User
):
    services.couple_leave(user=partner_b)

    fresh = services.couple_create(user=partner_a)
    new = services.invite_create(couple=fresh, created_by=partner_a)
    services.invite_accept(token=new.token, user=partner_b)

    assert selectors.couple_for_user(user=partner_b).couple == fresh  # type: ignore[union-attr]


def test_leaving_stops_pending_invites(partner_a: User, partner_b: User):
    couple = services.couple_create(user=partner_a)
    new = services.invite_create(couple=couple, created_by=partner_a)
    services.couple_leave(user=partner_a)

    response = client_for(partner_b).post(invite_path(new.token))

    assert response.status_code == 410


def test_a_person_in_no_couple_sees_the_start_or_join_page(partner_a: User):
    client = client_for(partner_a)

    today = client.get(reverse("today"))
    start = client.get(reverse("start"))

    assert today.status_code == 302
    assert today["Location"] == reverse("start")
    assert "Start a shared space" in start.text
    assert "Joining your partner?" in start.text


def test_creating_a_space_leads_to_the_invite_page(partner_a: User):
    response = client_for(partner_a).post(reverse("start"))

    assert response["Location"] == reverse("invite")
    assert Couple.objects.filter(memberships__user=partner_a).count() == 1


def test_a_double_submit_of_create_makes_one_couple(partner_a: User):
    client = client_for(partner_a)
    client.post(reverse("start"))
    client.post(reverse("start"))

    assert Membership.objects.filter(user=partner_a).count() == 1


def test_waiting_partner_sees_invite_prompt_on_today(partner_a: User):
    make_couple(partner_a)

    response = client_for(partner_a).get(reverse("today"))

    assert response.status_code == 200
    assert "ready for your partner" in response.text


def test_paired_partners_see_each_other_on_today(client_a: Client, client_b: Client):
    assert "You and Blake" in client_a.get(reverse("today")).text
    assert "You and Avery" in client_b.get(reverse("today")).text


def test_database_refuses_a_second_active_membership(couple: Couple, partner_a: User):
    other = Couple.objects.create()
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(couple=other, user=partner_a)


def test_opening_invite_links_is_rate_limited_per_address(partner_b: User):
    client = client_for(partner_b)
    statuses = [client.get(f"/invite/guess-{n}/").status_code for n in range(32)]

    assert statuses[:30] == [404] * 30
    assert statuses[30:] == [429, 429]
    assert "Please wait a little" in client.get("/invite/guess-x/").text


def test_an_email_invite_leaves_a_link_made_a_minute_earlier_working(
    partner_a: User, partner_b: User
):
    couple = services.couple_create(user=partner_a)
    link = services.invite_create(couple=couple, created_by=partner_a)
    services.invite_create(couple=couple, created_by=partner_a, email="blake@example.com")

    response = client_for(partner_b).post(invite_path(link.token))

    assert response.status_code == 302
    assert selectors.couple_for_user(user=partner_b).couple == couple  # type: ignore[union-attr]


def test_a_new_email_invite_replaces_the_older_email_invite_and_its_page_says_so_kindly(
    partner_a: User, partner_b: User
):
    couple = services.couple_create(user=partner_a)
    first = services.invite_create(couple=couple, created_by=partner_a, email="old@example.com")
    services.invite_create(couple=couple, created_by=partner_a, email="blake@example.com")

    response = client_for(partner_b).get(invite_path(first.token))

    assert response.status_code == 410
    assert "There&#x27;s a newer invite for you" in response.text
    assert "Ask them to send you the newest link" in response.text
    assert "withdrawn" not in response.text.lower()
