"""ingest: discovery of inputs and decoding of page images, on real files made here."""

from __future__ import annotations

import io
import json
import os
import struct
import tempfile
import zlib
from datetime import timedelta
from pathlib import Path

import cv2
import img2pdf
import numpy as np
import pikepdf
import pypdfium2 as pdfium
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from anonymat.errors import PageError
from anonymat.ingest import discover, natural_key, page_refs, sniff_kind
from anonymat.model import PageRef
from anonymat.page.decode import MAX_PIXELS, load_page


def scan_like(width: int = 600, height: int = 850, seed: int = 0) -> np.ndarray:
    """A small grey page: noisy paper, a few dark strokes, a black marker in the top-left corner."""
    rng = np.random.default_rng(seed)
    page = np.clip(rng.normal(235, 4, (height, width)), 0, 255).astype(np.uint8)
    for i in range(4):
        cv2.putText(page, f"ligne {seed} {i}", (60, 200 + 120 * i), cv2.FONT_HERSHEY_SIMPLEX, 1.5, 30, 3)
    page[:40, :60] = 0
    return page


def jpeg_of(gray: np.ndarray, quality: int = 90) -> bytes:
    ok, buf = cv2.imencode(".jpg", gray, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return buf.tobytes()


def jpeg_pdf(path: Path, jpegs: list[bytes], dpi: float = 200.0) -> Path:
    layout = img2pdf.get_fixed_dpi_layout_fun((dpi, dpi))
    path.write_bytes(img2pdf.convert(jpegs, layout_fun=layout))
    return path


def only_ref(path: Path) -> PageRef:
    files, problems = discover([path])
    assert problems == [] and len(files) == 1
    refs = page_refs(files)
    assert len(refs) == 1
    return refs[0]


def only_problem(path: Path) -> str:
    files, problems = discover([path])
    assert files == [] and len(problems) == 1, (files, problems)
    error = problems[0].error
    assert "\n" not in error and error
    return error


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_declaring(width: int, height: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 16)
    return (
        b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")
    )


# --- PDF -------------------------------------------------------------------------------------------------


def test_jpeg_pdf_gives_the_embedded_pixels_and_dpi(tmp_path: Path) -> None:
    pages = [scan_like(seed=i) for i in range(3)]
    jpegs = [jpeg_of(p) for p in pages]
    pdf = jpeg_pdf(tmp_path / "lot.pdf", jpegs, dpi=200)
    files, problems = discover([pdf])
    assert problems == []
    assert [(f.kind, f.page_count) for f in files] == [("pdf", 3)]
    refs = page_refs(files)
    assert [r.index for r in refs] == [0, 1, 2]
    assert {r.file for r in refs} == {pdf.as_posix()}
    for ref, jpeg in zip(refs, jpegs, strict=True):
        image = load_page(ref)
        expected = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_GRAYSCALE)
        assert image.gray.dtype == np.uint8 and image.gray.ndim == 2
        assert np.array_equal(image.gray, expected)
        assert image.dpi == pytest.approx(200.0, rel=1e-3)


def hand_built_pdf(
    path: Path, gray: np.ndarray, dpi: float, matrix: str | None = None, rotate: int = 0
) -> Path:
    pdf = pikepdf.new()
    h, w = gray.shape
    wpt, hpt = w / dpi * 72, h / dpi * 72
    page = pdf.add_blank_page(page_size=(wpt, hpt))
    image = pikepdf.Stream(pdf, jpeg_of(gray))
    image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    image.Width, image.Height, image.BitsPerComponent = w, h, 8
    image.ColorSpace, image.Filter = pikepdf.Name.DeviceGray, pikepdf.Name.DCTDecode
    page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
    page.Contents = pikepdf.Stream(pdf, f"q {matrix or f'{wpt} 0 0 {hpt} 0 0'} cm /Im0 Do Q".encode())
    if rotate:
        page.Rotate = rotate
    pdf.save(path)
    return path


