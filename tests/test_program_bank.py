"""The prompt bank of the Sustaining stage: its content and checker, answering privately and seeing
both answers only once both are in, nothing repeated before a lane is used up, and pages whose
cost does not grow with the couple's history. Avery and Blake are the couple; Charlie is in
another couple."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from repair.couples.models import Couple, User
from repair.home.privacy import account_delete
from repair.program import longrun_services
from repair.program.bank import FOLDER, SMALLEST, WEIGHTS, BankError, bank, load_bank
from repair.program.longrun_selectors import bank_lane
from repair.program.models import BankAnswer, BankDraw
from repair.program.services import ProgramActionError
from tests.factories import couple_view, open_stages_before

IDS_FILE = Path(__file__).resolve().parent / "bank_ids.txt"
AVERY_WORDS = "Avery answers: the walk by the river at lunch"
BLAKE_WORDS = "Blake answers: coffee in the quiet kitchen"


@pytest.fixture
def sustaining(couple: Couple, partner_a: User, partner_b: User) -> Couple:
    open_stages_before("sustaining", partner_a, partner_b)
    return couple


def lane_url(theme: str = "everyday", weight: str = "light") -> str:
    return f"{reverse('program_bank')}?theme={theme}&weight={weight}"


def current_id(user: User, theme: str = "everyday", weight: str = "light") -> str:
    return bank_lane(couple=couple_view(user), theme=theme, weight=weight).current.prompt.id


def answer(user: User, text: str, theme: str = "everyday", weight: str = "light") -> BankDraw:
    return longrun_services.bank_answer(
        couple=couple_view(user), prompt_id=current_id(user, theme, weight), text=text
    )


# --- the content ----------------------------------------------------------------------------------


def test_the_bank_has_at_least_150_prompts_in_every_theme_and_weight():
    shipped = bank()
    assert len(shipped.prompts) >= SMALLEST
    assert len(shipped.themes) >= 5
    for (theme, weight), count in shipped.counts().items():
        assert count >= 3, (theme, weight)
    assert {w for _, w in shipped.counts()} == set(WEIGHTS)


def test_every_id_ever_shipped_is_still_in_the_bank_or_retired():
    shipped = bank()
    known = {
        line.strip()
        for line in IDS_FILE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    current = {p.id for p in shipped.prompts}
    gone = known - current - shipped.retired
    assert not gone, f"prompt ids gone without being retired: {sorted(gone)}"
    new = current - known
    assert not new, f"new prompt ids: add them to tests/bank_ids.txt ({sorted(new)})"


def test_the_bank_uses_british_spelling():
    words = re.compile(
        r"\b(color|favorite|judgment|practicing|apologize|behavior|honor|center|realize)\b"
    )
    for path in sorted(FOLDER.glob("*.toml")):
        assert not words.search(path.read_text(encoding="utf-8").lower()), path.name


def test_the_prompts_are_short_questions_or_invitations():
    for prompt in bank().prompts:
        assert prompt.text[-1] in "?.", prompt.id
        assert len(prompt.text) <= 200, prompt.id


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for path in FOLDER.glob("*.toml"):
        shutil.copy(path, tmp_path / path.name)
    return tmp_path


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_copied_bank_loads_before_it_is_broken(folder: Path):
    assert len(load_bank(folder).prompts) == len(bank().prompts)


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        (
            lambda f: _replace(f / "5_play.toml", 'id = "play-02"', 'id = "play-01"'),
            "prompt id 'play-01' is used twice",
        ),
        (
            lambda f: _replace(f / "2_memories.toml", "hard = [", "harder = ["),
            "2_memories.toml: weights ['harder'] are not among",
        ),
        (
            lambda f: _replace(f / "0_bank.toml", "retired = []", 'retired = ["dreams-03"]'),
            "prompt id 'dreams-03' was retired and must not come back",
        ),
        (
            lambda f: _replace(f / "4_dreams.toml", 'id = "dreams-05"', 'id = "play-99"'),
            "4_dreams.toml light prompt 5: id 'play-99' must start with its theme",
        ),
        (
            lambda f: _replace(f / "1_everyday.toml", 'slug = "everyday"', 'slug = "daily"'),
            "1_everyday.toml: the theme slug must be the file's name",
        ),
        (
            lambda f: (f / "7_hard-things.toml").unlink(),
            "the bank has 132 prompts; it needs at least 150",
        ),
    ],
)
def test_a_broken_bank_fails_naming_where(folder: Path, breakage, message: str):
    breakage(folder)
    with pytest.raises(BankError, match=re.escape(message)):
        load_bank(folder)


def test_a_theme_without_a_weight_fails_naming_the_theme(folder: Path):
    path = folder / "3_appreciation.toml"
    text = path.read_text(encoding="utf-8")
    start = text.index("deeper = [")
    path.write_text(text[:start] + text[text.index("]\n", start) + 2 :], encoding="utf-8")
    with pytest.raises(BankError, match="theme 'appreciation' has no 'deeper' prompts"):
        load_bank(folder)


def test_program_check_reports_the_bank_by_theme_and_weight(capsys: pytest.CaptureFixture[str]):
    call_command("program_check")
    out = capsys.readouterr().out
    assert f"Prompt bank: {len(bank().prompts)} prompts" in out
    for theme in bank().themes:
        assert f"  {theme.title}: light " in out
    assert "By weight: light " in out


# --- answering and revealing ----------------------------------------------------------------------


def test_an_answer_stays_private_until_both_have_answered(
    sustaining: Couple, partner_a: User, client_a: Client, client_b: Client
):
    prompt = current_id(partner_a)
    client_a.post(
        reverse("program_bank"),
        {
            "action": "answer",
            "prompt": prompt,
            "theme": "everyday",
            "weight": "light",
            "text": AVERY_WORDS,
        },
    )

    assert AVERY_WORDS not in client_b.get(lane_url()).text
    assert AVERY_WORDS not in client_b.get(lane_url(), HTTP_HX_REQUEST="true").text
    assert AVERY_WORDS not in client_b.get(reverse("program_bank_past")).text
    waiting = client_a.get(lane_url(), HTTP_HX_REQUEST="true").text
    assert AVERY_WORDS in waiting
    assert "data-hx-trigger" in waiting  # Avery's page waits for Blake's answer

    client_b.post(
        reverse("program_bank"),
        {
            "action": "answer",
            "prompt": prompt,
            "theme": "everyday",
            "weight": "light",
            "text": BLAKE_WORDS,
        },
    )

    revealed = client_a.get(lane_url(), HTTP_HX_REQUEST="true").text
    assert AVERY_WORDS in revealed
    assert BLAKE_WORDS in revealed
    assert "data-hx-trigger" not in revealed  # both shown: the waiting stops
    assert AVERY_WORDS in client_b.get(reverse("program_bank_past")).text
    # The lane has moved on to a new prompt for both.
    assert current_id(partner_a) != prompt


def test_answers_are_kept_encrypted(sustaining: Couple, partner_a: User):
    answer(partner_a, AVERY_WORDS)
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM program_bankanswer")
        stored = cursor.fetchone()[0]
    assert AVERY_WORDS not in stored


def test_a_revealed_answer_can_no_longer_be_changed(
    sustaining: Couple, partner_a: User, partner_b: User, client_a: Client, client_b: Client
):
    prompt = current_id(partner_a)
    answer(partner_a, AVERY_WORDS)
    answer(partner_b, BLAKE_WORDS)

    with pytest.raises(ProgramActionError) as refused:
        longrun_services.bank_answer(
            couple=couple_view(partner_a), prompt_id=prompt, text="Avery, rewritten afterwards"
        )
    assert refused.value.code == "already_revealed"
    response = client_a.post(
        reverse("program_bank"),
        {"action": "answer", "prompt": prompt, "text": "Avery, rewritten afterwards"},
    )
    assert "already shown" in response.text
    assert "Avery, rewritten afterwards" in response.text  # what was typed is not lost
    assert BankAnswer.objects.get(user=partner_a).text == AVERY_WORDS
    assert "Avery, rewritten afterwards" not in client_b.get(reverse("program_bank_past")).text


def page_without_tokens(client: Client) -> str:
    text = client.get(lane_url(), HTTP_HX_REQUEST="true").text
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", text)


def test_changing_my_answer_before_the_reveal_tells_me_nothing_of_my_partners(
    sustaining: Couple, partner_a: User, partner_b: User, client_a: Client
):
    """Avery's page looks the same whether or not Blake has written anything; it changes only
    when Blake's answer completes the pair."""
    answer(partner_a, "first try")
    before = page_without_tokens(client_a)
    answer(partner_a, "second try")
    after = page_without_tokens(client_a)
    assert before.replace("first try", "second try") == after


