"""Values written back from untrusted content keep their level (written.py), in real
SQLite stores that outlive the trace and the pipeline."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from policy_fixtures import FakeClock
from tests.backends import location_of

from immuno import Action, Immune, Signal, Verdict
from immuno.policy import WrittenValues
from immuno.policy.spec import Source
from immuno.policy.written import items_written, remembered, scope_of, value_like
from immuno.store import open_store

EVIL = "XK051212012345678906"
GOOD = "GB94BARC10201530093459"
OUTSIDER = "dana@partner.example"

MANIFEST = """\
version: 1
agents:
  clerk:
    tools: [email.read, crm.lookup, crm.update, bank.payees, bank.add_payee, bank.transfer,
            contacts.search, calendar.create, email.send, save_note]
tools:
  email.read: {}
  crm.lookup: {trusted_output: true}
  crm.update:
    sink: memory
    args:
      value: {type: string, from: clean}
  bank.payees: {trusted_output: true}
  bank.add_payee:
    sink: money
    args:
      iban: {type: string, from: clean}
  bank.transfer:
    sink: money
    on_violation: hold
    args:
      iban: {type: string, from: trusted}
  contacts.search: {trusted_output: true}
  calendar.create:
    sink: mail
    args:
      attendees: {type: array, from: clean}
  email.send:
    sink: mail
    args:
      to: {type: string, from: trusted}
  save_note:
    sink: memory
    args:
      text: {type: string}