def test_pdf_page_rotate_90_turns_the_pixels_clockwise(tmp_path: Path) -> None:
    gray = scan_like()
    pdf = hand_built_pdf(tmp_path / "r.pdf", gray, 150, rotate=90)
    image = load_page(only_ref(pdf))
    decoded = cv2.imdecode(np.frombuffer(jpeg_of(gray), np.uint8), cv2.IMREAD_GRAYSCALE)
    assert np.array_equal(image.gray, np.rot90(decoded, -1))
    assert image.gray[:60, -40:].mean() < 40  # the top-left marker is now top-right
    assert image.dpi == pytest.approx(150, rel=1e-3)


def test_flipped_image_matrix_is_applied(tmp_path: Path) -> None:
    gray = scan_like()
    h, w = gray.shape
    wpt, hpt = w / 100 * 72, h / 100 * 72
    pdf = hand_built_pdf(tmp_path / "f.pdf", gray, 100, matrix=f"{-wpt} 0 0 {-hpt} {wpt} {hpt}")
    image = load_page(only_ref(pdf))
    assert image.gray.shape == gray.shape
    assert image.gray[-40:, -60:].mean() < 40  # turned 180 degrees by the matrix


def test_vector_text_page_is_rendered(tmp_path: Path) -> None:
    pdf = pikepdf.new()
    page = pdf.add_blank_page(page_size=(595, 842))
    font = pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
    )
    page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    page.Contents = pikepdf.Stream(pdf, b"BT /F1 48 Tf 72 700 Td (Copie) Tj ET")
    pdf.save(tmp_path / "text.pdf")
    image = load_page(only_ref(tmp_path / "text.pdf"))
    assert image.dpi == 300
    h, w = image.gray.shape
    assert abs(h - 842 / 72 * 300) <= 1 and abs(w - 595 / 72 * 300) <= 1
    assert image.gray.min() < 60 and np.median(image.gray) == 255


def test_pdf_named_jpg_is_read_as_pdf(tmp_path: Path) -> None:
    pdf = jpeg_pdf(tmp_path / "scan.jpg", [jpeg_of(scan_like())])
    assert sniff_kind(pdf) == "pdf"
    ref = only_ref(pdf)
    assert ref.kind == "pdf"
    assert load_page(ref).gray.shape == (850, 600)


def test_junk_before_pdf_header_is_still_a_pdf(tmp_path: Path) -> None:
    data = jpeg_pdf(tmp_path / "a.pdf", [jpeg_of(scan_like())]).read_bytes()
    (tmp_path / "b.pdf").write_bytes(b"\r\n\x00junk" + data)
    assert sniff_kind(tmp_path / "b.pdf") == "pdf"


# --- TIFF, JPEG, PNG ---------------------------------------------------------------------------------------


def test_multipage_tiff_all_frames_all_modes(tmp_path: Path) -> None:
    base = scan_like()
    gray = Image.fromarray(base)
    sixteen = Image.fromarray(base.astype(np.uint16) * 257)
    assert sixteen.mode.startswith("I;16")
    rgba = Image.fromarray(np.dstack([base, base, base, np.full_like(base, 255)]), "RGBA")
    rgba_half = np.array(rgba)
    rgba_half[:100, :, 3] = 0  # a transparent band must come out white
    cmyk = Image.fromarray(np.dstack([base] * 3), "RGB").convert("CMYK")
    bilevel = gray.point(lambda v: 255 if v > 128 else 0).convert("1")
    frames = [gray, sixteen, Image.fromarray(rgba_half, "RGBA"), cmyk, bilevel]
    path = tmp_path / "lot.tif"
    frames[0].save(path, save_all=True, append_images=frames[1:], dpi=(200, 200), compression="tiff_lzw")
    files, problems = discover([path])
    assert problems == [] and files[0].kind == "tiff" and files[0].page_count == 5
    images = [load_page(r) for r in page_refs(files)]
    for image in images:
        assert image.gray.dtype == np.uint8 and image.gray.shape == base.shape
        assert image.dpi == pytest.approx(200)
    assert np.array_equal(images[0].gray, base)
    assert np.abs(images[1].gray.astype(int) - base).max() <= 1
    assert images[2].gray[:100].min() == 255
    assert np.abs(images[2].gray[100:].astype(int) - base[100:]).max() <= 1
    assert np.abs(images[3].gray.astype(int) - base).mean() < 8
    assert set(np.unique(images[4].gray)) <= {0, 255}