def test_setting_a_prompt_aside_never_reveals_what_was_written(
    sustaining: Couple, partner_a: User, partner_b: User, client_a: Client, client_b: Client
):
    prompt = current_id(partner_a)
    answer(partner_a, AVERY_WORDS)
    client_b.post(
        reverse("program_bank"),
        {"action": "aside", "prompt": prompt, "theme": "everyday", "weight": "light"},
    )

    assert BankDraw.objects.get().set_aside_at is not None
    assert current_id(partner_b) != prompt
    for url in (lane_url(), reverse("program_bank_past")):
        assert AVERY_WORDS not in client_b.get(url).text
    assert AVERY_WORDS in client_a.get(reverse("program_bank_past")).text  # Avery keeps theirs
    # Blake answering that prompt now is refused: it has moved on, nothing is revealed.
    with pytest.raises(ProgramActionError):
        longrun_services.bank_answer(couple=couple_view(partner_b), prompt_id=prompt, text="x")
    assert AVERY_WORDS not in client_b.get(reverse("program_bank_past")).text


def test_a_page_left_open_while_the_lane_moved_on_keeps_what_was_typed(
    sustaining: Couple, partner_a: User, partner_b: User, client_b: Client
):
    prompt = current_id(partner_a)
    longrun_services.bank_set_aside(couple=couple_view(partner_a), prompt_id=prompt)
    response = client_b.post(
        reverse("program_bank"),
        {
            "action": "answer",
            "prompt": prompt,
            "theme": "everyday",
            "weight": "light",
            "text": "Blake typed this",
        },
    )
    assert response.status_code == 200
    assert "has moved on" in response.text
    assert "Blake typed this" in response.text
    assert not BankAnswer.objects.exists()


