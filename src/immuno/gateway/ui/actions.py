"""The dashboard's actions (POST forms). Each is an operator decision taken through the
same functions as the CLI and the API (:mod:`immuno.operator`), and each is sealed in
the audit log: outcomes and incident decisions by those functions, the rest (a plain
release, a denial, a verification) as an ``operator.<act>`` entry of their own.

Each returns the flash message shown on the page it redirects to."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool

from immuno import operator
from immuno.audit import AuditError, verify_store
from immuno.detect.quarantine import Quarantine
from immuno.gateway.ui.view import View
from immuno.store import open_store

Flash = tuple[str, str]  # (ok | error, text)


def _sealed(seq: int | None) -> str:
    return f"sealed as audit entry {seq}" if seq is not None else "not sealed (audit is off)"


async def confirm(view: View, form: dict[str, str]) -> Flash:
    ident = view.request.path_params["id"]
    done = operator.confirm_incident(
        view.immune,
        ident,
        view.who.agent,
        form.get("note") or None,
        without_vaccine=form.get("without_vaccine") == "1",
    )
    decision = done.decision
    made = ", ".join(decision.vaccines) or "no vaccine"
    lost = f"; {len(done.missing)} payload(s) not recoverable" if done.missing else ""
    return "ok", f"{ident} confirmed: {made}{lost}; {_sealed(decision.seq)}"


async def false_positive(view: View, form: dict[str, str]) -> Flash:
    ident = view.request.path_params["id"]
    done = operator.incident_false_positive(
        view.immune, ident, view.who.agent, form.get("note") or None
    )
    return "ok", (
        f"{ident} recorded as a false positive: {done.decision.counted} stopped signal(s)"
        f" counted, {done.flagged_only} only flagged, {done.already} already counted;"
        f" {_sealed(done.decision.seq)}"
    )


def _held(view: View) -> str:
    ident = view.request.path_params["id"]
    Quarantine(view.store).get(ident)  # InputError naming the id when unknown
    return str(ident)


async def release(view: View, form: dict[str, str]) -> Flash:
    ident = _held(view)
    operator.release(view.immune, ident, false_positive=False, by=view.who.agent)
    delivered = view.gateway.inbox.release(ident)
    extra = " and delivered the held message" if delivered else ""
    return "ok", f"released {ident}{extra}; sealed in the audit log"


async def release_benign(view: View, form: dict[str, str]) -> Flash:
    ident = _held(view)
    operator.release(view.immune, ident, false_positive=True, by=view.who.agent)
    delivered = view.gateway.inbox.release(ident)
    extra = " and delivered the held message" if delivered else ""
    return "ok", (
        f"released {ident} as a false positive of the layers that held it{extra};"
        " counted in their autoimmunity rate and sealed"
    )


async def approve(view: View, form: dict[str, str]) -> Flash:
    ident = view.request.path_params["id"]
    _, remark = operator.approve(view.immune, ident, view.who.agent, form.get("note") or None)
    if remark is None:
        return "ok", f"approved {ident}; counted as a false positive and sealed"
    return "ok", f"approved {ident}; {remark}; sealed in the audit log"


async def deny(view: View, form: dict[str, str]) -> Flash:
    ident = view.request.path_params["id"]
    operator.deny(view.immune, ident, view.who.agent, form.get("note") or None)
    return "ok", f"denied {ident}; sealed in the audit log"


async def verify(view: View, form: dict[str, str]) -> Flash:
    location = view.store.location
    public_key = view.immune.authority.public_bytes

    def run() -> str:
        if location == ":memory:":  # one connection: read it here, on this thread
            report = verify_store(view.store, public_key)
        else:
            store = open_store(location)  # a connection of its own, off the event loop
            try:
                report = verify_store(store, public_key)
            finally:
                store.close()
        return (
            f"the audit log verifies: {report.size:,} entries, {report.heads} signed"
            f" head(s), {report.unsigned:,} entries after the last signed head"
        )

    try:
        text = run() if location == ":memory:" else await run_in_threadpool(run)
    except AuditError as exc:
        operator.record_act(
            view.immune, view.who.agent, "audit_verify", "audit", f"verification failed: {exc}"
        )
        return "error", f"the audit log does NOT verify: {exc}"
    seq = operator.record_act(view.immune, view.who.agent, "audit_verify", "audit", text)
    return "ok", f"{text}; {_sealed(seq)}"