def test_jpeg_exif_orientation_6_is_turned(tmp_path: Path) -> None:
    base = scan_like()
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "photo.jpeg"
    Image.fromarray(base).save(path, quality=95, exif=exif, dpi=(150, 150))
    image = load_page(only_ref(path))
    assert image.gray.shape == (base.shape[1], base.shape[0])
    assert image.gray[:60, -40:].mean() < 50  # top-left marker turned to the top-right
    assert image.dpi == pytest.approx(150)


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("mode", ["L", "RGB"])
def test_jpeg_pixels_and_orientation_as_pil_gives_them(tmp_path: Path, orientation: int, mode: str) -> None:
    """JPEG files are decoded by OpenCV (faster): the same pixels as PIL, turned by any EXIF orientation."""
    from PIL import ImageOps

    base = scan_like()
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = tmp_path / f"o{orientation}.jpg"
    Image.fromarray(base).convert(mode).save(path, quality=90, exif=exif, dpi=(200, 200))
    image = load_page(only_ref(path))
    with Image.open(path) as pil:
        pil.draft("L", pil.size)
        expected = np.asarray(ImageOps.exif_transpose(pil).convert("L"))
    assert image.gray.shape == expected.shape
    assert np.abs(image.gray.astype(int) - expected).max() <= (0 if mode == "L" else 1)
    assert image.dpi == pytest.approx(200)


def _grey_png(path: Path, levels: np.ndarray, bits: int) -> None:
    """A greyscale PNG of `bits` bits per pixel, written by hand (PIL writes grey at 8 bits only)."""
    h, w = levels.shape
    rows = []
    for row in levels:
        packed = np.packbits(np.unpackbits(row.astype(np.uint8)[:, None], axis=1)[:, 8 - bits :].ravel())
        rows.append(b"\0" + packed.tobytes())

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", w, h, bits, 0, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows)))
    path.write_bytes(data + chunk(b"IEND", b""))


@pytest.mark.parametrize("bits", [1, 2, 4, 8])
def test_grey_png_of_any_depth_reads_as_pil_reads_it(tmp_path: Path, bits: int) -> None:
    """8-bit grey PNGs are decoded by OpenCV (faster), the others by PIL: the same pixels either way."""
    base = scan_like()
    path = tmp_path / f"g{bits}.png"
    _grey_png(path, np.rint(base / 255 * (2**bits - 1)).astype(np.uint8), bits)
    with Image.open(path) as pil:
        expected = np.asarray(pil.convert("L"))
    assert np.array_equal(load_page(only_ref(path)).gray, expected)


def test_png_grey_alpha_and_dpi(tmp_path: Path) -> None:
    base = scan_like()
    path = tmp_path / "p.png"
    Image.fromarray(np.dstack([base, np.full_like(base, 255)]), "LA").save(path, dpi=(300, 300))
    image = load_page(only_ref(path))
    assert np.array_equal(image.gray, base)
    assert image.dpi == pytest.approx(300, abs=0.1)


def test_missing_dpi_assumes_a4_width(tmp_path: Path) -> None:
    path = tmp_path / "p.png"
    Image.fromarray(scan_like(827, 1170)).save(path)
    assert load_page(only_ref(path)).dpi == pytest.approx(100.0)


def test_sixteen_bit_png(tmp_path: Path) -> None:
    base = scan_like()
    path = tmp_path / "deep.png"
    cv2.imwrite(str(path), base.astype(np.uint16) * 257)
    image = load_page(only_ref(path))
    assert np.abs(image.gray.astype(int) - base).max() <= 1