def test_an_empty_answer_is_answered_kindly(sustaining: Couple, partner_a: User, client_a: Client):
    response = client_a.post(
        reverse("program_bank"), {"action": "answer", "prompt": current_id(partner_a), "text": " "}
    )
    assert response.status_code == 200
    assert "a few words are enough" in response.text


# --- no repeats -----------------------------------------------------------------------------------


def test_nothing_comes_round_again_before_the_lane_is_used_up(
    sustaining: Couple, partner_a: User, partner_b: User
):
    lane = bank().lane("memories", "hard")
    seen = []
    for n in range(len(lane)):
        prompt = current_id(partner_a, "memories", "hard")
        seen.append(prompt)
        if n % 3 == 2:  # set aside now and then: it counts as used too
            longrun_services.bank_set_aside(couple=couple_view(partner_b), prompt_id=prompt)
        else:
            answer(partner_a, f"A {n}", "memories", "hard")
            answer(partner_b, f"B {n}", "memories", "hard")

    assert sorted(seen) == sorted(p.id for p in lane)  # every prompt once, none twice
    # Then a new round begins, again with every prompt before any repeat.
    second = []
    for _ in range(len(lane)):
        prompt = current_id(partner_a, "memories", "hard")
        second.append(prompt)
        longrun_services.bank_set_aside(couple=couple_view(partner_a), prompt_id=prompt)
    assert sorted(second) == sorted(seen)
    assert set(BankDraw.objects.values_list("round", flat=True)) == {1, 2}


def test_lanes_are_separate_and_the_order_is_the_same_every_time(
    sustaining: Couple, partner_a: User, partner_b: User
):
    first_play = current_id(partner_a, "play", "light")
    answer(partner_a, "everyday words")
    answer(partner_b, "everyday words too")
    assert current_id(partner_a, "play", "light") == first_play
    assert current_id(partner_b, "play", "light") == first_play  # both see the same prompt


def test_another_couple_gets_its_own_order(
    sustaining: Couple, partner_a: User, outsider: User, partner_b: User
):
    dana = next(u for u in User.objects.exclude(pk__in=[partner_a.pk, partner_b.pk, outsider.pk]))
    open_stages_before("sustaining", outsider, dana)
    orders = {
        who.pk: [current_id(who, "dreams", weight) for weight in WEIGHTS]
        for who in (partner_a, outsider)
    }
    # Not a promise for every lane, but across three lanes two couples' first prompts differ.
    assert orders[partner_a.pk] != orders[outsider.pk]


# --- who can see what -----------------------------------------------------------------------------


def test_before_sustaining_opens_the_bank_waits_calmly(couple: Couple, client_a: Client):
    page = client_a.get(reverse("program_bank"))
    assert page.status_code == 200
    assert "open with the Sustaining stage" in page.text
    assert "<textarea" not in page.text
    refused = client_a.post(
        reverse("program_bank"),
        {"action": "answer", "prompt": "everyday-01", "text": "too early"},
    )
    assert refused.status_code == 200
    assert not BankAnswer.objects.exists()


