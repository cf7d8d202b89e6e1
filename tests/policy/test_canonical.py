"""Values found in text and their canonical keys (canonical.py)."""

from __future__ import annotations

import pytest

from immuno.policy.canonical import canonical_keys, find_values, index_keys

pytestmark = pytest.mark.no_store  # opens no store


def keys(text: str, kind: str | None = None) -> list[str]:
    return [v.key for v in find_values(text, (kind,) if kind else ("url", "email", "phone",
            "account", "amount", "date"))]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("10", "amount:10"),
        ("10.00", "amount:10"),
        ("1,200.50", "amount:1200.5"),
        ("1.200,50", "amount:1200.5"),
        ("1200.5", "amount:1200.5"),
        ("1,234,567", "amount:1234567"),
        ("1.234.567", "amount:1234567"),
        ("64,20", "amount:64.2"),
        ("0.5", "amount:0.5"),
        ("-500", "amount:-500"),
    ],
)
def test_amounts_in_any_notation_have_one_key(text: str, key: str) -> None:
    assert keys(f"Total due: {text} EUR.", "amount") == [key]


@pytest.mark.parametrize(
    "text",
    [
        "1,200",  # thousands, or one point two: depends on the locale
        "1.200",
        "1,2,3",
        "192.168.0.1",
        "007",  # an identifier
        "A320",
        "v1.2",
        "ref-1234",
        "10am",
        "15%",
        "12:30",
        "10-20",
    ],
)
def test_ambiguous_or_glued_numbers_are_no_amount(text: str) -> None:
    assert keys(f"see {text} here", "amount") == []


@pytest.mark.parametrize(
    "text",
    ["2024-05-13", "13 May 2024", "May 13, 2024", "May 13th, 2024", "13th of May 2024",
     "13/05/2024", "13.05.2024", "2024/5/13", "2024-05-13T10:00:00Z", "(May 13, 2024)"],
)  # fmt: skip
def test_dates_in_any_notation_have_one_key(text: str) -> None:
    assert keys(f"due {text}.", "date") == ["date:2024-05-13"]


@pytest.mark.parametrize(
    "text",
    ["05/06/2024", "05.06.2024", "05/06/24", "13 May", "2024-02-30", "13 Mai 2024"],
)
def test_ambiguous_or_impossible_dates_are_refused(text: str) -> None:
    assert keys(f"due {text}.", "date") == []
    assert keys(f"due {text}.", "account") == []  # and not taken for anything else


def test_a_date_readable_one_way_only_is_kept() -> None:
    assert keys("on 05/05/2024", "date") == ["date:2024-05-05"]  # both readings agree
    assert keys("on 12/13/2024", "date") == ["date:2024-12-13"]  # month/day/year


def test_ibans_in_any_spacing_and_case_have_one_key() -> None:
    forms = ["DE89 3704 0044 0532 0130 00", "de89370400440532013000", "IBAN:DE89370400440532013000"]
    for form in forms:
        assert keys(f"pay {form}.", "account") == ["account:de89370400440532013000"]


def test_an_iban_with_a_wrong_checksum_is_not_an_account() -> None:
    assert keys("pay DE89 3704 0044 0532 0130 01 now") == []
    assert keys("pay DE88370400440532013000 now") == []


def test_an_iban_stops_before_the_words_after_it() -> None:
    found = find_values("IBAN GB29 NWBK 6016 1331 9268 19 by Friday")
    assert [(v.kind, v.raw) for v in found] == [("account", "gb29 nwbk 6016 1331 9268 19")]


def test_long_digit_runs_are_accounts() -> None:
    assert keys("card 4111 1111 1111 1111 ok", "account") == ["account:4111111111111111"]
    assert keys("acct 5512-3456-7890 ok", "account") == ["account:551234567890"]
    assert keys("acct 12345678 ok", "account") == ["account:12345678"]
    assert keys("in 2024 10 people came", "account") == []  # short groups stay numbers
    assert keys("in 2024 10 people came", "amount") == ["amount:2024", "amount:10"]