# --- discovery ---------------------------------------------------------------------------------------------


def test_folder_walk_nested_natural_order_hidden_and_txt_skipped(tmp_path: Path) -> None:
    root = tmp_path / "scans"
    (root / "lot1").mkdir(parents=True)
    (root / ".cache").mkdir()
    for seed, name in enumerate(
        ("lot1/page_10.png", "lot1/page_2.png", "a.png", ".hidden.png", ".cache/x.png")
    ):
        png = io.BytesIO()  # each its own pixels: files with the same bytes are used once
        Image.fromarray(scan_like(seed=seed)).save(png, format="PNG")
        (root / name).write_bytes(png.getvalue())
    (root / "notes.txt").write_text("not a scan")
    (root / "lot1" / "index.json").write_text("{}")
    files, problems = discover([root])
    assert problems == []
    assert [f.display for f in files] == ["scans/a.png", "scans/lot1/page_2.png", "scans/lot1/page_10.png"]
    assert all(f.path.is_absolute() for f in files)


def test_same_file_twice_counted_once(tmp_path: Path) -> None:
    pdf = jpeg_pdf(tmp_path / "a.pdf", [jpeg_of(scan_like())])
    files, problems = discover([pdf, tmp_path, pdf])
    assert problems == [] and len(files) == 1


def test_same_bytes_under_another_name_is_a_duplicate(tmp_path: Path) -> None:
    from anonymat.ingest import inventory

    pdf = jpeg_pdf(tmp_path / "a.pdf", [jpeg_of(scan_like())])
    (tmp_path / "b.pdf").write_bytes(pdf.read_bytes())
    found = inventory([tmp_path])
    shown = tmp_path.name
    assert [f.display for f in found.files] == [f"{shown}/a.pdf"]
    assert [d.entry() for d in found.duplicates] == [
        {"file": f"{shown}/b.pdf", "same_as": {"file": f"{shown}/a.pdf"}, "kind": "file"}
    ]


def test_an_anonymat_pdf_is_recognised_by_its_producer(tmp_path: Path) -> None:
    from anonymat.ingest import inventory

    pdf = pikepdf.open(jpeg_pdf(tmp_path / "made.pdf", [jpeg_of(scan_like())]))
    pdf.docinfo["/Producer"] = "anonymat 9.9"
    pdf.save(tmp_path / "copy.pdf")
    found = inventory([tmp_path / "copy.pdf", tmp_path / "made.pdf"])
    assert len(found.own_outputs) == 1 and found.own_outputs[0].endswith("copy.pdf")
    assert len(found.files) == 1 and found.files[0].display.endswith("made.pdf") and found.problems == []


def test_natural_key() -> None:
    names = ["p10", "p2", "P1", "p2a"]
    assert sorted(names, key=natural_key) == ["P1", "p2", "p2a", "p10"]


# --- bad inputs --------------------------------------------------------------------------------------------


def test_zero_bytes(tmp_path: Path) -> None:
    (tmp_path / "empty.pdf").write_bytes(b"")
    assert "fichier vide" in only_problem(tmp_path / "empty.pdf")


