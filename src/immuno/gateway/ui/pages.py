"""The dashboard's pages (GET): each reads one page of rows and renders it. The
incident pages are in :mod:`immuno.gateway.ui.incident_pages`."""

from __future__ import annotations

from immuno.audit import AuditLog
from immuno.audit.reader import log_size
from immuno.detect.quarantine import STATUSES as QUARANTINE_STATUSES
from immuno.gateway.ui import charts, scorecard
from immuno.gateway.ui.markup import Html, button_form, esc, fill, join, pager, table, when
from immuno.gateway.ui.view import View
from immuno.policy.approvals import STATUSES as APPROVAL_STATUSES

PAGE_SIZE = 25
_STOPPED, _FLAGGED, _FP = "#b3261e", "#9a6700", "#0b57d0"


def _pill(text: str) -> Html:
    return fill('<span class="pill {c}">{t}</span>', c=text, t=text)


def payload_block(text: str, limit: int = 400) -> Html:
    shown = text if len(text) <= limit else text[:limit] + " [...]"
    return fill('<pre class="payload">{t}</pre>', t=shown)


async def overview(view: View) -> Html:
    reader = view.reader
    ladder = reader.ladder()
    agents = reader.agents(PAGE_SIZE + 1, view.offset(PAGE_SIZE))
    rows = [
        (
            a.agent,
            _pill(a.health),
            f"{a.points:.2f}",
            when(a.since),
            a.exposed_by or "-",
            a.reason or "-",
        )
        for a in agents[:PAGE_SIZE]
    ]
    rates = reader.rates()
    ladder_chart = charts.bars(
        "Agents per rung of the health ladder",
        [(rung, [float(count)]) for rung, count in ladder.items()],
        [("agents", "#57606a")],
    )
    counts = charts.bars(
        "Signals per layer: stopped or held, and flagged",
        [(r.layer, [float(r.stopped), float(r.flagged or 0)]) for r in rates],
        [("stopped", _STOPPED), ("flagged", _FLAGGED)],
    )
    autoimmunity = charts.bars(
        "Autoimmunity per layer: false positives confirmed over signals stopped",
        [(r.layer, [r.autoimmunity]) for r in rates],
        [("autoimmunity", _FP)],
        percent=True,
    )
    rate_rows = [
        (
            r.layer,
            r.stopped,
            "counting..." if r.flagged is None else r.flagged,
            r.false_positives,
            f"{r.autoimmunity:.1%}",
        )
        for r in rates
    ]
    return fill(
        '<section aria-labelledby="ladder"><h2 id="ladder">Agents on the health ladder</h2>'
        '<div class="grid">{chart}</div>{agents}{pages}</section>'
        '<section aria-labelledby="rates"><h2 id="rates">Live rates per layer</h2>'
        '<p class="muted">Recomputed at most every few seconds.{counting}</p>'
        '<div class="grid">{counts}{auto}</div>{table}</section>',
        chart=ladder_chart,
        agents=table(
            "Agents",
            ("agent", "health", "points (last change)", "since (UTC)", "exposed by", "reason"),
            rows,
        ),
        pages=pager("/ui", view.page, len(agents) > PAGE_SIZE),
        counts=counts,
        counting=""
        if reader.counts.ready
        else " Flagged signals are still being counted (a worker's first count reads"
        " every finding once); reload in a moment.",
        auto=autoimmunity,
        table=table(
            "Rates",
            ("layer", "stopped or held", "flagged", "false positives", "autoimmunity"),
            rate_rows,
        ),
    )


async def quarantine(view: View) -> Html:
    status = view.choice("status", ("held", *QUARANTINE_STATUSES, "all"), "held")
    items = view.reader.quarantine(
        None if status == "all" else status, PAGE_SIZE + 1, view.offset(PAGE_SIZE)
    )
    rows = []
    for item in items[:PAGE_SIZE]:
        actions: Html = Html("-")
        if item.status == "held":
            base = f"/ui/quarantine/{item.id}"
            actions = join(
                [
                    button_form(f"{base}/release", "Release", view.csrf_value),
                    button_form(
                        f"{base}/false-positive",
                        "Release as false positive",
                        view.csrf_value,
                        danger=True,
                    ),
                ]
            )
        rows.append(
            (
                item.id,
                when(item.at),
                item.agent,
                item.kind,
                item.action,
                f"{item.score:.2f}",
                item.status,
                payload_block(item.content, 200),
                join(
                    fill('<div class="code">{r}</div>', r=r.split(": ", 1)[0])
                    for r in item.reasons[:4]
                ),
                actions,
            )
        )
    filters = join(
        fill(
            '<a href="/ui/quarantine?status={s}"{cur}>{s}</a>',
            s=s,
            cur=Html(' aria-current="true"') if s == status else Html(""),
        )
        for s in ("held", "flagged", "released", "all")
    )
    return join(
        [
            fill('<nav aria-label="filter" class="pager">Show: {f}</nav>', f=filters),
            table(
                "Quarantine",
                (
                    "id",
                    "when (UTC)",
                    "agent",
                    "kind",
                    "action",
                    "score",
                    "status",
                    "content",
                    "findings",
                    "actions",
                ),
                rows,
            ),
            pager("/ui/quarantine", view.page, len(items) > PAGE_SIZE, f"status={esc(status)}"),
        ]
    )