def test_an_outsider_never_sees_our_answers(
    sustaining: Couple, partner_a: User, partner_b: User, outsider: User
):
    answer(partner_a, AVERY_WORDS)
    answer(partner_b, BLAKE_WORDS)
    dana = next(u for u in User.objects.exclude(pk__in=[partner_a.pk, partner_b.pk, outsider.pk]))
    open_stages_before("sustaining", outsider, dana)
    charlie = Client()
    charlie.force_login(outsider)
    for url in (lane_url(), reverse("program_bank_past")):
        page = charlie.get(url).text
        assert AVERY_WORDS not in page
        assert BLAKE_WORDS not in page


def test_a_hostile_lane_in_the_address_falls_back_quietly(sustaining: Couple, client_a: Client):
    for query in ("?theme=../etc&weight=hard", "?theme=play&weight=%00", "?weight=" + "9" * 400):
        assert client_a.get(reverse("program_bank") + query).status_code == 200


# --- cost -----------------------------------------------------------------------------------------


def test_the_bank_pages_cost_the_same_however_many_prompts_were_answered(
    sustaining: Couple,
    partner_a: User,
    partner_b: User,
    client_a: Client,
    django_assert_max_num_queries,
):
    for theme, weight in (("everyday", "light"), ("play", "hard")):
        answer(partner_a, "one", theme, weight)
        answer(partner_b, "one too", theme, weight)
    urls = (lane_url(), lane_url("play", "hard"), reverse("program_bank_past"))
    client_a.get(urls[0])
    small = {}
    for url in urls:
        with django_assert_max_num_queries(20) as counted:
            client_a.get(url)
        small[url] = len(counted.captured_queries)

    for theme in ("everyday", "memories", "appreciation", "dreams", "play", "us-now"):
        for weight in WEIGHTS:
            for n in range(len(bank().lane(theme, weight))):
                answer(partner_a, f"A {theme} {n}", theme, weight)
                answer(partner_b, f"B {theme} {n}", theme, weight)
    assert BankDraw.objects.count() > 120

    for url in urls:
        with django_assert_max_num_queries(20) as counted:
            client_a.get(url)
        assert len(counted.captured_queries) == small[url], url


# --- my own data ----------------------------------------------------------------------------------


def test_my_download_holds_my_prompt_answers_and_never_my_partners(
    sustaining: Couple, partner_a: User, partner_b: User, client_a: Client, client_b: Client
):
    answer(partner_a, AVERY_WORDS)
    answer(partner_b, BLAKE_WORDS)
    answer(partner_b, "Blake answers the next one, alone")
    for fmt in ("json", "html"):
        mine = client_a.get(reverse("export_data"), {"format": fmt}).content.decode()
        assert "walk by the river" in mine
        assert "coffee in the quiet kitchen" not in mine
        assert "the next one, alone" not in mine
        theirs = client_b.get(reverse("export_data"), {"format": fmt}).content.decode()
        assert "coffee in the quiet kitchen" in theirs
        assert "walk by the river" not in theirs


def test_deleting_my_account_takes_my_answers_and_leaves_my_partners(
    sustaining: Couple, partner_a: User, partner_b: User
):
    answer(partner_a, AVERY_WORDS)
    answer(partner_b, BLAKE_WORDS)
    account_delete(user=partner_a)
    assert list(BankAnswer.objects.values_list("text", flat=True)) == [BLAKE_WORDS]


def test_the_prompts_answered_before_come_a_page_at_a_time(
    sustaining: Couple, partner_a: User, partner_b: User, client_a: Client
):
    for n in range(35):
        answer(partner_a, f"Avery number {n}.", "us-now" if n < 22 else "dreams", "light")
        answer(partner_b, f"Blake number {n}.", "us-now" if n < 22 else "dreams", "light")
    first = client_a.get(reverse("program_bank_past")).text
    assert "Avery number 34." in first
    assert "Avery number 4." not in first  # the oldest five wait on the next page
    older = re.search(r'href="\?before=(\d+)"', first)
    assert older is not None
    second = client_a.get(reverse("program_bank_past") + f"?before={older.group(1)}").text
    for n in range(5):
        assert f"Avery number {n}." in second
        assert f"Blake number {n}." in second
    assert "Avery number 5." not in second
    assert "?before=" not in second