def test_truncated_pdf(tmp_path: Path) -> None:
    data = jpeg_pdf(tmp_path / "full.pdf", [jpeg_of(scan_like(seed=i)) for i in range(3)]).read_bytes()
    (tmp_path / "cut.pdf").write_bytes(data[: len(data) // 2])
    assert "PDF abîmé" in only_problem(tmp_path / "cut.pdf")


def test_encrypted_pdf(tmp_path: Path) -> None:
    jpeg_pdf(tmp_path / "plain.pdf", [jpeg_of(scan_like())])
    with pikepdf.open(tmp_path / "plain.pdf") as pdf:
        pdf.save(tmp_path / "locked.pdf", encryption=pikepdf.Encryption(owner="o", user="secret"))
    error = only_problem(tmp_path / "locked.pdf")
    assert error.startswith("PDF chiffré") and "qpdf --decrypt" in error


def test_wrong_magic_named_pdf(tmp_path: Path) -> None:
    (tmp_path / "fake.pdf").write_bytes(b"PK\x03\x04 this is a zip, not a pdf")
    assert "ni PDF" in only_problem(tmp_path / "fake.pdf")


def test_unrelated_file_given_explicitly_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    assert only_problem(tmp_path / "notes.txt")


def test_missing_path(tmp_path: Path) -> None:
    assert "aucun fichier ni dossier" in only_problem(tmp_path / "nowhere.pdf")


@pytest.mark.parametrize(
    "side", [20_000, 11_000]
)  # over 2x the limit (PIL error) and just over (PIL warning)
def test_decompression_bomb_png(tmp_path: Path, side: int) -> None:
    assert side * side > MAX_PIXELS
    (tmp_path / "bomb.png").write_bytes(png_declaring(side, side))
    assert "millions de pixels" in only_problem(tmp_path / "bomb.png")


def test_one_pixel_image_fails_at_load(tmp_path: Path) -> None:
    Image.new("L", (1, 1), 255).save(tmp_path / "dot.png")
    with pytest.raises(PageError, match="trop petite"):
        load_page(only_ref(tmp_path / "dot.png"))


def test_truncated_png_fails_at_load(tmp_path: Path) -> None:
    buf = io.BytesIO()
    Image.fromarray(scan_like()).save(buf, format="PNG")
    (tmp_path / "cut.png").write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    with pytest.raises(PageError) as info:
        load_page(only_ref(tmp_path / "cut.png"))
    assert "\n" not in str(info.value)


def test_pdf_image_that_fails_to_decode_is_rendered(tmp_path: Path) -> None:
    gray = scan_like()
    pdf = hand_built_pdf(tmp_path / "bad.pdf", gray, 100)
    with pikepdf.open(pdf, allow_overwriting_input=True) as doc:
        image = doc.pages[0].Resources.XObject.Im0
        image.write(b"\xff\xd8\xff\xe0 not really a jpeg \xff\xd9", filter=pikepdf.Name.DCTDecode)
        doc.save(pdf)
    page = load_page(only_ref(pdf))
    assert page.dpi == 300


# --- random and mutated bytes ------------------------------------------------------------------------------


def _seed_files() -> dict[str, bytes]:
    """Small valid files of each kind, the starting points of the mutations."""
    page = scan_like(320, 420)
    png, tiff, jpeg_file = io.BytesIO(), io.BytesIO(), io.BytesIO()
    Image.fromarray(page).save(png, format="PNG", dpi=(100, 100))
    frames = [Image.fromarray(page), Image.fromarray(page).convert("1")]
    frames[0].save(tiff, format="TIFF", save_all=True, append_images=frames[1:], compression="tiff_lzw")
    Image.fromarray(page).save(jpeg_file, format="JPEG", quality=50)
    layout = img2pdf.get_fixed_dpi_layout_fun((100, 100))
    pdf = img2pdf.convert([jpeg_of(page, 50), png.getvalue()], layout_fun=layout)
    return {"pdf": pdf, "png": png.getvalue(), "jpeg": jpeg_file.getvalue(), "tiff": tiff.getvalue()}


SEEDS = _seed_files()


@st.composite
def mutated_files(draw: st.DrawFn) -> tuple[str, bytes]:
    kind = draw(st.sampled_from(sorted(SEEDS)))
    data = bytearray(SEEDS[kind])
    for _ in range(draw(st.integers(0, 4))):
        action = draw(st.sampled_from(["truncate", "flip", "insert", "overwrite", "delete"]))
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        if action == "truncate":
            del data[at:]
        elif action == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
        elif action == "overwrite":
            chunk = draw(st.binary(min_size=1, max_size=64))
            data[at : at + len(chunk)] = chunk
        else:
            del data[at : at + draw(st.integers(1, 4096))]
    if draw(st.booleans()) and not draw(st.booleans()):
        data = bytearray(
            draw(st.sampled_from([b"%PDF-1.4\n", b"\x89PNG\r\n\x1a\n", b"II*\x00", b"\xff\xd8\xff"]))
        )
        data += draw(st.binary(max_size=2048))
    suffix = draw(st.sampled_from([".pdf", ".png", ".jpg", ".tif", ".bin", ""]))
    return suffix, bytes(data)


@settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "300")),
    deadline=timedelta(seconds=5),
    suppress_health_check=[HealthCheck.too_slow],
)
@given(mutated_files())
def test_mutated_inputs_give_only_problems_or_page_errors(case: tuple[str, bytes]) -> None:
    suffix, data = case
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"input{suffix}"
        path.write_bytes(data)
        files, problems = discover([path])
        assert len(files) + len(problems) == 1
        assert all(p.error and "\n" not in p.error for p in problems)
        for ref in page_refs(files)[:3]:
            try:
                image = load_page(ref)
            except PageError as exc:
                assert "\n" not in str(exc)
                continue
            assert image.gray.dtype == np.uint8 and image.gray.ndim == 2
            assert min(image.gray.shape) >= 300 and image.dpi > 0