@pytest.mark.parametrize(
    "text", ["+1 (555) 010-2233", "+15550102233", "+1-555-010-2233", "tel:+1 555 010 2233"]
)
def test_phones_are_e164(text: str) -> None:
    assert keys(f"call {text} today", "phone") == ["phone:+15550102233"]


def test_phones_need_a_country_code_and_a_possible_length() -> None:
    assert keys("call (555) 010-2233", "phone") == []  # which country?
    assert keys("call +1 555 0100", "phone") == []  # too short for its country
    # a group too many after a number is a number of its own
    found = find_values("+44 20 7946 0958 2024")
    assert [v.key for v in found] == ["phone:+442079460958", "amount:2024"]


def test_emails_ignore_case_and_mailto() -> None:
    for form in ["Bob@X.example", "mailto:bob@x.example", "<BOB@x.EXAMPLE>"]:
        assert keys(f"write to {form}.", "email") == ["email:bob@x.example"]
    assert keys("x@y and @handle", "email") == []


@pytest.mark.parametrize(
    "text",
    [
        "https://bank.example/pay",
        "HTTPS://Bank.Example/pay/",
        "https://bank.example:443/pay",
        "https://bank.example/pay#top",
        "https://bank.example/%70ay",
        "(https://bank.example/pay).",
    ],
)
def test_urls_ignore_case_default_port_slash_and_fragment(text: str) -> None:
    assert keys(f"see {text}", "url") == ["url:https://bank.example/pay"]


def test_urls_keep_what_changes_the_target() -> None:
    assert keys("http://bank.example/pay", "url") == ["url:http://bank.example/pay"]
    assert keys("https://bank.example:8443/pay", "url") == ["url:https://bank.example:8443/pay"]
    assert keys("https://bank.example/pay?to=1", "url") == ["url:https://bank.example/pay?to=1"]


def test_urls_without_a_scheme() -> None:
    assert keys("go to www.evil.example now", "url") == ["url://www.evil.example"]
    assert keys("log in at evil.example/login.", "url") == ["url://evil.example/login"]
    assert keys("send it to evil-pay.com today", "url") == ["url://evil-pay.com"]
    assert keys("see notes.txt and node.js, e.g. this", "url") == []  # file names
    assert keys("mail bob@evil-pay.com", "url") == []  # an address, not a host


def test_a_read_https_url_also_vouches_for_the_scheme_less_form_only() -> None:
    read = index_keys("see https://bank.example/pay")
    assert {"url:https://bank.example/pay", "url://bank.example/pay"} <= read
    assert "url:https://bank.example/pay" not in index_keys("see bank.example/pay")


def test_canonical_keys_of_argument_values() -> None:
    assert canonical_keys(10) == {"amount:10"}
    assert canonical_keys(10.0) == {"amount:10"}
    assert canonical_keys(1200.5) == canonical_keys("1,200.50") == {"amount:1200.5"}
    assert canonical_keys("$1,200.50") == {"amount:1200.5"}
    assert canonical_keys(12345678) == {"amount:12345678", "account:12345678"}
    assert canonical_keys("DE89 3704 0044 0532 0130 00") == {"account:de89370400440532013000"}
    assert canonical_keys(["Bob@X.example", {"k": "+1 (555) 010-2233"}]) == {
        "email:bob@x.example",
        "phone:+15550102233",
    }


@pytest.mark.parametrize("value", [None, True, False, "", "   ", "pay 10 now", float("nan")])
def test_nothing_and_composed_text_stand_for_no_key(value: object) -> None:
    assert canonical_keys(value) == set()


def test_keys_are_single_words() -> None:
    text = "Pay 1,200.50 to DE89 3704 0044 0532 0130 00 by 13 May 2024, +1 (555) 010-2233"
    for key in index_keys(text):
        assert key == key.lower() and not any(c.isspace() for c in key)


def test_an_unknown_kind_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown kinds of values: \\['iban'\\]"):
        find_values("DE89370400440532013000", ("account", "iban"))
