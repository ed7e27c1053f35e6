"""Bad and hostile inputs through the whole CLI, and data safety (inputs untouched, atomic outputs).

Every input is made here, from a page of the generated corpus: nothing is committed.
"""

from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import signal
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import numpy as np
import pikepdf
import pytest
from PIL import Image

from anonymat import ingest
from anonymat.model import PageRef
from anonymat.page import decode
from anonymat.synth.code39 import code39_row

REPO = Path(__file__).resolve().parent.parent
ANONYMAT = [sys.executable, "-m", "anonymat"]  # the command as installed, from any checkout
FINAL_EXTRA = {"batch.json", "report.html", "thumbs"}  # what OUTDIR may hold besides <n>.pdf / <n>.json


# --- helpers: pages and files ---------------------------------------------------------------------


def cli(*args: str):
    """Run the CLI in-process; (exit code, stdout+stderr)."""
    from typer.testing import CliRunner

    from anonymat.cli import app

    result = CliRunner().invoke(app, [str(a) for a in args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def good_pages(corpus, count: int = 3, flap: str = "folded") -> list[tuple[np.ndarray, float, str]]:
    """Upright written pages with an intact sticker, from different copies: (gray, dpi, number)."""
    root, truth = corpus
    found = []
    for copy in truth["copies"]:
        for p in copy["pages"]:
            if (
                not p["blank"]
                and p["rotation"] == 0
                and p["barcode_damage"] in ("none", None)
                and p["flap"] == flap
            ):
                path = root / p["file"]
                ref = PageRef(str(path), p["file"], p["page"], "0", ingest.sniff_kind(path) or "pdf")
                image = decode.load_page(ref)
                found.append((image.gray.copy(), image.dpi, copy["number"]))
                break
        if len(found) == count:
            return found
    raise AssertionError(f"the corpus has fewer than {count} copies with a clean upright page")


def jpeg_bytes(gray: np.ndarray, dpi: float, mode: str = "L", quality: int = 85) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(gray).convert(mode).save(buf, "JPEG", quality=quality, dpi=(dpi, dpi))
    return buf.getvalue()


def image_pdf(
    pages: list[tuple[bytes, int, int, float]],
    *,
    colorspace: str = "/DeviceGray",
    bpc: int = 8,
    flt: str = "/DCTDecode",
    parms: pikepdf.Dictionary | None = None,
    rotate: int = 0,
    save_kwargs: dict | None = None,
) -> bytes:
    """A PDF of full-page images: (encoded data, width, height, dpi) each."""
    pdf = pikepdf.new()
    for data, w, h, dpi in pages:
        image = pikepdf.Stream(pdf, data)
        image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
        image.Width, image.Height, image.BitsPerComponent = w, h, bpc
        image.ColorSpace, image.Filter = pikepdf.Name(colorspace), pikepdf.Name(flt)
        if parms is not None:
            image.DecodeParms = parms
        pw, ph = w * 72 / dpi, h * 72 / dpi
        page = pikepdf.Dictionary(
            Type=pikepdf.Name.Page,
            MediaBox=[0, 0, pw, ph],
            Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image)),
            Contents=pikepdf.Stream(pdf, f"q {pw:.4f} 0 0 {ph:.4f} 0 0 cm /Im0 Do Q".encode()),
        )
        if rotate:
            page.Rotate = rotate
        pdf.pages.append(pikepdf.Page(page))
    buf = io.BytesIO()
    pdf.save(buf, **(save_kwargs or {}))
    return buf.getvalue()


def gray_pdf(gray: np.ndarray, dpi: float, **kwargs) -> bytes:
    h, w = gray.shape
    return image_pdf([(jpeg_bytes(gray, dpi), w, h, dpi)], **kwargs)


def png_with_size(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares width x height (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def vector_text_pdf() -> bytes:
    """A page of typeset text and no image at all."""
    pdf = pikepdf.new()
    font = pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
    )
    lines = [
        f"(Ligne {i:02d} de texte vectoriel sans aucune image ni code-barres) Tj 0 -24 Td" for i in range(25)
    ]
    content = "BT /F1 14 Tf 60 780 Td " + " ".join(lines) + " ET"
    page = pikepdf.Dictionary(
        Type=pikepdf.Name.Page,
        MediaBox=[0, 0, 595, 842],
        Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font)),
        Contents=pikepdf.Stream(pdf, content.encode()),
    )
    pdf.pages.append(pikepdf.Page(page))
    buf = io.BytesIO()
    pdf.save(buf)
    return buf.getvalue()