@pytest.mark.parametrize(("inches", "ok"), [(40, True), (190, False)])
def test_huge_vector_page_is_rendered_coarser_or_refused(tmp_path: Path, inches: int, ok: bool) -> None:
    pdf = pikepdf.new()
    page = pdf.add_blank_page(page_size=(inches * 72, inches * 72))
    page.Contents = pikepdf.Stream(pdf, b"0 g 72 72 144 144 re f")
    pdf.save(tmp_path / "big.pdf")
    ref = only_ref(tmp_path / "big.pdf")
    if ok:
        image = load_page(ref)
        assert image.gray.size <= 35_000_000 * 1.01 and 72 <= image.dpi < 300
        assert image.gray.shape[1] == pytest.approx(inches * image.dpi, abs=2)
    else:
        with pytest.raises(PageError, match="plus grande qu'une page d'examen"):
            load_page(ref)


def test_group4_tiff_with_orientation_tag(tmp_path: Path) -> None:
    base = scan_like()
    bilevel = Image.fromarray(base).point(lambda v: 255 if v > 128 else 0).convert("1")
    path = tmp_path / "fax.tif"
    bilevel.save(path, compression="group4", tiffinfo={274: 6}, dpi=(200, 200))
    image = load_page(only_ref(path))
    assert image.gray.shape == (base.shape[1], base.shape[0])
    assert image.gray[:60, -40:].mean() == 0  # the top-left marker, turned clockwise
    assert set(np.unique(image.gray)) == {0, 255}


def test_ccitt_pdf_keeps_black_on_white(tmp_path: Path) -> None:
    base = scan_like()
    bilevel = Image.fromarray(base).point(lambda v: 255 if v > 128 else 0).convert("1")
    tiff = io.BytesIO()
    bilevel.save(tiff, format="TIFF", compression="group4")
    layout = img2pdf.get_fixed_dpi_layout_fun((200, 200))
    (tmp_path / "g4.pdf").write_bytes(img2pdf.convert(tiff.getvalue(), layout_fun=layout))
    image = load_page(only_ref(tmp_path / "g4.pdf"))
    assert np.array_equal(image.gray, np.asarray(bilevel.convert("L")))
    assert image.dpi == pytest.approx(200)


def test_uncompressed_tiff_orientation_applied_once(tmp_path: Path) -> None:
    base = scan_like()
    path = tmp_path / "turned.tif"
    Image.fromarray(base).save(path, tiffinfo={274: 3})
    image = load_page(only_ref(path))
    assert np.array_equal(image.gray, base[::-1, ::-1])