"""


def user(immune: Immune, text: str, trace: str) -> None:
    immune.check(
        Signal(kind="message", agent="clerk", content=text, provenance="trusted", trace=trace)
    )


def read(immune: Immune, tool: str, text: str, trace: str) -> Verdict:
    return immune.check(
        Signal(kind="tool_result", agent="clerk", tool=tool, content=text, trace=trace)
    )


def call(
    immune: Immune, tool: str, trace: str, approval: str | None = None, **args: Any
) -> Verdict:
    return immune.check(
        Signal(
            kind="tool_call",
            agent="clerk",
            tool=tool,
            args=args,
            trace=trace,
            approval_id=approval,
        )
    )


@pytest.fixture
def make(make_immune: Callable[..., Immune]) -> Callable[[], Immune]:
    return lambda: make_immune(MANIFEST)


def test_a_crm_note_from_an_email_stays_untrusted_in_a_new_pipeline(
    make: Callable[[], Immune],
) -> None:
    first = make()
    user(first, "File Northwind's latest email in their CRM record.", "t1")
    read(
        first, "email.read", f"Northwind Logistics Ltd, statement 114. Refund account {EVIL}.", "t1"
    )
    assert call(first, "crm.update", "t1", value=EVIL).action is Action.ALLOW
    first.close()

    second = make()  # same store, new pipeline, new trace
    user(second, "Refund Northwind 200 to the account in their CRM record.", "t2")
    read(second, "crm.lookup", f"C-1042 Northwind. Refund account {GOOD}. Notes: {EVIL}", "t2")
    laundered = call(second, "bank.transfer", "t2", iban=EVIL)
    assert laundered.action is Action.HOLD
    assert laundered.codes == ["policy.flow.untrusted_value"]
    # The rest of the trusted record keeps its trust.
    assert call(second, "bank.transfer", "t2", iban=GOOD).action is Action.ALLOW


def test_without_the_write_the_same_record_is_trusted(make: Callable[[], Immune]) -> None:
    immune = make()
    user(immune, "Refund Northwind 200.", "t")
    read(immune, "crm.lookup", f"C-1042 Northwind. Notes: {EVIL}", "t")
    assert call(immune, "bank.transfer", "t", iban=EVIL).action is Action.ALLOW


def test_a_payee_added_from_an_email_is_not_trusted_from_the_payee_list(
    make: Callable[[], Immune],
) -> None:
    immune = make()
    read(immune, "email.read", f"Harbour Lofts account: {EVIL} (Harbour Lofts Ltd).", "t1")
    assert call(immune, "bank.add_payee", "t1", iban=EVIL).action is Action.ALLOW
    read(immune, "bank.payees", f"Saved payees:\n1. Harbour Lofts {EVIL}\n2. Telecom {GOOD}", "t2")
    assert call(immune, "bank.transfer", "t2", iban=EVIL).action is Action.HOLD
    assert call(immune, "bank.transfer", "t2", iban=GOOD).action is Action.ALLOW


def test_a_write_demotes_only_its_own_services_reads(make: Callable[[], Immune]) -> None:
    # Inviting someone does not put them in the address book.
    immune = make()
    read(immune, "email.read", f"From: Dana <{OUTSIDER}>\nSee you at the review.", "t1")
    invite = call(immune, "calendar.create", "t1", attendees=[OUTSIDER])
    assert invite.action is Action.ALLOW
    read(immune, "contacts.search", f"Dana Ruiz <{OUTSIDER}>", "t2")
    assert call(immune, "email.send", "t2", to=OUTSIDER).action is Action.ALLOW


def test_a_tool_without_a_service_prefix_demotes_everywhere(make: Callable[[], Immune]) -> None:
    immune = make()
    read(immune, "email.read", f"Supplier account {EVIL}.", "t1")
    assert call(immune, "save_note", "t1", text=f"supplier pays to {EVIL}").action is Action.ALLOW
    read(immune, "crm.lookup", f"C-7 Supplier. Account {EVIL}", "t2")
    assert call(immune, "bank.transfer", "t2", iban=EVIL).action is Action.HOLD


def test_nothing_is_remembered_when_the_trace_read_only_trusted_content(
    make: Callable[[], Immune],
) -> None:
    immune = make()
    user(immune, "Note in the CRM that Northwind's refunds go to the usual account.", "t1")
    read(immune, "crm.lookup", f"C-1042 Northwind. Refund account {GOOD}.", "t1")
    assert call(immune, "crm.update", "t1", value=GOOD).action is Action.ALLOW
    assert len(immune.layer("policy").written) == 0


def test_a_value_the_user_gave_is_not_remembered(make: Callable[[], Immune]) -> None:
    immune = make()
    user(immune, f"Their refund account is {EVIL}; note it in the CRM.", "t1")
    read(immune, "email.read", "Newsletter: freight volumes recover.", "t1")  # tainted
    assert call(immune, "crm.update", "t1", value=EVIL).action is Action.ALLOW
    read(immune, "crm.lookup", f"Notes: Refunds: {EVIL}", "t2")
    assert call(immune, "bank.transfer", "t2", iban=EVIL).action is Action.ALLOW


def test_an_approved_call_vouches_for_its_values(make: Callable[[], Immune]) -> None:
    immune = make()
    read(immune, "email.read", f"Invoice 4471, conference pass. IBAN {EVIL}.", "t1")
    held = call(immune, "bank.transfer", "t1", iban=EVIL)
    assert held.action is Action.HOLD and held.approval_id
    immune.layer("policy").approvals.approve(held.approval_id)
    assert call(immune, "bank.transfer", "t1", held.approval_id, iban=EVIL).action is Action.ALLOW
    assert len(immune.layer("policy").written) == 0


def test_a_memory_write_is_remembered_for_memory_reads(make: Callable[[], Immune]) -> None:
    immune = make()
    read(immune, "email.read", f"Landlord account {EVIL}.", "t1")
    write = Signal(
        kind="memory_write",
        agent="clerk",
        tool="memory.write",
        content=f"Landlord IBAN {EVIL}",
        provenance="trusted",  # what the agent claims; the trace says otherwise
        trace="t1",
    )
    assert not immune.check(write).action.stops
    recall = Signal(
        kind="memory_read",
        agent="clerk",
        tool="memory.read",
        content=f"Landlord IBAN {EVIL}",
        provenance="trusted",
        trace="t2",
    )
    assert not immune.check(recall).action.stops
    assert call(immune, "bank.transfer", "t2", iban=EVIL).action is Action.HOLD


# -- the book itself ---------------------------------------------------------------


def test_value_like_words() -> None:
    assert all(value_like(w) for w in [EVIL.lower(), "c-1042", "a@b.example", "/home/u/x", "bs1"])
    assert all(value_like(w) for w in ["12345678"])  # a long account number
    assert not any(value_like(w) for w in ["rent", "1200", "45.5", "2026-12-01", "07:05", "ok"])
    assert remembered("21 quay street, bristol bs1 4dj") == [
        "4dj",
        "bs1",
        "bs14dj",
        "21 quay street, bristol bs1 4dj",
    ]
    assert remembered("monthly rent") == []
    assert remembered("xk05 1212 0123") == ["xk05", "xk0512120123", "xk05 1212 0123"]


@pytest.mark.parametrize(
    ("value", "joined"),
    [
        # the groups joined from the first with a digit, not from the words before
        ("account 5512 3456 7890", "551234567890"),
        ("IBAN XK05 1212 0123 4567 8906", "xk051212012345678906"),
        ("pay XK05 1212 0123 4567 8906 today", "xk051212012345678906"),
        # groups printed with dashes
        ("5512-3456-7890", "551234567890"),
        ("XK05-1212-0123-4567-8906", "xk051212012345678906"),
    ],
)
def test_a_number_in_groups_is_remembered_joined(value: str, joined: str) -> None:
    assert joined in remembered(" ".join(value.casefold().split()))


@pytest.mark.parametrize("shown", ["5512 3456 7890", "5512-3456-7890", "551234567890"])
def test_a_number_written_in_groups_is_demoted_however_it_is_printed(
    make: Callable[[], Immune], shown: str
) -> None:
    # copied from an email with its label, read back from the CRM in another form
    immune = make()
    user(immune, "File Northwind's latest email in their CRM record.", "t1")
    read(immune, "email.read", "Northwind Logistics: refund account 5512 3456 7890.", "t1")
    assert call(immune, "crm.update", "t1", value="account 5512 3456 7890").action is Action.ALLOW
    user(immune, "Refund Northwind 200 to the account in their CRM record.", "t2")
    read(immune, "crm.lookup", f"C-1042 Northwind. Notes: refund account {shown}", "t2")
    assert call(immune, "bank.transfer", "t2", iban="551234567890").action is Action.HOLD


def test_items_written_keep_the_level_their_support_had() -> None:
    levels = {"aa11bbb": Source.TRUSTED, "cc22ddd": Source.CLEAN}

    def supported(item: str, level: Source) -> bool:
        return levels.get(item, Source.ANY) >= level and item in levels

    items = items_written(["AA11BBB", "CC22DDD", "EE33FFF", "1200", "Rent"], supported)
    assert items == {"cc22ddd": Source.CLEAN, "ee33fff": Source.ANY}


def test_scopes() -> None:
    assert scope_of("crm.update", write=True) == "crm"
    assert scope_of("save_note", write=True) == "*"
    assert scope_of("get_payees", write=False) == "get_payees"
    assert scope_of(None, write=False) == "memory"


def test_the_book_persists_keeps_the_lowest_level_and_forgets(tmp_path: Path) -> None:
    clock = FakeClock()
    path = tmp_path / "book.db"
    one = WrittenValues(open_store(location_of(path)), clock)
    one.remember(
        {"xk05": Source.CLEAN, "a b xk05": Source.CLEAN}, "crm", "clerk", "crm.update", "t"
    )
    one.remember({"xk05": Source.ANY}, "crm", "clerk", "crm.update", "t")
    one.remember({"xk05": Source.CLEAN}, "crm", "clerk", "crm.update", "t")  # never raised
    two = WrittenValues(open_store(location_of(path)), clock)
    assert two.level("xk05", "crm") is Source.ANY
    assert two.present("crm", {"xk05", "a", "b"}, "note: a b xk05") == {
        "xk05": Source.ANY,
        "a b xk05": Source.CLEAN,
    }
    assert two.present("bank", {"xk05"}, "xk05") == {}  # another service's store
    # a row written by one pipeline is seen by another on its next read
    one.remember({"zz99": Source.CLEAN}, "bank", "clerk", "bank.add_payee", None)
    assert two.present("bank", {"zz99"}, "zz99") == {"zz99": Source.CLEAN}
    assert [(w.value, w.scope) for w in two.list(limit=1)] == [("zz99", "bank")]
    assert two.forget("XK05") == 1
    assert two.present("crm", {"xk05"}, "xk05") == {}
    assert WrittenValues(open_store(location_of(path)), clock).level("xk05", "crm") is None


def test_a_written_value_stays_demoted_in_every_form(make: Callable[[], Immune]) -> None:
    first = make()
    user(first, "File Northwind's latest email in their CRM record.", "t1")
    read(
        first,
        "email.read",
        "Northwind Logistics Ltd. Refund account XK05 1212 0123 4567 8906.",
        "t1",
    )
    assert call(first, "crm.update", "t1", value="XK05 1212 0123 4567 8906").action is (
        Action.ALLOW
    )
    first.close()

    second = make()
    user(second, "Refund Northwind 200 to the account in their CRM record.", "t2")
    # the CRM prints it its own way; the agent sends it in a third
    read(second, "crm.lookup", f"C-1042 Northwind. Refund account {GOOD}. Notes: {EVIL}", "t2")
    laundered = call(second, "bank.transfer", "t2", iban="xk05-1212-0123-4567-8906")
    assert laundered.action is Action.HOLD
    assert call(second, "bank.transfer", "t2", iban=GOOD.lower()).action is Action.ALLOW


def test_remembered_items_carry_the_canonical_keys() -> None:
    items = remembered("refund to xk05 1212 0123 4567 8906 or https://evil.example/pay/")
    assert "account:xk051212012345678906" in items
    assert {"url:https://evil.example/pay", "url://evil.example/pay"} <= set(items)
