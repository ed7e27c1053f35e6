"""OUTDIR/report.html: one offline page to review a batch, rebuilt from OUTDIR's manifests alone.

Thumbnails are made from the anonymized pages, never from the scans, so no identity pixel can reach the
report: by the writers, from the masked pixels they encode into the PDF, or here, from the output PDFs'
page images. They are small JPEG files in OUTDIR/thumbs/, remade only for copies whose PDF changed
(thumbs/index.json keeps each copy's PDF sha256), so `anonymat fix` leaves the other copies' thumbnails
byte-identical.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from anonymat import output

THUMB_WIDTH = 300
THUMB_QUALITY = 70
THUMBS = "thumbs"
REPORT = "report.html"


def write_report(outdir: Path, written: dict[str, dict[str, Any]] | None = None) -> Path:
    """(Re)write OUTDIR/report.html and the thumbnails it shows; return the report's path.

    `written`: the thumbnails the writers already made while encoding (number -> {pdf_sha256, pages})."""
    outdir = Path(outdir)
    batch = _read_json(outdir / "batch.json")
    batch = batch if isinstance(batch, dict) else {}
    manifests = read_manifests(outdir)
    if isinstance(batch.get("copies"), list):  # a manifest left over from another run is not in this batch
        listed = {c.get("manifest") for c in batch["copies"] if isinstance(c, dict)}
        manifests = [m for m in manifests if f"{m['anonymity_number']}.json" in listed]
    thumbs = update_thumbnails(outdir, manifests, written)
    html = render_html(batch, manifests, thumbs)
    path = outdir / REPORT
    output.write_bytes_atomic(html.encode("utf-8"), path)
    return path


def read_manifests(outdir: Path) -> list[dict[str, Any]]:
    """Every readable copy manifest in OUTDIR, by anonymity number."""
    found = []
    for path in sorted(outdir.glob("*.json")):
        if path.name == "batch.json":
            continue
        manifest = _read_json(path)
        if isinstance(manifest, dict) and "anonymity_number" in manifest and "pages" in manifest:
            found.append(manifest)
    return sorted(found, key=lambda m: str(m["anonymity_number"]))


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


# --- thumbnails --------------------------------------------------------------------------------------


def thumb_name(number: str, index: int) -> str:
    """thumbs/<number>_<i>.jpg, i counted from 1 in output order."""
    return f"{THUMBS}/{number}_{index}.jpg"


def update_thumbnails(
    outdir: Path, manifests: list[dict[str, Any]], written: dict[str, dict[str, Any]] | None = None
) -> dict[str, list[str | None]]:
    """Make the thumbnails of the copies whose PDF changed since the last report; number -> file per page."""
    folder = outdir / THUMBS
    folder.mkdir(exist_ok=True)
    index_path = folder / "index.json"
    on_disk = _read_json(index_path)
    on_disk = on_disk if isinstance(on_disk, dict) else {}
    index = {**on_disk, **(written or {})}  # still checked below against each manifest's PDF and the files
    result: dict[str, list[str | None]] = {}
    new_index: dict[str, Any] = {}
    for manifest in manifests:
        number = str(manifest["anonymity_number"])
        n_pages = len(manifest["pages"])
        names = [thumb_name(number, i) for i in range(1, n_pages + 1)]
        known = index.get(number) or {}
        fresh = known.get("pdf_sha256") == manifest.get("pdf_sha256") and known.get("pages") == n_pages
        if fresh and all(_nonempty(outdir / n) for n in names):  # empty: cut short by a crash (not fsynced)
            result[number] = list(names)
            new_index[number] = known
            continue
        images = pdf_page_images(outdir / str(manifest.get("pdf", "")), reduced=True)
        made: list[str | None] = []
        for name, gray in zip(names, images + [None] * (n_pages - len(images)), strict=True):
            if gray is None:
                made.append(None)
                continue
            output.write_bytes_atomic(make_thumbnail(gray), outdir / name, durable=False)
            made.append(name)
        _remove_extra_thumbs(folder, number, n_pages)
        result[number] = made
        if all(made):
            new_index[number] = {"pdf_sha256": manifest.get("pdf_sha256"), "pages": n_pages}
    for number in set(index) - set(new_index) - set(result):
        _remove_extra_thumbs(folder, number, 0)
    if new_index != on_disk:
        output.write_json_atomic(dict(sorted(new_index.items())), index_path)
    return result


def _nonempty(path: Path) -> bool:
    try:
        return path.is_file() and path.stat().st_size > 0
    except OSError:
        return False


def _remove_extra_thumbs(folder: Path, number: str, keep: int) -> None:
    for path in folder.glob(f"{number}_*.jpg"):
        tail = path.stem[len(number) + 1 :]
        if tail.isdigit() and int(tail) > keep:
            path.unlink(missing_ok=True)


def pdf_page_images(pdf_path: Path, reduced: bool = False) -> list[np.ndarray | None]:
    """The one grey image of each page of an anonymat PDF (None for a page that does not decode).

    `reduced` decodes JPEG pages at a quarter of their size: ample for a thumbnail and several times faster.
    """
    import pikepdf

    try:
        pdf = pikepdf.open(pdf_path)
    except (OSError, pikepdf.PdfError):
        return []
    with pdf:
        return [output.decode_page_image(page, reduced) for page in pdf.pages]


def make_thumbnail(gray: np.ndarray) -> bytes:
    """A THUMB_WIDTH-wide grey JPEG made from pixels (no metadata can ride along)."""
    height, width = gray.shape[:2]
    scale = THUMB_WIDTH / width
    while gray.shape[1] >= 2 * THUMB_WIDTH:  # halvings (Gaussian, then every other pixel): 5x cheaper than
        gray = cv2.pyrDown(gray)  # one INTER_AREA over the whole page, and as smooth
    small = cv2.resize(gray, (THUMB_WIDTH, max(1, round(height * scale))), interpolation=cv2.INTER_AREA)
    return output.encode_jpeg(small, THUMB_QUALITY)


# --- HTML --------------------------------------------------------------------------------------------

CSS = """
body{font:15px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2329;
 background:#f4f5f7}
header{background:#fff;border-bottom:1px solid #d8dce1;padding:12px 24px;position:sticky;top:0;z-index:2}
h1{font-size:20px;margin:0 0 6px}
main{padding:12px 24px 40px;max-width:1400px}
.stats{display:flex;flex-wrap:wrap;gap:6px 18px;margin:0;padding:0;list-style:none}
.stats b{font-size:17px}
.filter{margin-top:8px;font-weight:600}
.filter input{width:18px;height:18px;vertical-align:-3px}
section{background:#fff;border:1px solid #d8dce1;border-radius:6px;padding:12px 16px;margin:14px 0}
section h2{font-size:17px;margin:0 0 6px}
.badge{display:inline-block;border-radius:10px;padding:1px 9px;font-size:13px;font-weight:600;margin-left:8px}
.ok .badge{background:#dff3e4;color:#17642c}
.needs_review{border-left:6px solid #d9822b}
.needs_review .badge{background:#fde9d3;color:#8a4300}
.meta{color:#5a6570;font-size:13px}
.reasons{margin:6px 0;padding-left:20px;color:#8a4300}
.pages{display:flex;flex-wrap:wrap;align-items:flex-start;gap:10px;margin-top:8px}
figure{margin:0;width:240px}
.thumb{position:relative;display:block;width:240px;border:1px solid #b9c0c8;background:#fff;line-height:0}
.thumb img{width:100%;height:auto}
.thumb .missing{display:block;line-height:1.4;padding:40px 8px;text-align:center;color:#a00}
.zone{position:absolute;outline:2px solid #e0218a;background:rgba(224,33,138,.12)}
figcaption{font-size:12px;color:#5a6570;margin-top:3px;line-height:1.3;overflow-wrap:anywhere}
figcaption b{color:#1d2329;font-size:13px}
.join{width:150px;align-self:center;font-size:12px;border:1px dashed #b9c0c8;border-radius:4px;padding:6px;
 background:#fafbfc;overflow-wrap:anywhere}
.join .tail{color:#1d2329}
.join .head{color:#1d2329;margin-top:4px}
.join .score{margin-top:4px;color:#5a6570}
.join.weak{border-color:#d9822b;background:#fff7ee}
table{border-collapse:collapse;font-size:13px}
td,th{border-bottom:1px solid #e3e6ea;padding:3px 10px 3px 0;text-align:left;vertical-align:top}
body.only-review section.ok{display:none}
code{background:#eef0f3;padding:0 4px;border-radius:3px}
"""

JS = """
(function(){
  var box=document.getElementById('needs-review-only');
  var shown=document.getElementById('shown');
  function apply(){
    document.body.classList.toggle('only-review',box.checked);
    var all=document.querySelectorAll('section.copy');var n=0;
    for(var i=0;i<all.length;i++){if(!box.checked||!all[i].classList.contains('ok'))n++;}
    shown.textContent=n+' of '+all.length+' copies shown';
  }
  box.addEventListener('change',apply);apply();
})();
"""

WEAK_LINK = 0.0  # a negative continuity score is evidence against the join: drawn as doubtful


def render_html(
    batch: dict[str, Any], manifests: list[dict[str, Any]], thumbs: dict[str, list[str | None]]
) -> str:
    e = escape
    n_review = sum(1 for m in manifests if m.get("status") != "ok")
    pages_out = sum(len(m["pages"]) for m in manifests)
    unassigned = batch.get("unassigned") or []
    errors = batch.get("errors") or []
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width,initial-scale=1">',
        "<title>anonymat review report</title>",
        f"<style>{CSS}</style></head><body>",
        "<header>",
        "<h1>anonymat review report</h1>",
        '<ul class="stats">',
        f'<li><b id="n-copies">{len(manifests)}</b> copies</li>',
        f"<li><b>{pages_out}</b> pages out"
        + (f" of <b>{e(str(batch['pages_in']))}</b> scanned" if "pages_in" in batch else "")
        + "</li>",
        f'<li><b id="n-ok">{len(manifests) - n_review}</b> ok</li>',
        f'<li><b id="n-review">{n_review}</b> need review</li>',
        f'<li><b id="n-unassigned">{len(unassigned)}</b> unassigned pages</li>',
        f'<li><b id="n-errors">{len(errors)}</b> rejected files</li>',
        "</ul>",
        '<label class="filter"><input type="checkbox" id="needs-review-only"> needs review only</label>',
        ' <span class="meta" id="shown"></span>',
        "</header><main>",
    ]
    parts += _problems_block(errors, unassigned)
    if n_review:
        links = ", ".join(
            f'<a href="#copy-{e(str(m["anonymity_number"]))}">{e(str(m["anonymity_number"]))}</a>'
            for m in manifests
            if m.get("status") != "ok"
        )
        parts.append(f"<p>To review: {links}</p>")
    parts.append(
        '<p class="meta">Fix a copy with <code>anonymat fix OUTDIR NUMBER --order 3,1,2</code>, '
        "<code>--move PAGE:OTHERNUMBER</code> or <code>--drop PAGE</code> (pages as numbered below: a "
        "page keeps its number when the copy is reordered; or FILE:PAGE); "
        "click a page to open it in the PDF. Pink frames: the masked zones.</p>"
    )
    for manifest in manifests:
        parts += _copy_block(manifest, thumbs.get(str(manifest["anonymity_number"]), []))
    parts.append(f"</main><script>{JS}</script></body></html>")
    return "\n".join(parts) + "\n"


def _problems_block(errors: list[dict[str, Any]], unassigned: list[dict[str, Any]]) -> list[str]:
    e = escape
    out: list[str] = []
    if errors:
        out.append('<section class="problems" id="rejected"><h2>Rejected files</h2><table>')
        out += [
            f"<tr><td>{e(str(x.get('file', '')))}</td><td>{e(str(x.get('error', '')))}</td></tr>"
            for x in errors
        ]
        out.append("</table></section>")
    if unassigned:
        out += _unassigned_block(unassigned)
    return out


def _unassigned_block(unassigned: list[dict[str, Any]]) -> list[str]:
    """Each unassigned page: its thumbnail (made from its masked pixels, completeness.write_stray_thumbs),
    the copies it was scanned among, and the command that attaches it to one."""
    e = escape
    out = ['<section class="problems" id="unassigned"><h2>Unassigned pages</h2><div class="pages">']
    for x in unassigned:
        src = x.get("source") or {}
        where = f"{src.get('file', '')} page {int(src.get('page', 0)) + 1}"
        thumb = x.get("thumb")
        img = (
            f'<span class="thumb"><img src="{e(str(thumb))}" alt="{e(where)}" loading="lazy" '
            f'width="{THUMB_WIDTH}"></span>'
            if thumb
            else '<span class="thumb"><span class="missing">no image (page cannot be read)</span></span>'
        )
        between = [str(n) for n in x.get("between") or []]
        among = (
            "scanned next to " + " and ".join(f'<a href="#copy-{e(n)}">{e(n)}</a>' for n in between) + "<br>"
            if between
            else ""
        )
        commands = "".join(f"<br><code>{e(str(c))}</code>" for c in x.get("attach") or [])
        out.append(
            f'<figure class="page unassigned">{img}<figcaption><b>{e(where)}</b><br>'
            f"{e(str(x.get('reason', '')))}<br>{among}{'to attach it: ' + commands if commands else ''}"
            "</figcaption></figure>"
        )
    out.append("</div></section>")
    return out


def _label(entry: dict[str, Any]) -> str:
    """The page label the ordering links use (manifest.PageFacts.label)."""
    src = entry["source"]
    return f"{src['file']} page {int(src['page']) + 1}"


def _copy_block(manifest: dict[str, Any], thumbs: list[str | None]) -> list[str]:
    e = escape
    number = str(manifest["anonymity_number"])
    status = str(manifest.get("status", "needs_review"))
    order = manifest.get("order") or {}
    pages = manifest["pages"]
    links = {(lk.get("after"), lk.get("before")): lk for lk in order.get("links") or []}
    css_status = "ok" if status == "ok" else "needs_review"
    out = [
        f'<section class="copy {css_status}" id="copy-{e(number)}" data-number="{e(number)}"'
        f' data-status="{e(status)}">',
        f'<h2>{e(number)}<span class="badge">{e(status.replace("_", " "))}</span></h2>',
        f'<div class="meta">{len(pages)} page{"s" if len(pages) != 1 else ""}, order: '
        f"{e(str(order.get('method', '?')))} (confidence {float(order.get('confidence', 0)):.2f})"
        f"{', ' + str(len(manifest.get('dropped') or [])) + ' dropped' if manifest.get('dropped') else ''}"
        f' &middot; <a href="{e(str(manifest.get("pdf", "")))}">PDF</a></div>',
    ]
    manual = [_describe_manual(m) for m in manifest.get("manual") or [] if isinstance(m, dict)]
    if manual:
        out.append(f'<div class="meta manual">fixed by hand: {e("; ".join(manual))}</div>')
    reasons = manifest.get("review_reasons") or []
    if reasons:
        out.append('<ul class="reasons">' + "".join(f"<li>{e(str(r))}</li>" for r in reasons) + "</ul>")
    out.append('<div class="pages">')
    for i, entry in enumerate(pages):
        if i > 0:
            out.append(_join_block(links.get((_label(pages[i - 1]), _label(entry)))))
        out.append(_page_figure(manifest, i, entry, thumbs[i] if i < len(thumbs) else None))
    out.append("</div></section>")
    return out


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


def _page_figure(manifest: dict[str, Any], i: int, entry: dict[str, Any], thumb: str | None) -> str:
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
        img = f'<img src="{e(thumb)}" alt="page {i + 1}" loading="lazy" width="{THUMB_WIDTH}">'
    else:
        img = '<span class="missing">page image unavailable</span>'
    pdf = f"{manifest.get('pdf', '')}#page={i + 1}"
    flags = [f"rotated {entry.get('rotation', 0)}°"] if entry.get("rotation") else []
    if entry.get("blank"):
        flags.append("blank")
    if entry.get("flap") and entry.get("flap") != "open":
        flags.append(f"flap {entry['flap']}")
    return (
        f'<figure class="page"><a class="thumb" href="{e(pdf)}">{img}{"".join(zones)}</a>'
        f"<figcaption><b>{e(str(entry.get('id', i + 1)))}</b> &middot; {e(_label(entry))}"
        + (f"<br>{e(', '.join(flags))}" if flags else "")
        + "</figcaption></figure>"
    )


def _join_block(link: dict[str, Any] | None) -> str:
    e = escape
    if link is None:
        return '<div class="join"><div class="score">no continuity measured</div></div>'
    score = float(link.get("score", 0.0))
    weak = " weak" if score < WEAK_LINK else ""
    return (
        f'<div class="join{weak}"><div class="tail">…{e(str(link.get("tail_words", "")))}</div>'
        f'<div class="head">{e(str(link.get("head_words", "")))}…</div>'
        f'<div class="score">link score {score:.2f}</div></div>'
    )