PLACEMENTS = {  # image matrix at 72 dpi, w and h being the image's width and height in pixels
    "upright": "{w} 0 0 {h} 0 0",
    "mirrored": "-{w} 0 0 {h} {w} 0",
    "flipped": "{w} 0 0 -{h} 0 {h}",
    "upside-down": "-{w} 0 0 -{h} {w} {h}",
    "quarter-cw": "0 -{w} {h} 0 0 {w}",
    "quarter-ccw": "0 {w} -{h} 0 {h} 0",
}


@pytest.mark.parametrize("rotate", [0, 90, 180, 270])
@pytest.mark.parametrize("placement", sorted(PLACEMENTS))
def test_extraction_matches_what_a_renderer_shows(tmp_path: Path, placement: str, rotate: int) -> None:
    gray = scan_like(400, 560)
    h, w = gray.shape
    turned = placement.startswith("quarter")
    page_w, page_h = (h, w) if turned else (w, h)  # 72 dpi: 1 px = 1 pt
    matrix = PLACEMENTS[placement].format(w=w, h=h)
    pdf = pikepdf.new()
    page = pdf.add_blank_page(page_size=(page_w, page_h))
    image = pikepdf.Stream(pdf, zlib.compress(gray.tobytes()))
    image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    image.Width, image.Height, image.BitsPerComponent = w, h, 8
    image.ColorSpace, image.Filter = pikepdf.Name.DeviceGray, pikepdf.Name.FlateDecode
    page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
    page.Contents = pikepdf.Stream(pdf, f"q {matrix} cm /Im0 Do Q".encode())
    if rotate:
        page.Rotate = rotate
    pdf.save(tmp_path / "p.pdf")
    extracted = load_page(only_ref(tmp_path / "p.pdf"))
    assert extracted.dpi == pytest.approx(72)
    doc = pdfium.PdfDocument(str(tmp_path / "p.pdf"))
    try:
        rendered = doc[0].render(scale=1, grayscale=True).to_numpy().squeeze()
    finally:
        doc.close()
    assert rendered.shape == extracted.gray.shape
    assert np.abs(rendered.astype(int) - extracted.gray).mean() < 1


def test_invisible_ocr_layer_does_not_force_a_render(tmp_path: Path) -> None:
    gray = scan_like()
    pdf_path = hand_built_pdf(tmp_path / "ocr.pdf", gray, 100)
    with pikepdf.open(pdf_path, allow_overwriting_input=True) as pdf:
        page = pdf.pages[0]
        font = pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Courier
        )
        page.Resources.Font = pikepdf.Dictionary(F1=font)
        page.contents_add(pikepdf.Stream(pdf, b"BT 3 Tr /F1 12 Tf 10 10 Td (Jean Dupont) Tj ET"))
        pdf.save(pdf_path)
    image = load_page(only_ref(pdf_path))
    assert image.dpi == pytest.approx(100)
    assert np.array_equal(
        image.gray, cv2.imdecode(np.frombuffer(jpeg_of(gray), np.uint8), cv2.IMREAD_GRAYSCALE)
    )


# --- a file none of whose pages can be read is one file error ------------------------------------------