async def approvals(view: View) -> Html:
    status = view.choice("status", APPROVAL_STATUSES, "pending")
    found = view.reader.approvals(status, PAGE_SIZE + 1, view.offset(PAGE_SIZE))
    rows = []
    for a in found[:PAGE_SIZE]:
        actions: Html = Html("-")
        if a.status == "pending":
            actions = join(
                [
                    button_form(
                        f"/ui/approvals/{a.id}/approve", "Approve", view.csrf_value, note=True
                    ),
                    button_form(f"/ui/approvals/{a.id}/deny", "Deny", view.csrf_value, danger=True),
                ]
            )
        rows.append(
            (
                a.id,
                when(a.created),
                a.agent,
                a.tool,
                payload_block(a.args, 300),
                a.reason,
                a.status,
                a.decided_by or "-",
                actions,
            )
        )
    filters = join(
        fill(
            '<a href="/ui/approvals?status={s}"{cur}>{s}</a>',
            s=s,
            cur=Html(' aria-current="true"') if s == status else Html(""),
        )
        for s in APPROVAL_STATUSES
    )
    return join(
        [
            fill('<nav aria-label="filter" class="pager">Show: {f}</nav>', f=filters),
            table(
                "Approval requests",
                (
                    "id",
                    "created (UTC)",
                    "agent",
                    "tool",
                    "arguments",
                    "reason",
                    "status",
                    "decided by",
                    "actions",
                ),
                rows,
            ),
            pager("/ui/approvals", view.page, len(found) > PAGE_SIZE, f"status={esc(status)}"),
        ]
    )


async def audit(view: View) -> Html:
    try:
        log = view.immune.layer("audit")
    except KeyError:
        return fill('<p class="empty">The audit log is disabled (audit.enabled: false).</p>')
    if not isinstance(log, AuditLog):
        return fill('<p class="empty">The configured sealer is not an immuno audit log.</p>')
    head = log.latest_head()
    size = log_size(log.store)  # every worker's entries, not only this one's
    if head is None:
        facts = fill(
            "<dt>entries</dt><dd>{n}</dd><dt>signed tree head</dt><dd>none yet</dd>", n=size
        )
    else:
        facts = join(
            fill("<dt>{k}</dt><dd>{v}</dd>", k=k, v=v)
            for k, v in (
                ("entries", f"{size:,}"),
                ("signed head covers", f"{head.size:,} entries"),
                ("not yet under a signed head", f"{size - head.size:,}"),
                ("root", head.root.hex()),
                ("signed at (UTC)", when(head.timestamp_ms / 1000)),
                ("authority key", head.public_key.hex()),
            )
        )
    return fill(
        '<dl class="facts">{facts}</dl><h2>Verify</h2><p>Recompute every entry and node'
        " hash and check every signed tree head against the authority key. It reads the"
        " whole log: about a second per 100,000 entries.</p>{form}",
        facts=facts,
        form=button_form("/ui/audit/verify", "Verify the audit log", view.csrf_value),
    )


async def redteam(view: View) -> Html:
    path = scorecard.location(view.immune.config.store.folder)
    try:
        card = scorecard.load(path)
    except ValueError as exc:
        return fill(
            '<p class="flash error" role="alert">The scorecard is unreadable: {e}</p>', e=str(exc)
        )
    if card is None:
        return fill(
            '<p class="empty">No red-team scorecard yet. The dashboard reads {p} when'
            " it exists (or the file named by $IMMUNO_SCORECARD); its shape is in"
            " docs/dashboard.md.</p>",
            p=str(path),
        )
    families = [
        (f.name, f.attacks, f.stopped, f"{f.stopped / f.attacks:.1%}" if f.attacks else "-")
        for f in card.families
    ]
    chart = charts.bars(
        "Share of attacks stopped per family",
        [(f.name, [f.stopped / f.attacks if f.attacks else 0.0]) for f in card.families],
        [("stopped", _STOPPED)],
        percent=True,
    )
    return fill(
        '<dl class="facts"><dt>generated</dt><dd>{g}</dd><dt>target</dt><dd>{t}</dd>'
        "<dt>attacks stopped</dt><dd>{s} of {a} ({r})</dd></dl>{chart}{table}{notes}",
        g=card.generated_at,
        t=card.target or "-",
        s=card.stopped,
        a=card.attacks,
        r=f"{card.rate:.1%}",
        chart=chart,
        table=table("Families", ("family", "attacks", "stopped", "rate"), families),
        notes=fill("<p>{n}</p>", n=card.notes) if card.notes else Html(""),
    )
