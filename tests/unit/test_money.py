"""Money in integer fen, and the refund amount rule."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.lifecycle import FeePayer, ItemSnapshot, Resolution
from domain.money import Deduction, Money, refund_amount, refund_breakdown


def test_money_prints_as_yuan_with_thousands_separators():
    assert str(Money(128000)) == "¥1,280.00"
    assert str(Money(5)) == "¥0.05"
    assert str(Money(-150)) == "-¥1.50"


@pytest.mark.parametrize(
    ("typed", "fen"),
    [("1280.00", 128000), ("1280", 128000), ("1280.5", 128050), (" 0.07 ", 7), ("0", 0)],
)
def test_amounts_typed_in_yuan_become_fen(typed, fen):
    assert Money.from_yuan(typed) == Money(fen)


@pytest.mark.parametrize("typed", ["12.345", "-1.00", "1,280.00", "¥5", "", "abc", "1e3", ".5"])
def test_amounts_that_are_not_plain_yuan_are_refused(typed):
    with pytest.raises(ValueError, match="yuan"):
        Money.from_yuan(typed)


def test_to_yuan_is_the_plain_form_for_inputs():
    assert Money(128050).to_yuan() == "1280.50"
    assert Money(-7).to_yuan() == "-0.07"


def test_money_adds_subtracts_and_multiplies_by_whole_numbers():
    assert Money(100) + Money(250) == Money(350)
    assert Money(100) - Money(250) == Money(-150)
    assert Money(300) * 3 == 3 * Money(300) == Money(900)


def test_money_compares_and_sorts():
    assert Money(1) < Money(2) <= Money(2)
    assert max(Money(5), Money(9)) == Money(9)
    assert sorted([Money(3), Money(1)]) == [Money(1), Money(3)]


def test_money_is_hashable_and_a_safe_dataclass_default():
    @dataclass(frozen=True)
    class Fee:
        amount: Money = Money(0)  # noqa: RUF009 - what the test proves is allowed

    assert Fee().amount == Money(0)
    assert len({Money(1), Money(1), Money(2)}) == 2


def test_money_refuses_anything_but_integer_fen():
    with pytest.raises(TypeError):
        Money(1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money(True)
    with pytest.raises(TypeError):
        Money(1) * 1.5  # type: ignore[operator]
    with pytest.raises(TypeError):
        Money(1) + 1  # type: ignore[operator]


@given(st.integers(min_value=0, max_value=10**12))
def test_yuan_text_round_trips(fen):
    assert Money.from_yuan(Money(fen).to_yuan()) == Money(fen)


TERMINAL = ItemSnapshot("terminal", Money(128000), 1, "SN1")
CABLE = ItemSnapshot("accessory", Money(3000), 2, None)


def test_refund_is_price_times_quantity():
    amount = refund_amount(
        (TERMINAL, CABLE), Resolution.REFUND, FeePayer.PLATFORM, Money(2000), Money(200000)
    )
    assert amount == Money(134000)


def test_shipping_the_platform_advanced_is_taken_off_when_the_merchant_pays():
    amount = refund_amount(
        (TERMINAL,), Resolution.REFUND, FeePayer.MERCHANT, Money(2000), Money(128000)
    )
    assert amount == Money(126000)


def test_refund_is_never_more_than_paid():
    assert refund_amount(
        (TERMINAL, CABLE), Resolution.REFUND, None, Money(0), Money(100000)
    ) == Money(100000)


def test_refund_is_never_negative():
    amount = refund_amount((CABLE,), Resolution.REFUND, FeePayer.MERCHANT, Money(9000), Money(6000))
    assert amount == Money(0)


def test_an_exchange_refunds_nothing():
    assert refund_amount((TERMINAL,), Resolution.EXCHANGE, None, Money(0), Money(128000)) == Money(
        0
    )


@given(
    prices=st.lists(st.tuples(st.integers(0, 10**7), st.integers(1, 5)), max_size=5),
    payer=st.sampled_from([None, *FeePayer]),
    advanced=st.integers(0, 10**5),
    paid=st.integers(0, 10**8),
)
def test_refund_always_lies_between_zero_and_what_was_paid(prices, payer, advanced, paid):
    items = [ItemSnapshot("terminal", Money(price), quantity, None) for price, quantity in prices]
    amount = refund_amount(items, Resolution.REFUND, payer, Money(advanced), Money(paid))
    assert Money(0) <= amount <= Money(paid)


def test_the_breakdown_names_each_deduction_with_its_amount():
    # a terminal and two cables bought; the terminal returned; the merchant pays the shipping
    paid = TERMINAL.unit_price + CABLE.unit_price * 2
    breakdown = refund_breakdown((TERMINAL,), FeePayer.MERCHANT, Money(1600), paid)
    assert breakdown.deductions == (
        (Deduction.ITEMS_NOT_RETURNED, Money(6000)),
        (Deduction.RETURN_SHIPPING, Money(1600)),
    )
    assert breakdown.refund == Money(126400)


def test_a_full_refund_has_no_deduction():
    breakdown = refund_breakdown((TERMINAL,), FeePayer.PLATFORM, Money(1600), Money(128000))
    assert breakdown.deductions == () and breakdown.refund == Money(128000)


@given(
    prices=st.lists(st.tuples(st.integers(0, 10**7), st.integers(1, 5)), max_size=5),
    payer=st.sampled_from([None, *FeePayer]),
    advanced=st.integers(0, 10**5),
    paid=st.integers(0, 10**8),
)
def test_what_was_paid_less_each_deduction_is_the_refund(prices, payer, advanced, paid):
    items = [ItemSnapshot("terminal", Money(price), quantity, None) for price, quantity in prices]
    breakdown = refund_breakdown(items, payer, Money(advanced), Money(paid))
    deducted = sum((amount for _kind, amount in breakdown.deductions), Money(0))
    assert Money(paid) - deducted == breakdown.refund
    assert breakdown.refund == refund_amount(
        items, Resolution.REFUND, payer, Money(advanced), Money(paid)
    )
    assert all(amount > Money(0) for _kind, amount in breakdown.deductions)
    shipping = dict(breakdown.deductions).get(Deduction.RETURN_SHIPPING, Money(0))
    assert shipping <= (Money(advanced) if payer is FeePayer.MERCHANT else Money(0))