def relabel(gray: np.ndarray, dpi: float, raw: str, narrow_px: int = 2) -> np.ndarray:
    """The page with its sticker replaced by a Code 39 symbol of `raw` (drawn module by module)."""
    mm = dpi / 25.4
    out = gray.copy()
    out[int(18 * mm) : int(48 * mm), int(100 * mm) : int(205 * mm)] = int(np.median(gray))
    row = code39_row(raw, narrow_px)
    x0, y0 = int(152 * mm) - row.size // 2, int(23 * mm)
    assert x0 > 100 * mm, "symbol too wide for the header"
    out[y0 : y0 + int(12 * mm), x0 : x0 + row.size][:, row] = 15
    return out


def zxing_symbol_page(text: str, width: int = 1654, height: int = 2339) -> np.ndarray:
    """A plain page holding one Code 39 symbol drawn by zxing-cpp's writer."""
    import zxingcpp

    symbol = np.asarray(
        zxingcpp.write_barcode_to_image(zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.Code39), scale=2)
    )
    page = np.full((height, width), 235, np.uint8)
    y, x = 200, (width - symbol.shape[1]) // 2
    page[y : y + symbol.shape[0], x : x + symbol.shape[1]] = symbol
    page[700:1900:40, 150:1500] = 120  # some ruled lines, so it is not blank
    return page


def snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    """sha256 and mtime (ns) of every file under folder."""
    return {
        str(p.relative_to(folder)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def batch_of(out: Path) -> dict:
    return json.loads((out / "batch.json").read_text(encoding="utf-8"))


def copy_files(out: Path) -> dict[str, bytes]:
    return {
        p.name: p.read_bytes()
        for p in out.iterdir()
        if p.suffix in (".pdf", ".json") and p.name != "batch.json"
    }


def assert_clean_outdir(out: Path) -> None:
    """Only final names (no visible temporary file), and every manifest matches its PDF."""
    for p in out.iterdir():
        if p.name.startswith("."):
            continue
        assert p.name in FINAL_EXTRA or (p.suffix in (".pdf", ".json") and p.stem.isalnum()), p.name
    for manifest_path in out.glob("*.json"):
        if manifest_path.name == "batch.json":
            continue
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        pdf = out / manifest["pdf"]
        assert pdf.exists(), f"{manifest_path.name} without its PDF"
        assert hashlib.sha256(pdf.read_bytes()).hexdigest() == manifest["pdf_sha256"], pdf.name


def one_line_messages(output: str) -> list[str]:
    assert "Traceback" not in output and "unexpected error" not in output, output
    assert "internal error" not in output and "erreur interne" not in output, output
    return [line for line in output.splitlines() if line.startswith("anonymat: ")]


# --- 1. bad inputs --------------------------------------------------------------------------------


REJECTED = {  # file -> words its batch.json error must hold (rejected when the folder is walked)
    "encrypted.pdf": "qpdf --decrypt",
    "empty.pdf": "fichier vide",
    "not_a_pdf.pdf": "ni PDF",
    "html.tif": "ni PDF",
    "bomb.png": "bombe de décompression",
    "no_pages.pdf": "aucune page",
}
UNASSIGNED = {  # file -> words of its unassigned reason (a page that cannot be used)
    "bomb_inside.pdf": "bombe de décompression",
    "one_pixel.png": "trop petite",
    "vector_text.pdf": "barcode",
    "truncated.jpg": "à nouveau",
    "truncated.pdf": "export or scan it again",  # qpdf recovers the pages before the cut: the rest are named
}


@pytest.fixture(scope="module")
def hostile_run(corpus, tmp_path_factory):
    """One folder of bad files beside three good copies, processed once."""
    root, _truth = corpus
    (g1, dpi1, n1), (g2, dpi2, n2), (g3, dpi3, n3) = good_pages(corpus, 3)
    base = tmp_path_factory.mktemp("hostile")
    scans = base / "scans"
    scans.mkdir()
    lot = next(p for p in sorted((root / "scans").rglob("*.pdf")))
    data = lot.read_bytes()
    (scans / "truncated.pdf").write_bytes(data[: len(data) * 2 // 3])
    (scans / "encrypted.pdf").write_bytes(
        gray_pdf(g2, dpi2, save_kwargs={"encryption": pikepdf.Encryption(owner="o", user="secret")})
    )
    (scans / "empty.pdf").write_bytes(b"")
    (scans / "not_a_pdf.pdf").write_bytes(b"This is not a PDF at all.\n" * 20)
    (scans / "html.tif").write_bytes(b"<html><body>scan</body></html>\n")
    (scans / "bomb.png").write_bytes(png_with_size(100_000, 100_000))
    empty_pdf = io.BytesIO()
    pikepdf.new().save(empty_pdf)
    (scans / "no_pages.pdf").write_bytes(empty_pdf.getvalue())
    (scans / "bomb_inside.pdf").write_bytes(
        image_pdf([(jpeg_bytes(g1[:400, :400], 200), 100_000, 100_000, 200)])
    )
    (scans / "one_pixel.png").write_bytes(_png(np.zeros((1, 1), np.uint8)))
    (scans / "vector_text.pdf").write_bytes(vector_text_pdf())
    jpeg = jpeg_bytes(g1, dpi1)
    (scans / "truncated.jpg").write_bytes(jpeg[: len(jpeg) // 3])
    # accepted: a good copy, a JPEG under a .pdf name (formats go by content), an owner-password-only PDF
    (scans / "good.jpg").write_bytes(jpeg)
    (scans / "jpeg_named.pdf").write_bytes(jpeg_bytes(g2, dpi2))
    (scans / "owner_only.pdf").write_bytes(
        gray_pdf(g3, dpi3, save_kwargs={"encryption": pikepdf.Encryption(owner="o", user="")})
    )
    before = snapshot(scans)
    out = base / "out"
    code, output = cli("process", scans, "-o", out, "--jobs", "2")
    return scans, out, code, output, before, (n1, n2, n3)


def _png(gray: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(gray).save(buf, "PNG")
    return buf.getvalue()


def test_hostile_batch_goes_on_and_exits_4(hostile_run):
    scans, out, code, output, _before, numbers = hostile_run
    assert code == 4, output  # inputs were rejected (ExitCode.INPUT_REJECTED), the good ones processed
    one_line_messages(output)
    written = {c["anonymity_number"] for c in batch_of(out)["copies"]}
    assert written == set(numbers)  # good.jpg, jpeg_named.pdf, owner_only.pdf
    assert_clean_outdir(out)


@pytest.mark.parametrize("name", sorted(REJECTED))
def test_rejected_file_is_named_once_with_an_actionable_line(hostile_run, name):
    _scans, out, _code, output, _before, _numbers = hostile_run
    errors = [e for e in batch_of(out)["errors"] if e["file"].endswith(name)]
    assert len(errors) == 1, batch_of(out)["errors"]
    assert REJECTED[name] in errors[0]["error"] and "\n" not in errors[0]["error"]
    lines = [line for line in one_line_messages(output) if name in line]
    assert lines and REJECTED[name] in lines[0]


@pytest.mark.parametrize("name", sorted(UNASSIGNED))
def test_unusable_page_is_unassigned_with_a_reason(hostile_run, name):
    _scans, out, _code, _output, _before, _numbers = hostile_run
    batch = batch_of(out)
    entries = [u for u in batch["unassigned"] if u["source"]["file"].endswith(name)]
    errors = [e for e in batch["errors"] if e["file"].endswith(name)]
    assert len(entries) + len(errors) >= 1, batch
    reason = entries[0]["reason"] if entries else errors[0]["error"]
    assert UNASSIGNED[name] in reason and "\n" not in reason
    if any("page" in e["reason"] and name in e["reason"] for e in entries):  # a page that failed to load
        assert any(name in line for line in one_line_messages(_output)), _output


def test_inputs_are_never_modified(hostile_run):
    scans, _out, _code, _output, before, _numbers = hostile_run
    assert snapshot(scans) == before


def test_only_bad_files_exit_2(tmp_path):
    scans = tmp_path / "scans"
    scans.mkdir()
    (scans / "empty.pdf").write_bytes(b"")
    (scans / "junk.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    (scans / "bomb.png").write_bytes(png_with_size(60_000, 60_000))
    code, output = cli("process", scans, "-o", tmp_path / "out")
    assert code == 2
    lines = one_line_messages(output)
    for name in ("empty.pdf", "junk.pdf", "bomb.png"):
        assert any(name in line for line in lines), output
    assert len(batch_of(tmp_path / "out")["errors"]) == 3


# --- odd but valid pages --------------------------------------------------------------------------


def _g4_tiff(gray: np.ndarray, dpi: float, invert: bool = False) -> tuple[bytes, bytes]:
    """(TIFF file, its raw CCITT G4 strip) of the page thresholded to 1 bit (Pillow writes BlackIsZero)."""
    paper, ink = (0, 255) if invert else (255, 0)
    bw = Image.fromarray(gray).point(lambda v: paper if v > 150 else ink).convert("1")
    buf = io.BytesIO()
    bw.save(buf, "TIFF", compression="group4", dpi=(dpi, dpi), tiffinfo={278: bw.height})
    data = buf.getvalue()
    with Image.open(io.BytesIO(data)) as im:
        offsets, counts = im.tag_v2[273], im.tag_v2[279]
    assert len(offsets) == 1, "expected one strip"
    return data, data[offsets[0] : offsets[0] + counts[0]]


def _jbig2_mmr(strip: bytes, width: int, height: int, dpi: float) -> bytes:
    """A PDF-embedded JBIG2 stream: page information + one immediate lossless generic region, MMR coded
    (MMR is CCITT G4, so no JBIG2 encoder is needed)."""

    def segment(number: int, kind: int, data: bytes) -> bytes:
        return struct.pack(">IBBBI", number, kind, 0, 1, len(data)) + data

    ppm = int(round(dpi / 0.0254))
    page_info = struct.pack(">IIIIBH", width, height, ppm, ppm, 0, 0)
    region = struct.pack(">IIIIB", width, height, 0, 0, 0) + b"\x01" + strip  # flags: MMR
    return segment(0, 48, page_info) + segment(1, 39, region)


@pytest.fixture(scope="module")
def odd_run(corpus, tmp_path_factory):
    """One page of one copy saved in many odd but valid ways, processed together."""
    ((gray, dpi, number),) = good_pages(corpus, 1)
    base = tmp_path_factory.mktemp("odd")
    scans = base / "scans"
    scans.mkdir()
    h, w = gray.shape
    pil = Image.fromarray(gray)
    made: dict[str, str] = {}

    def save(name: str, data: bytes, why: str) -> None:
        (scans / name).write_bytes(data)
        made[name] = why

    def pil_bytes(img: Image.Image, fmt: str, **kw) -> bytes:
        buf = io.BytesIO()
        img.save(buf, fmt, dpi=(dpi, dpi), **kw)
        return buf.getvalue()

    rgb = Image.merge("RGB", [pil, pil.point(lambda v: v * 0.95), pil.point(lambda v: v * 0.85)])
    save("rgb.jpg", pil_bytes(rgb, "JPEG", quality=85), "colour")
    save("cmyk.jpg", pil_bytes(rgb.convert("CMYK"), "JPEG", quality=85), "CMYK JPEG")
    save("cmyk.tif", pil_bytes(rgb.convert("CMYK"), "TIFF", compression="tiff_lzw"), "CMYK TIFF")
    save("gray16.png", pil_bytes(Image.fromarray(gray.astype(np.uint16) * 257), "PNG"), "16-bit")
    save("gray16.tif", pil_bytes(Image.fromarray(gray.astype(np.uint16) * 257), "TIFF"), "16-bit TIFF")
    rgba = rgb.convert("RGBA")
    rgba.putalpha(255)
    save("rgba.png", pil_bytes(rgba, "PNG"), "alpha")
    save("la.png", pil_bytes(pil.convert("LA"), "PNG"), "grey + alpha")
    save("palette.png", pil_bytes(pil.convert("P"), "PNG"), "palette")
    g4_tiff, strip = _g4_tiff(gray, dpi)
    save("g4.tif", g4_tiff, "CCITT G4 TIFF")
    bw_parms = pikepdf.Dictionary(K=-1, Columns=w, Rows=h, BlackIs1=True)
    save(
        "g4.pdf",
        image_pdf([(strip, w, h, dpi)], bpc=1, flt="/CCITTFaxDecode", parms=bw_parms),
        "CCITT G4 in PDF",
    )
    _tiff, inverted = _g4_tiff(gray, dpi, invert=True)  # JBIG2: 1 is black
    jbig2 = _jbig2_mmr(inverted, w, h, dpi)
    save("jbig2.pdf", image_pdf([(jbig2, w, h, dpi)], bpc=1, flt="/JBIG2Decode"), "JBIG2 (MMR) in PDF")
    save(
        "rgb.pdf",
        image_pdf([(jpeg_bytes(np.asarray(rgb), dpi, "RGB"), w, h, dpi)], colorspace="/DeviceRGB"),
        "RGB PDF",
    )
    mm = dpi / 25.4
    for name, (cw, ch) in {
        "a3.jpg": (297, 420),
        "letter.jpg": (215.9, 279.4),
        "a5_crop.jpg": (210, 200),
    }.items():
        canvas = Image.new("L", (int(cw * mm), int(ch * mm)), int(np.median(gray)))
        canvas.paste(pil, ((canvas.width - w) // 2, 0 if ch < 297 else (canvas.height - h) // 2))
        save(name, pil_bytes(canvas, "JPEG", quality=85), f"page of {cw}x{ch} mm")
    sideways = np.ascontiguousarray(np.rot90(gray))
    save("landscape.jpg", jpeg_bytes(sideways, dpi), "landscape (scanned sideways)")
    save(
        "landscape_rotate.pdf",
        image_pdf([(jpeg_bytes(sideways, dpi), h, w, dpi)], rotate=90),
        "/Rotate 90 PDF page",
    )
    before = snapshot(scans)
    out = base / "out"
    code, output = cli("process", scans, "-o", out, "--jobs", "2", "--order", "scan")
    return scans, out, code, output, before, number, made


def pages_by_file(out: Path, number: str) -> dict[str, dict]:
    """File name -> its page in the copy's manifest. The odd files all hold one same page image: each
    one after the first that is recognised as the same image (read, its barcode too) is used once
    (batch.json `duplicates`, issue 14) and stands here for the page it repeats."""
    manifest = json.loads((out / f"{number}.json").read_text(encoding="utf-8"))
    pages = {p["source"]["file"].split("/")[-1]: p for p in manifest["pages"]}
    for dup in batch_of(out).get("duplicates", []):
        if dup["kind"] == "page" and dup["same_as"]["file"].split("/")[-1] in pages:
            pages[dup["file"].split("/")[-1]] = pages[dup["same_as"]["file"].split("/")[-1]]
    return pages


def test_odd_pages_all_read(odd_run):
    scans, out, code, output, before, number, made = odd_run
    one_line_messages(output)
    batch = batch_of(out)
    assert not batch["errors"], batch["errors"]
    problems = {u["source"]["file"]: u["reason"] for u in batch["unassigned"]}
    pages = pages_by_file(out, number)
    unread = {name: made[name] for name in made if name not in pages or pages[name]["barcode"] is None}
    assert not unread and not problems, (unread, problems)
    assert snapshot(scans) == before
    assert_clean_outdir(out)


def test_odd_pages_are_masked_and_verified(odd_run):
    _scans, out, _code, _output, _before, number, _made = odd_run
    code, output = cli("verify", out)
    assert code == 0, output


def test_a_sheet_on_a_larger_canvas_is_masked_where_it_lies(odd_run):
    """An A4 sheet scanned on an A3 flatbed: the template is measured with the scan's resolution, so the
    mask lands on the sheet's own identity zone, not where an A3-wide page would have it."""
    _scans, out, _code, _output, _before, number, _made = odd_run
    pages = pages_by_file(out, number)
    alone, on_a3 = pages["rgb.jpg"], pages["a3.jpg"]  # the same sheet; pasted in the A3 canvas's middle
    assert alone["rotation"] == on_a3["rotation"] == 0
    assert on_a3["registration"]["policy"] == "template"
    assert "rules" in on_a3["registration"]["cues"]
    dx = (on_a3["size"][0] - alone["size"][0]) // 2
    dy = (on_a3["size"][1] - alone["size"][1]) // 2
    assert len(on_a3["masked"]) == len(alone["masked"])
    for big, small in zip(on_a3["masked"], alone["masked"], strict=True):
        expected = [small[0] + dx, small[1] + dy, small[2] + dx, small[3] + dy]
        assert all(abs(a - b) <= 6 for a, b in zip(big, expected, strict=True)), (big, expected)


# --- output names come only from validated barcode values -----------------------------------------

HOSTILE = {  # raw Code 39 -> why (zxing-cpp reads Code 39 "full ASCII": /O is "/", +X is "x")
    "../O+X": "../x",
    "A/OB": "A/B",
    "../PWNED": "../PWNED, raw",
    "../O../OETC": "../../ETC",
}


@pytest.fixture(scope="module")
def hostile_names(corpus, tmp_path_factory):
    ((gray, dpi, _number),) = good_pages(corpus, 1, flap="open")  # open: its identity crop goes to the vault
    base = tmp_path_factory.mktemp("names")
    scans = base / "scans"
    scans.mkdir()
    for i, raw in enumerate(HOSTILE):
        Image.fromarray(relabel(gray, dpi, raw)).save(scans / f"p{i}.png", dpi=(dpi, dpi))
    # zxing-cpp's writer, as a second source of symbols
    for i, text in enumerate(["../X", "A/B"]):
        Image.fromarray(zxing_symbol_page(text)).save(scans / f"z{i}.png", dpi=(200, 200))
    # 200 characters (wider than a page can hold at 2 px a module: 1 px, on a wide page)
    long = ("../A" * 50)[:200]
    wide = np.full((2000, 3600), 235, np.uint8)
    row = code39_row(long, 1)
    wide[300:450, 100 : 100 + row.size][:, row] = 10
    wide[700:1900:40, 150:3400] = 120
    Image.fromarray(wide).save(scans / "long.png", dpi=(300, 300))
    template = json.loads((REPO / "src/anonymat/templates/cdg-est.json").read_text(encoding="utf-8"))
    template["name"], template["number"]["pattern"] = "permissive", ".+"
    permissive = base / "permissive.json"
    permissive.write_text(json.dumps(template), encoding="utf-8")
    return base, scans, permissive


def _all_files(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*")}


@pytest.mark.parametrize("template", ["builtin", "permissive"])
def test_barcode_values_never_name_a_file(hostile_names, template):
    base, scans, permissive = hostile_names
    run = base / f"run-{template}"
    run.mkdir()
    out, vault = run / "out", run / "deep" / "vault"
    vault.parent.mkdir()
    before = _all_files(base)
    extra = ["--template", str(permissive)] if template == "permissive" else []
    code, output = cli(
        "process", scans, "-o", out, "--vault", vault, "--jobs", "2", "--order", "scan", *extra
    )
    assert code == 1, output
    one_line_messages(output)
    created = _all_files(base) - before
    assert created
    for path in created:
        assert path.is_relative_to(out) or path.is_relative_to(vault), (
            f"written outside OUTDIR and vault: {path}"
        )
        assert ".." not in path.name and len(path.name) < 100, path
    batch = batch_of(out)
    assert not batch["copies"]
    if template == "builtin":  # the pattern refuses them all: unassigned pages
        assert len(batch["unassigned"]) == len(list(scans.iterdir()))
    else:  # accepted by the pattern, refused as file names: batch errors, no crash
        assert batch["errors"] and all("nom de fichier sûr" in e["error"] for e in batch["errors"])


# --- 2. data safety -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "err", "words"),
    [
        ("replace", errno.EROFS, "lecture seule"),
        ("replace", errno.EACCES, "permission refusée"),
        ("fsync", errno.ENOSPC, "le disque est plein"),
    ],
)
def test_unwritable_output_is_one_clear_line(corpus, tmp_path, monkeypatch, target, err, words):
    from anonymat.pdf import output

    ((gray, dpi, _number),) = good_pages(corpus, 1)
    scans = tmp_path / "scans"
    scans.mkdir()
    (scans / "page.jpg").write_bytes(jpeg_bytes(gray, dpi))
    real = getattr(output.os, target)

    def failing(*args, **kwargs):
        raise OSError(err, os.strerror(err))

    monkeypatch.setattr(output.os, target, failing)
    out = tmp_path / "out"
    code, text = cli("process", scans, "-o", out, "--jobs", "1", "--order", "scan")
    monkeypatch.setattr(output.os, target, real)
    assert code == (5 if err == errno.ENOSPC else 2), text  # a full disk has its own exit code
    lines = one_line_messages(text)
    assert lines and words in lines[-1]
    assert [p.name for p in out.iterdir() if not p.name.startswith(".")] == []
    assert not list(out.glob(".*.tmp"))  # temporaries removed on failure


def _kill_after(cmd: list[str], out: Path, manifests: int, timeout: float = 600) -> int:
    """Start cmd in its own process group, SIGKILL the group once `manifests` copies are written."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            done = [p for p in out.glob("*.json") if p.name != "batch.json"] if out.exists() else []
            if len(done) >= manifests:
                os.killpg(proc.pid, signal.SIGKILL)
                break
            time.sleep(0.02)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    return proc.returncode


@pytest.mark.parametrize(
    "copies",
    [
        pytest.param(5, id="5-copies", marks=pytest.mark.slow),
        pytest.param(12, id="12-copies", marks=pytest.mark.slow),
    ],
)
def test_kill_9_leaves_no_partial_copy_and_rerun_matches(tmp_path, copies):
    from anonymat.synth import make_corpus

    make_corpus(tmp_path / "c", copies=copies, seed=5)
    scans = tmp_path / "c" / "scans"
    before = snapshot(scans)
    killed, clean = tmp_path / "killed", tmp_path / "clean"
    cmd = [*ANONYMAT, "process", str(scans), "--jobs", "2", "-q"]
    code = _kill_after([*cmd, "-o", str(killed)], killed, manifests=2)
    assert code == -signal.SIGKILL, "the run ended before it could be killed"
    assert not (killed / "batch.json").exists()
    assert_clean_outdir(killed)
    survivors = copy_files(killed)
    assert 2 <= len([n for n in survivors if n.endswith(".json")]) < copies
    rerun = subprocess.run([*cmd, "-o", str(killed)], capture_output=True, text=True, timeout=900)
    assert rerun.returncode in (0, 1), rerun.stderr
    full = subprocess.run([*cmd, "-o", str(clean)], capture_output=True, text=True, timeout=900)
    assert full.returncode == rerun.returncode
    assert copy_files(killed) == copy_files(clean)
    # the same batch, but for "run" (its dates) and "copies"' order of arrival
    assert {k: v for k, v in batch_of(killed).items() if k != "run"} == {
        k: v for k, v in batch_of(clean).items() if k != "run"
    }
    assert snapshot(scans) == before


def test_a_rerun_sweeps_the_temporary_files_a_killed_run_left(corpus, tmp_path):
    root, _truth = corpus
    out = tmp_path / "out"
    (out / "thumbs").mkdir(parents=True)
    stale = [out / ".0123456789.pdf.deadbeef.tmp", out / "thumbs" / ".0123456789_1.jpg.0badf00d.tmp"]
    for path in stale:
        path.write_bytes(b"half a PDF")
    mine = out / ".my-notes.tmp"  # not a name anonymat makes: left alone
    mine.write_text("keep")
    code, output = cli("process", root / "scans", "-o", out, "--jobs", "2", "--order", "scan", "-q")
    assert code in (0, 1), output
    assert not any(path.exists() for path in stale)
    assert mine.read_text() == "keep"
    assert sorted(out.rglob(".*.tmp")) == [mine]


@pytest.mark.parametrize(
    "pages", [pytest.param(30, id="30-pages"), pytest.param(500, id="500-pages", marks=pytest.mark.slow)]
)
def test_long_pdf(corpus, tmp_path, pages):
    """A production-scanner PDF: many copies back to back (each of the good pages under a new number)."""
    sources = good_pages(corpus, 3)
    encoded = []
    numbers = []
    for i in range(pages):
        gray, dpi, _number = sources[i % len(sources)]
        number = f"{7_000_000_000 + i // 2:010d}"  # two sheets a copy
        if i % 2 == 0:
            numbers.append(number)
        page = relabel(gray, dpi, number)
        h, w = page.shape
        encoded.append((jpeg_bytes(page, dpi, quality=70), w, h, dpi))
    scans = tmp_path / "scans"
    scans.mkdir()
    (scans / "lot.pdf").write_bytes(image_pdf(encoded))
    out = tmp_path / "out"
    started = time.monotonic()
    code, output = cli("process", scans, "-o", out, "--jobs", "2", "--order", "scan", "--no-verify")
    seconds = time.monotonic() - started
    one_line_messages(output)
    batch = batch_of(out)
    assert batch["pages_in"] == pages and not batch["errors"] and not batch["unassigned"]
    assert {c["anonymity_number"] for c in batch["copies"]} == set(numbers)
    assert code in (0, 1)
    print(f"{pages} pages in {seconds:.0f} s")
