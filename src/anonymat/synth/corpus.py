"""make_corpus: plan, render copies in a process pool, write the scan files and truth.json."""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import shutil
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import cv2
import numpy as np
import pikepdf
from PIL import Image

from anonymat.synth import dev_text
from anonymat.synth.hand import Hand
from anonymat.synth.heldout_text import layout_held_out
from anonymat.synth.layouts import DEFAULT, FormLayout, forms_for
from anonymat.synth.plan import plan_corpus
from anonymat.synth.scan import damage_barcode, scan, show_through, upright_offset_px
from anonymat.synth.sheet import render_sheet, sheet_layout
from anonymat.synth.text import layout_memo, make_memo, page_text

HEAD_WORDS = 6
TEXTS = ("bank", "dev-apart", "held-out")


def make_corpus(
    outdir: Path,
    copies: int = 4,
    seed: int = 1,
    *,
    pages_per_copy: tuple[int, int] = (2, 5),
    dpi_choices: tuple[int, ...] = (200, 300),
    jobs: int | None = None,
    form: str = DEFAULT,
    held_out_fonts: bool = False,
    held_out_texts: bool = False,
    texts: str = "bank",
    capitals: bool = False,
    cursive_fonts: bool = False,
) -> dict:
    """Write synthetic scanned copies to OUTDIR/scans and their truth to OUTDIR/truth.json.

    pages_per_copy is (low, high) written pages per copy, high excluded as in range(): the
    default (2, 5) gives 2 to 4 pages; use (2, 7) for up to 6. form is a layout name
    (layouts.py) or "mixed": every layout but cdg-est in turn. held_out_fonts: write in the held-out fonts
    (hand.HELD_OUT_FONTS) only. texts: "bank" (the bank's memos), "held-out" (the held-out memo texts,
    heldout_text.py, for measuring only) or "dev-apart" (their development twin, dev_text.py: other
    documents laid out the same way, to tune on); held_out_texts=True is texts="held-out". capitals: every
    hand prints in block capitals (the truth keeps the text's case). cursive_fonts: write in the development
    script hand (hand.CURSIVE_DEV_FONTS) only. Same seed, same bytes.
    OUTDIR/scans is replaced.
    """
    if copies < 1:
        raise ValueError("copies must be at least 1")
    if texts not in TEXTS:
        raise ValueError(f"texts must be one of {', '.join(TEXTS)}, not {texts!r}")
    if held_out_texts:
        if texts not in ("bank", "held-out"):
            raise ValueError(f"held_out_texts=True contradicts texts={texts!r}")
        texts = "held-out"
    forms = forms_for(form, copies, seed)  # an unknown name fails before anything is removed
    outdir = Path(outdir)
    scans = outdir / "scans"
    if scans.exists():
        shutil.rmtree(scans)
    scans.mkdir(parents=True)
    low, high = pages_per_copy
    plans = plan_corpus(
        copies, seed, (int(low), int(high)), tuple(dpi_choices), held_out_fonts, cursive_fonts
    )
    for plan, name in zip(plans, forms, strict=True):
        plan["form"] = name
        plan["capitals"] = capitals
        if texts == "held-out":
            plan["held_out_text"] = True
        elif texts == "dev-apart":
            plan["dev_text"] = True
    _assign_files(plans)
    jobs = jobs or os.cpu_count() or 1
    if jobs == 1 or copies == 1:
        results = [_make_copy(p, str(outdir)) for p in plans]
    else:
        context = multiprocessing.get_context("forkserver")  # fork can hang on a lock held by another thread
        with ProcessPoolExecutor(
            max_workers=min(jobs, copies), initializer=_init_worker, mp_context=context
        ) as pool:
            results = list(pool.map(_make_copy, plans, [str(outdir)] * copies))
    _write_pdfs(outdir, plans, results)
    truth = {
        "generator": "anonymat.synth",
        "version": 1,
        "seed": seed,
        "copies": [r["truth"] for r in results],
    }
    (outdir / "truth.json").write_text(
        json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    return truth


def _init_worker() -> None:
    cv2.setNumThreads(1)


def _assign_files(plans: list[dict]) -> None:
    """File name per copy; PDF copies go back to back into lots of up to six copies."""
    pdf_copies = [p for p in plans if p["layout"] == "pdf"]
    for j, p in enumerate(pdf_copies):
        p["file"] = f"scans/lot{j // 6 + 1}.pdf"
    for p in plans:
        n = p["index"] + 1
        if p["layout"] == "tiff":
            p["file"] = f"scans/copie_{n:02d}.tif"
        elif p["layout"] == "jpeg":
            p["file"] = f"scans/loose_{n:02d}"
        elif p["layout"] == "png":
            p["file"] = f"scans/png_{n:02d}"


def _make_copy(plan: dict, outdir: str) -> dict:
    """Render and scan every sheet of one copy; write its own files unless it goes into a PDF lot."""
    rng = np.random.default_rng(plan["seed"])
    layout = sheet_layout(plan)
    hand = Hand(plan["font"], plan["font_path"], plan["dpi"], rng, capitals=plan.get("capitals", False))
    if plan.get("held_out_text"):
        pages = layout_held_out(hand, len(plan["sheets"]), rng, layout.lines_per_page, layout.write_width_mm)
    elif plan.get("dev_text"):  # the held-out layout, on the development twin's documents
        pages = layout_held_out(
            hand, len(plan["sheets"]), rng, layout.lines_per_page, layout.write_width_mm, dev_text.DOCUMENTS
        )
    else:
        memo = make_memo(rng)
        pages = layout_memo(
            memo, hand, len(plan["sheets"]), rng, layout.lines_per_page, layout.write_width_mm
        )
    while len(pages) < len(plan["sheets"]):  # the text could not fill them: blank-ish last pages
        pages.append([])
    images: list[tuple[np.ndarray, int]] = []
    entries: list[dict] = []
    for reading in plan["scan_order"]:
        sheet = plan["sheets"][reading]
        srng = np.random.default_rng([plan["seed"], reading])
        clean = render_sheet(plan, sheet, pages[reading], hand, srng)
        if sheet["damage"] != "none":
            damage_barcode(clean, sheet["damage"], plan["dpi"], srng, layout.sticker_mm)
        fx = sheet["fx"]
        zones = {"band": layout.band_mm, "sticker": layout.sticker_mm}
        img, boxes = scan(clean, fx, srng, zones)
        for _attempt in range(3):  # an intact sticker must read: soften the scan until it does
            if (
                sheet["damage"] != "none"
                or _is_safe(fx)
                or _is_readable(img, boxes["sticker"], plan["number"], plan["quality"])
            ):
                break
            fx = dict(fx, blur=round(fx["blur"] * 0.6, 2), noise=round(fx["noise"] * 0.6, 2))
            img, boxes = scan(clean, fx, np.random.default_rng([plan["seed"], reading, 1 + _attempt]), zones)
        box = boxes["band"]
        images.append((img, plan["dpi"]))
        text = page_text(pages[reading]).split()
        entries.append(
            _entry(
                fx,
                blank=False,
                reading=reading,
                flap=sheet["flap"],
                damage=sheet["damage"],
                box=box,
                text=text,
                quality=plan["quality"],
                zones=upright_zones_px(layout, fx),
            )
        )
        if sheet["verso"]:
            fx = sheet["verso"]
            verso, _ = scan(show_through(clean, fx["show_through"]), dict(fx, band=False), srng)
            images.append((verso, plan["dpi"]))
            entries.append(
                _entry(
                    fx,
                    blank=True,
                    reading=None,
                    flap=None,
                    damage=None,
                    box=None,
                    text=[],
                    quality=plan["quality"],
                    zones=None,
                )
            )
    encoded = _write_own_files(Path(outdir), plan, images, entries)
    by_reading = {e["reading_index"]: e for e in entries if not e["blank"]}
    truth = {
        "number": plan["number"],
        "font": plan["font"],
        "layout": plan["layout"],
        "form": layout.name,
        "zones_mm": layout.zones_mm(),
        "dpi": plan["dpi"],
        "identity": plan["identity"],
        "header": plan["header"],
        "order": [{"file": by_reading[r]["file"], "page": by_reading[r]["page"]} for r in sorted(by_reading)],
        "pages": entries,
    }
    return {"truth": truth, "jpegs": encoded}


def upright_zones_px(layout: FormLayout, fx: dict) -> dict:
    """The layout's zones in px on the page turned upright and deskewed exactly (as anonymat outputs it)."""
    dx, dy = upright_offset_px(fx)
    k = fx["dpi"] / 25.4

    def box(b: tuple[float, float, float, float]) -> list[int]:
        return [round(b[0] * k + dx), round(b[1] * k + dy), round(b[2] * k + dx), round(b[3] * k + dy)]

    return {
        "identity": box(layout.identity_mm),
        "flap_open_area": box(layout.flap_open_mm),
        "anonymity_box": box(layout.anonymity_mm),
        "sticker": box(layout.sticker_mm),
        "writing_top": round(layout.writing_area_mm[1] * k + dy),
    }


def _is_safe(fx: dict) -> bool:
    """Scan settings under which the sticker was always read in stress runs (no need to check)."""
    return not fx["blur"] and fx["noise"] <= 8


def _is_readable(img: np.ndarray, box: list[int], number: str, quality: int) -> bool:
    """Both zxing-cpp and zbar read the number in the sticker area (after a JPEG round trip)."""
    import zxingcpp
    from pyzbar import pyzbar
    from pyzbar.pyzbar import ZBarSymbol

    h, w = img.shape
    pad = (box[2] - box[0]) // 8 + 8
    crop = img[max(0, box[1] - pad) : min(h, box[3] + pad), max(0, box[0] - pad) : min(w, box[2] + pad)]
    with Image.open(io.BytesIO(_jpeg(np.ascontiguousarray(crop), 200, quality))) as im:
        im.load()
        found_z = {r.text for r in zxingcpp.read_barcodes(im)}
        found_b = {r.data.decode("ascii", "replace") for r in pyzbar.decode(im, symbols=[ZBarSymbol.CODE39])}
    return number in found_z and number in found_b


def _entry(
    fx: dict,
    *,
    blank: bool,
    reading: int | None,
    flap: str | None,
    damage: str | None,
    box: list[int] | None,
    text: list[str],
    quality: int,
    zones: dict | None,
) -> dict:
    return {
        "file": None,
        "page": None,
        "blank": blank,
        "reading_index": reading,
        "rotation": fx["rotation"],
        "skew_deg": fx["skew_deg"],
        "dpi": fx["dpi"],
        "flap": flap,
        "barcode_damage": damage,
        "identity_box": box,
        "text_head": " ".join(text[:HEAD_WORDS]) if text else None,
        "text_tail": " ".join(text[-HEAD_WORDS:]) if text else None,
        "effects": {
            "shift_mm": fx["shift_mm"],
            "blur_sigma": fx["blur"],
            "noise_sigma": fx["noise"],
            "background": fx["background"],
            "jpeg_quality": quality,
            **({"show_through": fx["show_through"]} if blank else {}),
        },
        "zones_upright_px": zones,
    }


def _jpeg(img: np.ndarray, dpi: int, quality: int) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(img, "L").save(buf, "JPEG", quality=quality, dpi=(dpi, dpi), optimize=True)
    return buf.getvalue()


def _write_own_files(
    outdir: Path, plan: dict, images: list[tuple[np.ndarray, int]], entries: list[dict]
) -> list[bytes]:
    """TIFF / loose JPEG / PNG copies are written here; PDF copies return their JPEG pages."""
    layout, rel = plan["layout"], plan["file"]
    q = plan["quality"]
    for i, entry in enumerate(entries):
        entry["file"], entry["page"] = rel, i
    if layout == "pdf":
        return [_jpeg(img, dpi, q) for img, dpi in images]
    if layout == "tiff":
        frames = [Image.fromarray(img, "L") for img, _ in images]
        frames[0].save(
            outdir / rel,
            save_all=True,
            append_images=frames[1:],
            compression="jpeg",
            quality=q,
            dpi=(plan["dpi"], plan["dpi"]),
        )
        return []
    folder = outdir / rel
    folder.mkdir(parents=True, exist_ok=True)
    for i, (entry, (img, dpi)) in enumerate(zip(entries, images, strict=True)):
        if layout == "jpeg":
            name = f"page_{i + 1:03d}.jpg"
            (folder / name).write_bytes(_jpeg(img, dpi, q))
        else:
            name = f"page_{i + 1:03d}.png"
            Image.fromarray(img, "L").save(folder / name, dpi=(dpi, dpi), compress_level=1)
        entry["file"], entry["page"] = f"{rel}/{name}", 0
    return []


def _write_pdfs(outdir: Path, plans: list[dict], results: list[dict]) -> None:
    """Copies of a lot back to back, one JPEG image per page, page size = pixels / dpi."""
    lots: dict[str, list[tuple[dict, dict]]] = {}
    for plan, result in zip(plans, results, strict=True):
        if plan["layout"] == "pdf":
            lots.setdefault(plan["file"], []).append((plan, result))
    for rel, members in lots.items():
        pdf = pikepdf.new()
        for plan, result in members:
            offset = len(pdf.pages)
            for entry in result["truth"]["pages"]:
                entry["page"] += offset
            for entry in result["truth"]["order"]:
                entry["page"] += offset
            for data in result["jpegs"]:
                _add_jpeg_page(pdf, data, plan["dpi"])
        pdf.save(outdir / rel, deterministic_id=True)
    for result in results:
        result.pop("jpegs", None)


def _add_jpeg_page(pdf: pikepdf.Pdf, data: bytes, dpi: int) -> None:
    with Image.open(io.BytesIO(data)) as im:
        w, h = im.size
    image = pikepdf.Stream(pdf, data)
    image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    image.Width, image.Height, image.BitsPerComponent = w, h, 8
    image.ColorSpace, image.Filter = pikepdf.Name.DeviceGray, pikepdf.Name.DCTDecode
    pw, ph = w * 72 / dpi, h * 72 / dpi
    content = pikepdf.Stream(pdf, f"q {pw:.4f} 0 0 {ph:.4f} 0 0 cm /Im0 Do Q".encode())
    page = pikepdf.Dictionary(
        Type=pikepdf.Name.Page,
        MediaBox=[0, 0, pw, ph],
        Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image)),
        Contents=content,
    )
    pdf.pages.append(pikepdf.Page(page))