def _cut_in_first_image(data: bytes) -> bytes:
    """The PDF cut in the middle of its first page's JPEG data: what a copy interrupted early leaves."""
    start = data.index(b"\xff\xd8\xff")
    end = data.index(b"\xff\xd9", start)
    return data[: (start + end) // 2]


@pytest.fixture(scope="module")
def damaged_run(tmp_path_factory):
    """A generated lot cut inside its first page, the same lot missing only its last bytes, and a good
    TIFF copy, processed together."""
    from typer.testing import CliRunner

    from anonymat.cli import app
    from tests.conftest import generated

    corpus, truth = generated(tmp_path_factory, 2, 3)  # tests/test_header.py's too: read, never changed
    root = tmp_path_factory.mktemp("damaged")
    lot = (corpus / "scans" / "lot1.pdf").read_bytes()
    scans = root / "scans"
    scans.mkdir()
    (scans / "lot3.pdf").write_bytes(_cut_in_first_image(lot))
    (scans / "lot4.pdf").write_bytes(lot[:-20])  # the end of the trailer lost: qpdf rebuilds the rest
    (scans / "copie_02.tif").write_bytes((corpus / "scans" / "copie_02.tif").read_bytes())
    out = root / "out"
    args = ["process", str(scans), "-o", str(out), "-q", "--jobs", "2", "--order", "scan"]  # not about order
    result = CliRunner().invoke(app, args)
    batch = json.loads((out / "batch.json").read_text(encoding="utf-8"))
    return truth, result, batch


def test_a_pdf_cut_inside_its_pages_is_one_file_error(damaged_run):
    truth, result, batch = damaged_run
    assert result.exit_code == 4, result.output  # an input was rejected, the rest processed
    lot_pages = sum(1 for c in truth["copies"] for p in c["pages"] if p["file"] == "scans/lot1.pdf")
    errors = [e for e in batch["errors"] if e["file"].endswith("lot3.pdf")]
    assert errors == [
        {
            "file": "scans/lot3.pdf",
            "error": f"le fichier est abîmé (tronqué ?) : aucune de ses {lot_pages} pages ne peut être "
            "lue ; exportez-le ou scannez-le à nouveau",
        }
    ]
    assert not [u for u in batch["unassigned"] if u["source"]["file"].endswith("lot3.pdf")]
    # named once on stderr too, not once per page
    assert [line for line in result.output.splitlines() if "lot3.pdf" in line] == [
        "anonymat: scans/lot3.pdf: " + errors[0]["error"]
    ]


def test_the_batch_goes_on_past_a_damaged_file(damaged_run):
    truth, _result, batch = damaged_run
    # lot4.pdf lost only the end of its trailer: qpdf rebuilds it and every page is used
    assert not [e for e in batch["errors"] if "lot4.pdf" in e["file"]]
    assert not [u for u in batch["unassigned"] if u["source"]["file"].endswith("lot4.pdf")]
    written = {c["anonymity_number"] for c in batch["copies"]}
    assert written == {c["number"] for c in truth["copies"]}  # lot4.pdf's copy and the TIFF's


def test_a_pdf_cut_inside_its_pages_is_rejected_at_discovery(tmp_path: Path) -> None:
    """Saved as a scanner (and the generator) saves: page tree first, so qpdf rebuilds it after the cut."""
    pdf = pikepdf.new()
    for seed in range(3):
        image = pikepdf.Stream(pdf, jpeg_of(scan_like(seed=seed)))
        image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
        image.Width, image.Height, image.BitsPerComponent = 600, 850, 8
        image.ColorSpace, image.Filter = pikepdf.Name.DeviceGray, pikepdf.Name.DCTDecode
        page = pikepdf.Dictionary(
            Type=pikepdf.Name.Page,
            MediaBox=[0, 0, 432, 612],
            Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image)),
            Contents=pikepdf.Stream(pdf, b"q 432 0 0 612 0 0 cm /Im0 Do Q"),
        )
        pdf.pages.append(pikepdf.Page(page))
    pdf.save(tmp_path / "full.pdf")
    (tmp_path / "cut.pdf").write_bytes(_cut_in_first_image((tmp_path / "full.pdf").read_bytes()))
    assert only_problem(tmp_path / "cut.pdf") == (
        "le fichier est abîmé (tronqué ?) : aucune de ses 3 pages ne peut être lue ; "
        "exportez-le ou scannez-le à nouveau"
    )
    # the same file missing only the end of its trailer: rebuilt by qpdf, every page there
    (tmp_path / "end.pdf").write_bytes((tmp_path / "full.pdf").read_bytes()[:-20])
    files, problems = discover([tmp_path / "end.pdf"])
    assert not problems and [f.page_count for f in files] == [3]
    assert all(load_page(ref).gray.shape == (850, 600) for ref in page_refs(files))
