"""The incident pages (GET): the list, and one incident with its payload, timeline
and the confirm / false-positive forms."""

from __future__ import annotations

from immuno.core.errors import InputError
from immuno.gateway.ui.markup import Html, button_form, fill, join, pager, table, when
from immuno.gateway.ui.pages import PAGE_SIZE, payload_block
from immuno.gateway.ui.view import View
from immuno.response.incidents import IncidentBook, IncidentRow


def _status(incident: IncidentRow) -> str:
    return incident.decision.decision.replace("_", " ") if incident.decision else "open"


async def incidents(view: View) -> Html:
    book = IncidentBook(view.store)
    found = book.page(PAGE_SIZE + 1, view.offset(PAGE_SIZE))
    rows = [
        (
            fill('<a href="/ui/incidents/{i}">{i}</a>', i=i.id),
            i.kind,
            i.severity,
            i.count,
            when(i.last_at),
            ", ".join(i.agents[:5]) + (" ..." if len(i.agents) > 5 else ""),
            _status(i),
        )
        for i in found[:PAGE_SIZE]
    ]
    return join(
        [
            fill("<p>{n} incident(s) in all, most recently seen first.</p>", n=book.count()),
            table(
                "Incidents",
                ("incident", "kind", "severity", "findings", "last seen (UTC)", "agents", "status"),
                rows,
            ),
            pager("/ui/incidents", view.page, len(found) > PAGE_SIZE),
        ]
    )


async def incident(view: View) -> Html:
    book = IncidentBook(view.store)
    ident = view.request.path_params["id"]
    try:
        found = book.get(ident)
    except InputError:
        raise view.missing(f"no incident {ident!r}") from None
    timeline = book.timeline(found, PAGE_SIZE + 1, view.offset(PAGE_SIZE))
    texts = view.reader.held_content(list(dict.fromkeys(r.signal_id for r in timeline[:5])))
    facts = join(
        fill("<dt>{k}</dt><dd>{v}</dd>", k=k, v=v)
        for k, v in (
            ("kind", found.kind),
            ("severity", found.severity),
            ("findings", found.count),
            ("first seen (UTC)", when(found.first_at)),
            ("last seen (UTC)", when(found.last_at)),
            ("agents", ", ".join(found.agents)),
            ("channels", ", ".join(found.channels)),
            ("layers", ", ".join(found.layers)),
            ("status", _status(found)),
        )
    )
    if found.decision is not None:
        d = found.decision
        seal = f"audit entry {d.seq}" if d.seq is not None else "not sealed (audit off)"
        what = (
            f"vaccines: {', '.join(d.vaccines) or 'none'}"
            if d.decision == "confirmed"
            else f"{d.counted} stopped signal(s) counted as false positives"
        )
        decided = fill(
            "<p>Decided by {by} at {at} UTC: {what}; {seal}.{note}</p>",
            by=d.by,
            at=when(d.at),
            what=what,
            seal=seal,
            note=f" Note: {d.note}" if d.note else "",
        )
    else:
        base = f"/ui/incidents/{ident}"
        without = fill(
            '<input type="checkbox" id="wv" name="without_vaccine" value="1">'
            '<label for="wv">record it even without a recoverable payload</label>'
        )
        decided = join(
            [
                fill(
                    "<p>Confirm it an attack: the payload becomes a vaccine and near variants"
                    " are caught from then on. Or record a false positive: its stopped signals"
                    " count in the layers' autoimmunity rate (agent health is not changed).</p>"
                ),
                button_form(
                    f"{base}/confirm",
                    "Confirm attack and vaccinate",
                    view.csrf_value,
                    note=True,
                    extra=without,
                ),
                button_form(
                    f"{base}/false-positive",
                    "Mark false positive",
                    view.csrf_value,
                    note=True,
                    danger=True,
                ),
            ]
        )
    distinct = {t: s for s, t in reversed(texts.items())}  # each text once, first sighting
    payloads = join(
        fill("<h3>Signal {s}</h3>{p}", s=s, p=payload_block(t)) for t, s in distinct.items()
    ) or fill(
        '<p class="empty">No payload text is held in quarantine for these signals{a}.</p>',
        a=" (the audit log may hold it: audit.store_content is on)"
        if view.immune.config.audit.store_content
        else "",
    )
    rows = [
        (when(r.at), r.signal_id, r.agent, f"{r.layer}/{r.code}", r.severity, f"{r.score:.2f}")
        for r in timeline[:PAGE_SIZE]
    ]
    return fill(
        '<dl class="facts">{facts}</dl><section aria-labelledby="dec"><h2 id="dec">Decision'
        '</h2>{decided}</section><section aria-labelledby="pl"><h2 id="pl">Payload</h2>'
        '{payloads}</section><section aria-labelledby="tl"><h2 id="tl">Timeline</h2>'
        "{timeline}{pages}</section>",
        facts=facts,
        decided=decided,
        payloads=payloads,
        timeline=table(
            "Timeline", ("when (UTC)", "signal", "agent", "finding", "severity", "score"), rows
        ),
        pages=pager(f"/ui/incidents/{ident}", view.page, len(timeline) > PAGE_SIZE),
    )
