"""The provider's records as domain/ checks them, and what a request is told changed since submit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.kept_facts import UnitFacts, changed_since_submit
from domain.sync import (
    Code,
    LineIn,
    MerchantRecord,
    OrderRecord,
    check_merchant,
    check_order,
    check_terminal,
    repeated_keys,
)

NOW = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)


def codes(found: object) -> list[tuple[str, str]]:
    assert isinstance(found, list), found
    return [(p.field, p.code.value) for p in found]


def test_a_merchant_signs_in_with_the_first_phone_and_repeats_are_dropped() -> None:
    found = check_merchant(external_id=" M-1 ", name="静安店",
                           phones=["+86 139-1234-5678", "13912345678", "0086 13700137000"])  # fmt: skip
    assert found == MerchantRecord("M-1", "静安店", "13912345678", ("13700137000",), "", "", "")


def test_every_wrong_field_of_a_merchant_is_named() -> None:
    found = check_merchant(external_id="", name="x" * 201, phones=["1234", "13912345678"],
                           email="not-an-address")  # fmt: skip
    assert codes(found) == [("external_id", "required"), ("name", "too_long"),
                            ("phones[0]", "invalid_phone"), ("email", "invalid")]  # fmt: skip
    assert codes(check_merchant(external_id="M", name="n", phones=[])) == [("phones", "required")]


def line(no: int, quantity: int = 1, serials: tuple[str, ...] = ()) -> LineIn:
    return LineIn(no, "P8", quantity, 100, list(serials))


def test_an_order_with_its_lines_is_checked_line_by_line() -> None:
    good = check_order(order_no="DD1", merchant_external_id="M-1", completed_at=NOW,
                       paid_total_fen=200, lines=[line(1, 2, ("A1", "A2"))], now=NOW)  # fmt: skip
    assert isinstance(good, OrderRecord) and good.lines[0].serial_numbers == ("A1", "A2")
    bad = check_order(order_no="DD1", merchant_external_id="M-1",
                      completed_at=NOW + timedelta(days=2), paid_total_fen=-1,
                      lines=[line(1, 2, ("A1",)), line(1, 1, ("B 1",)), line(0, 0)], now=NOW)  # fmt: skip
    assert codes(bad) == [
        ("completed_at", "in_future"), ("paid_total_fen", "out_of_range"),
        ("items[0].serial_numbers", "serials_mismatch"),
        ("items[1].line_no", "duplicate_in_batch"), ("items[1].serial_numbers[0]", "invalid"),
        ("items[2].line_no", "out_of_range"), ("items[2].quantity", "out_of_range"),
    ]  # fmt: skip
    naive = check_order(order_no="DD1", merchant_external_id="M-1", paid_total_fen=0,
                        completed_at=datetime(2026, 12, 1), lines=[line(1)], now=NOW)  # fmt: skip
    assert codes(naive) == [("completed_at", Code.INVALID.value)]


def test_a_terminal_needs_a_serial_number_and_a_past_payment() -> None:
    found = check_terminal(serial_number="", now=NOW, last_transaction_at=NOW + timedelta(days=3))
    assert codes(found) == [("serial_number", "required"), ("last_transaction_at", "in_future")]


def test_later_copies_of_a_key_in_one_batch_are_the_repeats() -> None:
    assert repeated_keys(["a", "b", "a", "c", "b"]) == {2, 4}


def test_nothing_changed_since_submit_before_it_and_each_change_named_after() -> None:
    unit = UnitFacts("P8 SN A1", "A1", 128000, 99000, {"mid": "M", "tid": "T1", "bound": True},
                     {"mid": "M", "tid": "T1", "bound": False})  # fmt: skip
    assert changed_since_submit(None, NOW, None, 1, [unit]) == []
    same = UnitFacts("P8", None, 100, 100, {}, {})
    assert changed_since_submit(NOW, NOW, 100, 100, [same]) == []
    found = changed_since_submit(NOW, NOW - timedelta(days=9), 128000, 99000, [unit])
    assert [text.msgid.split(" ")[:3] for text in found] == [
        ["The", "order's", "completion"], ["The", "amount", "paid"],
        ["%(item)s:", "the", "unit"], ["SN", "%(sn)s", "is"]]  # fmt: skip


def test_a_nul_character_is_refused_where_it_was_sent() -> None:
    assert codes(check_merchant(external_id="M\x001", name="店", phones=["13912345678"])) == [
        ("external_id", "invalid")]  # fmt: skip
