"""The HTML of report.html: a page to decide on each copy to check, and a one-page printable summary.

For each copy to check, the reasons come first, in plain words (reasons.Reason.said); for an order
doubt, the end of each page beside the start of the next (pictures, not OCR text); then the exact
`anonymat fix` command for that copy, ready to copy; then its pages. The printed view is the batch summary
alone (counts, copies to check with their reasons, unassigned pages, a line to sign) on one A4 page.
Every text comes from messages.py; everything shown from the manifests is escaped.
"""

from __future__ import annotations

import shlex
from html import escape
from pathlib import Path
from typing import Any

from anonymat import __version__
from anonymat.manifest import Manifest, entry_label
from anonymat.messages import explain_reason, language, t
from anonymat.outdir import page_thumb_name
from anonymat.states import Status

CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2329;
 background:#f4f5f7}
header{background:#fff;border-bottom:1px solid #d8dce1;padding:12px 24px;position:sticky;top:0;z-index:2}
h1{font-size:20px;margin:0 0 4px}
main{padding:12px 24px 40px;max-width:1500px}
.run{color:#5a6570;font-size:13px;margin:0 0 6px}
.run details{display:inline}
.run table{margin:4px 0}
.incomplete{background:#fde2e1;color:#8a1c12;border:1px solid #e3a39d;border-radius:4px;padding:6px 10px;
 font-weight:600;margin:6px 0}
.stats{display:flex;flex-wrap:wrap;gap:6px 18px;margin:0;padding:0;list-style:none}
.stats b{font-size:17px}
.tools{margin-top:8px;font-weight:600}
.tools input{width:18px;height:18px;vertical-align:-3px}
.tools button{margin-left:16px}
section{background:#fff;border:1px solid #d8dce1;border-radius:6px;padding:12px 16px;margin:14px 0}
section h2{font-size:18px;margin:0 0 6px}
.badge{display:inline-block;border-radius:10px;padding:1px 9px;font-size:13px;font-weight:600;margin-left:8px}
.ok .badge{background:#dff3e4;color:#17642c}
.needs_review{border-left:6px solid #d9822b}
.needs_review .badge{background:#fde9d3;color:#8a4300}
.meta{color:#5a6570;font-size:13px}
.reasons{margin:4px 0 8px;padding-left:22px;font-size:16px;font-weight:600;color:#6b3400}
.reasons li{margin:2px 0}
.joins{margin:8px 0}
.pair{display:flex;gap:6px;align-items:flex-start;flex-wrap:wrap}
.pair a{display:block;border:1px solid #b9c0c8;line-height:0;background:#fff}
.pair img{width:720px;max-width:46vw;height:auto}
.join-pair{margin:0 0 12px}
.number a{display:block;border:1px solid #b9c0c8;line-height:0}
.copy-end{margin:0 0 12px}
.copy-end a{display:inline-block;border:1px solid #b9c0c8;line-height:0}
.copy-end img{width:720px;max-width:46vw;height:auto}
.join-pair figcaption{font-size:13px;color:#1d2329;margin-top:2px}
.join-pair.weak figcaption, .joins p.doubtful{color:#8a4300;font-weight:600}
.fix{background:#f7f8fa;border:1px solid #e3e6ea;border-radius:4px;padding:6px 10px;margin:8px 0}
.fix p{margin:2px 0}
.cmd{display:flex;gap:8px;align-items:center;margin:2px 0 6px}
.cmd code{font-size:14px;padding:3px 6px;user-select:all}
.pages{display:flex;flex-wrap:wrap;align-items:flex-start;gap:10px;margin-top:8px}
figure{margin:0}
figure.page{width:240px}
.thumb{position:relative;display:block;width:240px;border:1px solid #b9c0c8;background:#fff;line-height:0}
.thumb img{width:100%;height:auto}
.thumb .missing{display:block;line-height:1.4;padding:40px 8px;text-align:center;color:#a00}
.zone{position:absolute;outline:2px solid #e0218a;background:rgba(224,33,138,.12)}
figcaption{font-size:12px;color:#5a6570;margin-top:3px;line-height:1.3;overflow-wrap:anywhere}
figcaption b{color:#1d2329;font-size:13px}
h3{font-size:14px;margin:10px 0 4px}
table{border-collapse:collapse;font-size:13px}
td,th{border-bottom:1px solid #e3e6ea;padding:3px 10px 3px 0;text-align:left;vertical-align:top}
body.only-review section.copy.ok{display:none}
code{background:#eef0f3;padding:0 4px;border-radius:3px}
#summary .sign{margin-top:28px;font-size:14px}
#summary .box{display:inline-block;width:14px;height:14px;border:1px solid #1d2329}
@page{size:A4;margin:12mm}
@media print{
 body{background:#fff;font-size:10.5pt}
 header{position:static;border:0;padding:0}
 .tools,.stats,section.copy,section.problems,.noprint,.run details{display:none!important}
 main{padding:0;max-width:none}
 #summary{border:0;padding:0;margin:0;break-inside:avoid}
 #summary table{font-size:9.5pt;width:100%}
 a{color:inherit;text-decoration:none}
}
"""

JS = """
(function(){
  var box=document.getElementById('needs-review-only');
  var shown=document.getElementById('shown');
  var template=shown.getAttribute('data-template');
  function apply(){
    document.body.classList.toggle('only-review',box.checked);
    var all=document.querySelectorAll('section.copy');var n=0;
    for(var i=0;i<all.length;i++){if(!box.checked||!all[i].classList.contains('ok'))n++;}
    shown.textContent=template.replace('{n}',n).replace('{total}',all.length);
  }
  box.addEventListener('change',apply);apply();
  document.getElementById('print').addEventListener('click',function(){window.print();});
  var buttons=document.querySelectorAll('button.copy-cmd');
  for(var i=0;i<buttons.length;i++){buttons[i].addEventListener('click',function(ev){
    var b=ev.currentTarget;var code=b.parentNode.querySelector('code');
    var range=document.createRange();range.selectNodeContents(code);
    var sel=window.getSelection();sel.removeAllRanges();sel.addRange(range);
    var done=function(){b.textContent=b.getAttribute('data-done');};
    if(navigator.clipboard){navigator.clipboard.writeText(code.textContent).then(done,function(){
      document.execCommand('copy');done();});}else{document.execCommand('copy');done();}
  });}
})();
"""

# a join is drawn as doubtful when it is less likely than not (its probability over every order, manifests
# of copies of up to 12 pages), or, with no probability (longer copies, older manifests), when its
# continuity score is negative: evidence against the join
JOIN_DOUBT_BELOW = 0.5
WEAK_LINK = 0.0


def render_html(
    batch: dict[str, Any],
    manifests: list[Manifest],
    thumbs: dict[str, list[str | None]],
    crops: dict[str, list[tuple[str, str]]] | None = None,
    outdir: Path | None = None,
    numbers: dict[str, list[str | None]] | None = None,
) -> str:
    e = escape
    crops = crops or {}
    numbers = numbers or {}
    review = [m for m in manifests if m.status != Status.OK]
    pages_out = sum(len(m.pages) for m in manifests)
    unassigned = batch.get("unassigned") or []
    errors = batch.get("errors") or []
    where = shlex.quote(str(outdir.resolve())) if outdir is not None else "OUTDIR"
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{language()}"><head><meta charset="utf-8"><meta name="generator" content="anonymat">',
        '<meta name="viewport" content="width=device-width,initial-scale=1">',
        f"<title>{e(t('report.title'))}</title>",
        f"<style>{CSS}</style></head><body>",
        "<header>",
        f"<h1>{e(t('report.title'))}</h1>",
        _run_block(batch),
    ]
    if batch.get("complete") is False:
        parts.append(f'<div class="incomplete" id="incomplete">{e(t("report.incomplete"))}</div>')
    parts += [
        '<ul class="stats">',
        f'<li><b id="n-copies">{len(manifests)}</b> {e(t("report.n_copies"))}</li>',
        f"<li><b>{pages_out}</b> {e(t('report.pages_out'))}"
        + (f" {e(t('report.pages_in', n=batch['pages_in']))}" if "pages_in" in batch else "")
        + "</li>",
        f'<li><b id="n-ok">{len(manifests) - len(review)}</b> {e(t("report.n_ok"))}</li>',
        f'<li><b id="n-review">{len(review)}</b> {e(t("report.n_review"))}</li>',
        f'<li><b id="n-unassigned">{len(unassigned)}</b> {e(t("report.n_unassigned"))}</li>',
        f'<li><b id="n-errors">{len(errors)}</b> {e(t("report.n_errors"))}</li>',
        "</ul>",
        '<div class="tools"><label><input type="checkbox" id="needs-review-only"> '
        f"{e(t('report.filter'))}</label>"
        f' <span class="meta" id="shown" data-template="{e(t("report.shown", n="{n}", total="{total}"))}"></span>'
        f'<button type="button" id="print">{e(t("report.print"))}</button></div>',
        "</header><main>",
    ]
    parts += _summary_block(batch, manifests, review, unassigned, errors)
    parts += _problems_block(errors, unassigned, outdir)
    parts.append(f'<p class="meta noprint">{e(t("report.how"))}</p>')
    for manifest in manifests:
        number = manifest.anonymity_number
        parts += _copy_block(
            manifest, thumbs.get(number, []), crops.get(number, []), where, outdir, numbers.get(number, [])
        )
    parts.append(f"</main><script>{JS}</script></body></html>")
    return "\n".join(parts) + "\n"


def _run_block(batch: dict[str, Any]) -> str:
    """Date, version, inputs and settings of the run (batch.json "run"), at the top."""
    e = escape
    run: dict[str, Any] = batch["run"] if isinstance(batch.get("run"), dict) else {}
    date = str(run.get("started", "?")).replace("T", " ")[:19]
    line = t(
        "report.run", date=date, version=run.get("anonymat_version", __version__), jobs=run.get("jobs", "?")
    )
    inputs = ", ".join(str(i) for i in run.get("inputs") or [])
    settings: dict[str, Any] = run["settings"] if isinstance(run.get("settings"), dict) else {}
    rows = "".join(f"<tr><th>{e(str(k))}</th><td>{e(str(v))}</td></tr>" for k, v in settings.items())
    return (
        f'<div class="run" id="run">{e(line)} · {e(t("report.inputs"))} : <span id="inputs">{e(inputs)}</span>'
        f' <details><summary>{e(t("report.settings"))}</summary><table id="settings">{rows}</table></details></div>'
    )


def _short_reasons(manifest: Manifest) -> str:
    reasons = [r.said() for r in manifest.reasons]
    if not reasons:
        return ""
    return reasons[0] + (f" (+{len(reasons) - 1})" if len(reasons) > 1 else "")


def _summary_block(
    batch: dict[str, Any],
    manifests: list[Manifest],
    review: list[Manifest],
    unassigned: list[dict[str, Any]],
    errors: list[dict[str, Any]],
) -> list[str]:
    """The one page to print: counts, the copies to check with their reasons, unassigned pages, signature."""
    e = escape
    out = [
        '<section id="summary" class="summary">',
        f"<h2>{e(t('report.summary'))}</h2>",
        f"<p>{len(manifests)} {e(t('report.n_copies'))} · {len(manifests) - len(review)} {e(t('report.n_ok'))}"
        f" · <b>{len(review)} {e(t('report.n_review'))}</b> · {len(unassigned)} {e(t('report.n_unassigned'))}"
        f" · {len(errors)} {e(t('report.n_errors'))}</p>",
    ]
    run: dict[str, Any] = batch["run"] if isinstance(batch.get("run"), dict) else {}
    settings: dict[str, Any] = run["settings"] if isinstance(run.get("settings"), dict) else {}
    if settings:
        shown = ", ".join(f"{k}={v}" for k, v in settings.items())
        out.append(f'<p class="meta">{e(t("report.settings"))} : {e(shown)}</p>')
    out.append(f"<h3>{e(t('report.summary_checks'))}</h3>")
    if review:
        out.append(
            f"<table><tr><th>{e(t('report.col_copy'))}</th><th>{e(t('report.col_reason'))}</th>"
            f"<th>{e(t('report.col_done'))}</th></tr>"
        )
        for m in review:
            number = m.anonymity_number
            out.append(
                f'<tr><td><a href="#copy-{e(number)}">{e(number)}</a></td><td>{e(_short_reasons(m))}</td>'
                '<td><span class="box"></span></td></tr>'
            )
        out.append("</table>")
    else:
        out.append(f"<p>{e(t('report.none'))}</p>")
    if unassigned or errors:
        out.append(f"<h3>{e(t('report.unassigned'))} / {e(t('report.rejected'))}</h3><ul>")
        for x in unassigned:
            src = x.get("source") or {}
            where = t("report.source_page", file=src.get("file", ""), n=int(src.get("page", 0)) + 1)
            out.append(f"<li>{e(where)} : {e(explain_reason(str(x.get('reason', '')))[1])}</li>")
        for x in errors:
            out.append(f"<li>{e(str(x.get('file', '')))} : {e(str(x.get('error', '')))}</li>")
        out.append("</ul>")
    out.append(f'<p class="sign">{e(t("report.sign"))}</p></section>')
    return out


def _problems_block(
    errors: list[dict[str, Any]], unassigned: list[dict[str, Any]], outdir: Path | None
) -> list[str]:
    e = escape
    out: list[str] = []
    if errors:
        out.append(f'<section class="problems" id="rejected"><h2>{e(t("report.rejected"))}</h2><table>')
        out += [
            f"<tr><td>{e(str(x.get('file', '')))}</td><td>{e(str(x.get('error', '')))}</td></tr>"
            for x in errors
        ]
        out.append("</table></section>")
    if unassigned:
        out.append(f'<section class="problems" id="unassigned"><h2>{e(t("report.unassigned"))}</h2>')
        out.append(f'<p class="meta">{e(t("report.unassigned_fix"))}</p><div class="pages">')
        for x in unassigned:
            src = x.get("source") or {}
            where = t("report.source_page", file=src.get("file", ""), n=int(src.get("page", 0)) + 1)
            caption = f"{e(where)}<br>{e(explain_reason(str(x.get('reason', '')))[1])}"
            between = [str(n) for n in x.get("between") or []]  # completeness.stray_entry
            if between:
                links = ", ".join(f'<a href="#copy-{e(n)}">{e(n)}</a>' for n in between)
                caption += f"<br>{e(t('report.scanned_among'))} {links}"
            caption += "".join(f"<br><code>{e(str(c))}</code>" for c in x.get("attach") or [])
            out.append(_source_figure(src, caption, outdir, page_thumb_name))
        out.append("</div></section>")
    return out


def _source_figure(src: dict[str, Any], caption: str, outdir: Path | None, name_of) -> str:
    """A page that is in no PDF: its masked thumbnail when one was made, linked to itself."""
    e = escape
    name = name_of(src)
    if outdir is not None and (outdir / name).is_file():
        img = f'<a class="thumb" href="{e(name)}"><img class="source-thumb" src="{e(name)}" alt="" width="240"></a>'
    else:
        img = f'<span class="thumb"><span class="missing">{e(t("report.page_missing"))}</span></span>'
    return f'<figure class="page source">{img}<figcaption>{caption}</figcaption></figure>'


def _command(text: str) -> str:
    e = escape
    return (
        f'<div class="cmd"><code>{e(text)}</code><button type="button" class="copy-cmd" '
        f'data-done="{e(t("report.copied"))}">{e(t("report.copy_cmd"))}</button></div>'
    )


def _join_caption(i: int, link: dict[str, Any] | None) -> tuple[str, bool]:
    """The caption of the join of pages i and i + 1, and whether it is drawn as doubtful."""
    caption = t("report.join", a=i, b=i + 1)
    if link is None:
        return caption, False
    score, probability = float(link.get("score", 0.0)), link.get("probability")
    if probability is not None:
        weak = float(probability) < JOIN_DOUBT_BELOW
        caption += " · " + t("report.join_probability", p=round(100 * float(probability)))
    else:
        weak = score < WEAK_LINK
        caption += " · " + t("report.join_score", score=f"{score:.2f}")
    return caption + (" · " + t("report.join_weak") if weak else ""), weak


def _copy_block(
    manifest: Manifest,
    thumbs: list[str | None],
    crops: list[tuple[str, str]],
    where: str,
    outdir: Path | None,
    numbers: list[str | None] | None = None,
) -> list[str]:
    e = escape
    number = manifest.anonymity_number
    status = str(manifest.status)
    order = manifest.order
    pages = manifest.pages
    pdf = manifest.pdf
    css_status = "ok" if status == "ok" else "needs_review"
    method = str(order.method)
    method_text = t(f"report.method.{method}") if f"report.method.{method}" in _METHODS else method
    meta = [
        t("report.pages", n=len(pages)),
        t("report.order", method=method_text, confidence=f"{order.confidence:.2f}"),
    ]
    dropped = manifest.dropped
    if dropped:
        meta.append(t("report.dropped_n", n=len(dropped)))
    out = [
        f'<section class="copy {css_status}" id="copy-{e(number)}" data-number="{e(number)}"'
        f' data-status="{e(status)}">',
        f'<h2>{e(number)}<span class="badge">{e(t("report.status." + css_status))}</span></h2>',
    ]
    reasons = manifest.reasons
    if reasons:
        items = []
        for r in reasons:
            items.append(f'<li class="reason kind-{e(r.kind)}" title="{e(r.text)}">{e(r.said())}</li>')
        out.append('<ul class="reasons">' + "".join(items) + "</ul>")
    out.append(f'<div class="meta">{e(" · ".join(meta))} · <a href="{e(pdf)}">PDF</a></div>')
    manual = [_describe_manual(m) for m in manifest.manual or []]
    if manual:
        out.append(f'<div class="meta manual">{e(t("report.manual", what="; ".join(manual)))}</div>')
    if numbers:
        pdf_link = e(pdf)
        out.append(f'<div class="numbers"><p>{e(t("report.numbers"))}</p><div class="pages">')
        for i, name in enumerate(numbers, start=1):
            if name:
                out.append(
                    f'<figure class="number"><a href="{pdf_link}#page={i}"><img class="crop number" '
                    f'src="{e(name)}" alt="" width="320"></a><figcaption>{e(t("report.page", n=i))}'
                    f" &middot; {e(entry_label(pages[i - 1]))}</figcaption></figure>"
                )
        out.append("</div></div>")
    if crops:
        links = {(lk.get("after"), lk.get("before")): lk for lk in order.links}
        joins = [
            _join_caption(
                i, links.get((entry_label(pages[i - 1]), entry_label(pages[i]))) if i < len(pages) else None
            )
            for i in range(1, len(crops))
        ]
        doubtful = sum(weak for _, weak in joins)
        out.append(f'<div class="joins"><p>{e(t("report.joins"))}</p>')
        if doubtful:
            out.append(f'<p class="doubtful">{e(t("report.joins_doubtful", k=doubtful, n=len(joins)))}</p>')
        out.append(_end_figure(pdf, 1, crops[0][0], "head", t("report.copy_start")))
        for i, (caption, weak) in enumerate(joins, start=1):
            tail, head = crops[i - 1][1], crops[i][0]
            out.append(
                f'<figure class="join-pair{" weak" if weak else ""}"><div class="pair">'
                f'<a href="{e(pdf)}#page={i}"><img class="crop tail" src="{e(tail)}" alt="" width="720"></a>'
                f'<a href="{e(pdf)}#page={i + 1}"><img class="crop head" src="{e(head)}" alt="" width="720"></a>'
                f"</div><figcaption>{e(caption)}</figcaption></figure>"
            )
        out.append(_end_figure(pdf, len(crops), crops[-1][1], "tail", t("report.copy_end", n=len(crops))))
        out.append("</div>")
    if status != "ok":
        # pages by the number the report shows (a page keeps it when the copy is reordered: fix.py)
        current = ",".join(str(p.get("id", i)) for i, p in enumerate(pages, 1))
        out.append('<div class="fix">')
        if len(pages) > 1:
            out.append(f"<p>{e(t('report.fix_order'))}</p>")
            out.append(_command(f"anonymat fix {where} {number} --order {current}"))
        out.append(f"<p>{e(t('report.fix_resolved'))}</p>")
        out.append(_command(f"anonymat fix {where} {number} --resolved"))
        out.append("</div>")
    out.append('<div class="pages">')
    for i, entry in enumerate(pages):
        out.append(_page_figure(manifest, i, entry, thumbs[i] if i < len(thumbs) else None))
    out.append("</div>")
    if dropped:
        out.append(f'<h3>{e(t("report.dropped"))}</h3><div class="pages dropped">')
        for d in dropped:
            src = d.get("source") or {}
            where_page = t("report.source_page", file=src.get("file", ""), n=int(src.get("page", 0)) + 1)
            out.append(_source_figure(src, e(where_page), outdir, page_thumb_name))
        out.append("</div>")
    out.append("</section>")
    return out


def _end_figure(pdf: str, page: int, crop: str, end: str, caption: str) -> str:
    """The start of the copy's first page, or the end of its last: the ends no join shows."""
    e = escape
    return (
        f'<figure class="copy-end"><a href="{e(pdf)}#page={page}"><img class="crop {end}" src="{e(crop)}" '
        f'alt="" width="720"></a><figcaption>{e(caption)}</figcaption></figure>'
    )


_METHODS = {f"report.method.{m}" for m in ("continuity", "scan", "single", "manual")}


def _describe_manual(entry: dict[str, Any]) -> str:
    """One manual-fix log entry (fix.py) in a few words."""
    action = str(entry.get("action", "?"))
    detail = {
        "order": lambda: "order " + ",".join(map(str, entry.get("order", []))),
        "drop": lambda: "dropped " + ", ".join(map(str, entry.get("pages", []))),
        "add": lambda: f"{entry.get('page')} attached as page {entry.get('id')}",
        "move": lambda: f"page {entry.get('id', entry.get('position'))} moved to {entry.get('to')}",
        "receive": lambda: f"page {entry.get('position')} received from {entry.get('from')}",
        "resolved": lambda: "marked resolved",
    }.get(action, lambda: action)()
    return f"{detail} ({str(entry.get('at', ''))[:10]})"


def _page_figure(manifest: Manifest, i: int, entry: dict[str, Any], thumb: str | None) -> str:
    from anonymat.pdf.output import THUMB_WIDTH

    e = escape
    width, height = (entry.get("size") or [0, 0])[:2]
    zones = []
    if width and height:
        for x0, y0, x1, y1 in entry.get("masked") or []:
            zones.append(
                f'<span class="zone" style="left:{100 * x0 / width:.2f}%;top:{100 * y0 / height:.2f}%;'
                f'width:{100 * (x1 - x0) / width:.2f}%;height:{100 * (y1 - y0) / height:.2f}%"></span>'
            )
    if thumb:
        img = f'<img class="page-thumb" src="{e(thumb)}" alt="{e(t("report.page", n=i + 1))}" loading="lazy" width="{THUMB_WIDTH}">'
    else:
        img = f'<span class="missing">{e(t("report.page_missing"))}</span>'
    pdf = f"{manifest.pdf}#page={i + 1}"
    flags = [t("report.rotated", deg=entry.get("rotation", 0))] if entry.get("rotation") else []
    if entry.get("blank"):
        flags.append(t("report.blank"))
    if entry.get("flap") in ("folded", "unknown"):
        flags.append(t("report.flap", state=t(f"report.flap.{entry['flap']}")))
    return (
        f'<figure class="page"><a class="thumb" href="{e(pdf)}">{img}{"".join(zones)}</a>'
        f"<figcaption><b>{e(str(entry.get('id', i + 1)))}</b> &middot; {e(entry_label(entry))}"
        + (f"<br>{e(', '.join(flags))}" if flags else "")
        + "</figcaption></figure>"
    )
