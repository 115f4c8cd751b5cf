"""RMA numbers: readable, unguessable, and typo-proof."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.rma import ALPHABET, is_valid_rma, make_rma, normalise_rma, rma_in_text

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
entropy = st.binary(min_size=5, max_size=16)


def test_an_rma_reads_as_prefix_month_and_two_groups():
    rma = make_rma(NOW, bytes(range(5)))
    assert re.fullmatch(r"RD2611-[0-9A-Z]{4}-[0-9A-Z]{4}", rma)
    assert is_valid_rma(rma)


def test_the_month_is_the_utc_month():
    shanghai = timezone(timedelta(hours=8))
    first_of_december_in_shanghai = datetime(2026, 12, 1, 3, 0, tzinfo=shanghai)
    assert make_rma(first_of_december_in_shanghai, bytes(5)).startswith("RD2611-")


def test_too_little_entropy_is_refused():
    with pytest.raises(ValueError, match="entropy"):
        make_rma(NOW, b"abcd")


@given(entropy)
def test_every_made_rma_is_valid_and_uses_no_ambiguous_letters(random_bytes):
    rma = make_rma(NOW, random_bytes)
    assert is_valid_rma(rma)
    assert not set(rma) & set("ILOU")


@given(entropy, st.data())
def test_a_single_mistyped_character_is_caught(random_bytes, data):
    compact = make_rma(NOW, random_bytes).replace("-", "")
    position = data.draw(st.integers(len("RD2611"), len(compact) - 1))
    wrong = data.draw(st.sampled_from(ALPHABET).filter(lambda c: c != compact[position]))
    assert not is_valid_rma(compact[:position] + wrong + compact[position + 1 :])


def test_case_spaces_dashes_and_lookalikes_are_forgiven():
    rma = make_rma(NOW, b"\x00\x11\x22\x33\x44")
    typed = rma.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    assert normalise_rma(typed) == rma


@pytest.mark.parametrize(
    "text",
    ["", "RD2611", "XX2611-7K3M-Q9XP", "RD2613-0000-0000", "RD2611-7K3M-Q9X!", "RD2611-7K3M-Q9XPA"],
)
def test_things_that_are_not_rma_numbers_are_rejected(text):
    assert normalise_rma(text) is None
    assert not is_valid_rma(text)


def test_swapping_two_neighbouring_characters_is_usually_caught():
    rma = make_rma(NOW, b"\x12\x34\x56\x78\x9a").replace("-", "")
    swapped = [
        rma[:i] + rma[i + 1] + rma[i] + rma[i + 2 :]
        for i in range(6, len(rma) - 1)
        if rma[i] != rma[i + 1]
    ]
    caught = sum(not is_valid_rma(candidate) for candidate in swapped)
    assert caught >= len(swapped) - 1


def test_an_rma_is_found_in_what_a_scanner_or_a_link_gives() -> None:
    rma = make_rma(datetime(2026, 12, 1, tzinfo=UTC), bytes(10))
    assert rma_in_text(rma.lower()) == rma
    assert rma_in_text(f"https://returns.example.com/r/{rma}") == rma
    assert rma_in_text("SF1234567890") is None
