"""Files -> page references: what the inputs hold, recognised by their bytes, in scan order."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

import pikepdf

from anonymat.errors import Unusable, describe_error, oneline, qpdf_reason
from anonymat.manifest import PageFacts
from anonymat.messages import t
from anonymat.model import PageRef
from anonymat.outdir import THUMBS
from anonymat.page.decode import decodes_some_page, open_image, quiet_decoders, set_pixel_limit
from anonymat.states import InputKind

SCAN_SUFFIXES = {".pdf", ".tif", ".tiff", ".jpg", ".jpeg", ".jpe", ".png"}
# Raster formats people may try; named so they get a Problem instead of silence.
UNSUPPORTED_SUFFIXES = {".heic", ".heif", ".webp", ".jp2", ".jpx", ".bmp", ".gif", ".djvu"}
_PDF_HEADER = re.compile(rb"%PDF-[12]\.\d")
KIND_NAMES = {"pdf": "PDF", "tiff": "TIFF", "jpeg": "JPEG", "png": "PNG"}
PRODUCER_PREFIX = "anonymat "  # output.build_copy_pdf writes "anonymat <version>" as /Producer


@dataclass(frozen=True)
class SourceFile:
    path: Path
    display: str
    sha256: str
    kind: InputKind
    page_count: int


@dataclass(frozen=True)
class Problem:
    file: str
    error: str


@dataclass(frozen=True)
class Duplicate:
    """An input used once because the same content came earlier: a whole file, or one page image."""

    file: str
    same_as: str
    page: int | None = None  # 0-based; None: the whole file (same sha256)
    same_as_page: int | None = None

    def entry(self) -> dict[str, object]:
        """Its batch.json `duplicates` entry."""
        if self.page is None:
            return {"file": self.file, "same_as": {"file": self.same_as}, "kind": "file"}
        return {
            "file": self.file,
            "page": self.page,
            "same_as": {"file": self.same_as, "page": self.same_as_page},
            "kind": "page",
        }

    def line(self) -> str:
        """The one stderr line that says it."""
        if self.page is None:
            return t("input.same_file", file=self.file, same=self.same_as)
        return t(
            "input.same_page",
            file=self.file,
            n=self.page + 1,
            same=self.same_as,
            same_n=(self.same_as_page or 0) + 1,
        )


@dataclass
class Inventory:
    """What the inputs hold: the scans to use, and everything else with why it is not used."""

    files: list[SourceFile] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    own_outputs: list[str] = field(default_factory=list)  # anonymat's outputs found among the inputs
    skipped: list[str] = field(default_factory=list)  # other files that are not scans (text, ...)

    def notes(self, verbose: bool = False) -> list[str]:
        """The lines to print on stderr about what was skipped (problems are printed on their own)."""
        lines = [d.line() for d in self.duplicates]
        by_folder: dict[str, int] = {}
        for name in self.own_outputs:
            folder = _output_folder(name)
            by_folder[folder] = by_folder.get(folder, 0) + 1
        for folder, count in by_folder.items():
            lines.append(t("input.own_outputs", folder=folder, n=count, files=_files(count)))
        if self.skipped:
            named = ": " + ", ".join(self.skipped) if verbose else t("input.skipped_hint")
            lines.append(
                t("input.skipped", n=len(self.skipped), named=named, files=_files(len(self.skipped)))
            )
        return lines


def _files(n: int) -> str:
    return t("input.files.one" if n == 1 else "input.files.many")


def _output_folder(display: str) -> str:
    parent = PurePath(display).parent
    if parent.name == THUMBS:
        parent = parent.parent
    return parent.as_posix() + "/" if parent.as_posix() != "." else "./"


# ---------------------------------------------------------------------------------------------------------
# Discovery


def sniff_kind(path: Path) -> InputKind | None:
    """The file's format from its first bytes, never from its name; None when unknown or unreadable."""
    try:
        return _kind_of(_head(path))
    except OSError:
        return None


def _head(path: Path) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(1024)


def _kind_of(head: bytes) -> InputKind | None:
    if head.startswith(b"\xff\xd8\xff"):
        return InputKind.JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return InputKind.PNG
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return InputKind.TIFF
    if _PDF_HEADER.search(head):  # readers accept junk before the header, within the first 1 KiB
        return InputKind.PDF
    return None


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key so that page_2 comes before page_10."""
    parts = re.split(r"(\d+)", text.casefold())
    return tuple((1, int(p)) if p.isdigit() else (0, p) for p in parts)


def discover(inputs: Sequence[Path]) -> tuple[list[SourceFile], list[Problem]]:
    """Walk the inputs; every usable file becomes a SourceFile, every unusable one a Problem."""
    found = inventory(inputs)
    return found.files, found.problems


def inventory(inputs: Sequence[Path]) -> Inventory:
    """Walk the inputs: the scans to use (each content once), the unusable files (Problems), and the
    files skipped with why: duplicates, anonymat's own outputs, files that are not scans."""
    set_pixel_limit()
    found = Inventory()
    files, problems = found.files, found.problems
    seen: set[tuple[int, int]] = set()
    by_sha: dict[str, str] = {}
    for path, display, explicit in _candidates(inputs, problems):
        try:
            st = path.stat()
        except OSError as exc:
            problems.append(Problem(display, f"cannot read file: {oneline(exc.strerror or str(exc))}"))
            continue
        key = (st.st_dev, st.st_ino)
        if key in seen:
            continue
        seen.add(key)
        if is_own_output(path):
            found.own_outputs.append(display)
            continue
        try:
            with quiet_decoders():
                source = _probe(path, display, explicit, st.st_size)
        except OwnOutput:
            found.own_outputs.append(display)
            continue
        except Unusable as exc:
            problems.append(Problem(display, str(exc)))
            continue
        except Exception as exc:  # one strange file never stops the batch
            problems.append(
                Problem(display, f"unreadable file ({describe_error(exc)}): check it opens, then rescan")
            )
            continue
        if source is None:
            found.skipped.append(display)
        elif source.sha256 in by_sha:
            found.duplicates.append(Duplicate(display, by_sha[source.sha256]))
        else:
            by_sha[source.sha256] = display
            files.append(source)
    return found


class OwnOutput(Unusable):
    """A file anonymat wrote (a copy's PDF): never read back as a scan."""


def is_own_output(path: Path) -> bool:
    """anonymat's outputs recognised without decoding: thumbs/ (next to its index.json), report.html,
    batch.json and the copies' manifests (JSON with anonymat's keys). Its PDFs are recognised by their
    producer when opened (`_count_pdf_pages`)."""
    if path.parent.name == THUMBS and (path.parent / "index.json").is_file():
        return True
    name = path.name.lower()
    if not name.endswith((".html", ".json")):
        return False
    try:
        head = _head(path)
    except OSError:
        return False
    if name.endswith(".html"):
        return b'<meta name="generator" content="anonymat">' in head or b"anonymat review report" in head
    return b'"schema_version"' in head and any(
        k in head for k in (b'"anonymity_number"', b'"copies"', b'"anonymat_version"')
    )


def _candidates(inputs: Sequence[Path], problems: list[Problem]) -> Iterator[tuple[Path, str, bool]]:
    """(absolute path, display name, given explicitly) for every file, in scan order."""
    for given in inputs:
        given = Path(given)
        shown = PurePath(os.fspath(given)).as_posix()
        if given.is_dir():
            yield from _walk(given, problems)
        elif given.exists():
            yield given.resolve(), shown, True
        else:
            problems.append(Problem(shown, t("input.no_such")))


def _walk(folder: Path, problems: list[Problem]) -> Iterator[tuple[Path, str, bool]]:
    """Files under `folder`, hidden ones skipped, in natural order; shown relative to the folder's parent."""
    root = folder.resolve()
    name = Path(os.path.abspath(folder)).name

    def shown(path: Path) -> str:
        return (
            PurePath(name, path.relative_to(root)).as_posix() if name else path.relative_to(root).as_posix()
        )

    def on_error(exc: OSError) -> None:
        where = shown(Path(exc.filename)) if exc.filename else name
        problems.append(Problem(where, t("file.folder_unreadable", why=oneline(exc.strerror or str(exc)))))

    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root, onerror=on_error):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        found.extend(Path(dirpath, f) for f in filenames if not f.startswith("."))
    found.sort(key=lambda p: tuple(natural_key(part) for part in p.relative_to(root).parts))
    for path in found:
        yield path, shown(path), False


def _probe(path: Path, display: str, explicit: bool, size: int) -> SourceFile | None:
    if not path.is_file():
        if explicit:
            raise Unusable(t("file.not_regular"))
        return None
    suffix = path.suffix.lower()
    if size == 0:
        if explicit or suffix in SCAN_SUFFIXES:
            raise Unusable(t("file.empty"))
        return None
    try:
        kind = _kind_of(_head(path))
    except OSError as exc:
        raise Unusable(t("file.unreadable", why=oneline(exc.strerror or str(exc)))) from exc
    if kind is None:
        if suffix in SCAN_SUFFIXES:
            raise Unusable(t("file.misnamed", suffix=suffix))
        if suffix in UNSUPPORTED_SUFFIXES:
            raise Unusable(t("file.unsupported", format=suffix[1:].upper()))
        if explicit:
            raise Unusable(t("file.not_scan"))
        return None
    page_count = _count_pdf_pages(path) if kind == "pdf" else _count_raster_frames(path, kind)
    return SourceFile(path=path, display=display, sha256=sha256_file(path), kind=kind, page_count=page_count)


def sha256_file(path: Path) -> str:
    """A file's sha256, read in blocks (an input scan may be large): the one file hash of the project."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _count_pdf_pages(path: Path) -> int:
    try:
        with pikepdf.open(path) as pdf:
            count = len(pdf.pages)
            if str(pdf.docinfo.get("/Producer", "")).startswith(PRODUCER_PREFIX):
                raise OwnOutput("a PDF written by anonymat")
            if pdf.get_warnings():
                # qpdf repaired the file: accept it only if every page's streams can still be read,
                # and some page decodes (truncated: the page tree is rebuilt, the pages' data are gone)
                for page in pdf.pages:
                    _read_page_streams(page.obj)
                if count and not decodes_some_page(path, pdf):
                    raise Unusable(t("file.truncated", n=count))
    except pikepdf.PasswordError as exc:
        raise Unusable(t("file.encrypted")) from exc
    except (pikepdf.PdfError, pikepdf.DataDecodingError, pikepdf.ForeignObjectError) as exc:
        raise Unusable(t("file.damaged", why=qpdf_reason(exc, path))) from exc
    if count == 0:
        raise Unusable(t("file.no_pages"))
    return count


def _read_page_streams(page: pikepdf.Object) -> None:
    """Raise if the page's content or image streams cannot be read (truncated or corrupt file)."""
    contents = page.get("/Contents")
    for stream in contents if isinstance(contents, pikepdf.Array) else [contents]:
        if isinstance(stream, pikepdf.Stream):
            stream.read_raw_bytes()
    resources = page.get("/Resources")
    xobjects = resources.get("/XObject") if isinstance(resources, pikepdf.Dictionary) else None
    if isinstance(xobjects, pikepdf.Dictionary):
        for name in list(xobjects.keys()):
            obj = xobjects[name]
            if isinstance(obj, pikepdf.Stream):
                obj.read_raw_bytes()


def _count_raster_frames(path: Path, kind: str) -> int:
    try:
        with open_image(path) as img:
            count = getattr(img, "n_frames", 1) if kind == "tiff" else 1
    except Unusable:
        raise
    except Exception as exc:
        raise Unusable(t("file.unreadable_image", kind=KIND_NAMES[kind], why=describe_error(exc))) from exc
    if count < 1:
        raise Unusable(t("file.no_image", kind=KIND_NAMES[kind]))
    return count


def page_refs(files: Sequence[SourceFile]) -> list[PageRef]:
    """Every page of every file, in scan order."""
    return [
        PageRef(path=str(f.path), file=f.display, index=i, sha256=f.sha256, kind=f.kind)
        for f in files
        for i in range(f.page_count)
    ]


# ---------------------------------------------------------------------------------------------------------
# The same page image given twice

FINGERPRINT_SIZE = (48, 64)  # (width, height) of the writing area's thumbnail kept per page
# Two pages are the same image when their writing areas, so reduced, differ by less than this mean grey
# level (0-255) and hold the same anonymity number (or none). Measured: a page and the same page
# re-encoded or exported again differ by < 1; two different pages of one copy by > 9 (bench note, issue 14).
SAME_PAGE_MAX_DIFF = 3.0
# ... and by less than this share of the page's own ink (mean distance to the paper grey): two nearly
# empty pages differ little in absolute terms, and losing a page is worse than keeping one twice
SAME_PAGE_MAX_INK_SHARE = 0.25


FINGERPRINT_TOP = 0.35  # share of the upright page left out at the top: the header, identity zone included


def page_fingerprint(gray: object) -> bytes:
    """The upright page below its header (never the identity zone), reduced to FINGERPRINT_SIZE grey
    levels: what `duplicate_pages` compares. A fixed share of the page, not the template's writing area:
    a placement that differs between two exports of one page must not make them look different."""
    import cv2
    import numpy as np

    page = np.asarray(gray)
    area = page[int(page.shape[0] * FINGERPRINT_TOP) :]
    if area.size == 0:
        return b""
    return bytes(cv2.resize(area, FINGERPRINT_SIZE, interpolation=cv2.INTER_AREA).tobytes())


def fingerprint_difference(a: bytes, b: bytes) -> float:
    """Mean absolute grey difference of two fingerprints (inf when either is missing)."""
    import numpy as np

    if not a or len(a) != len(b):
        return float("inf")
    return float(np.abs(np.frombuffer(a, np.uint8).astype(np.int16) - np.frombuffer(b, np.uint8)).mean())


def ink_level(fingerprint: bytes) -> float:
    """Mean distance of a fingerprint's cells to its median grey (the paper): how much is on the page."""
    import numpy as np

    cells = np.frombuffer(fingerprint, np.uint8).astype(np.float32)
    return float(np.abs(cells - np.median(cells)).mean()) if cells.size else 0.0


def is_same_image(a: bytes, b: bytes) -> bool:
    """Two pages' fingerprints may tell the same page image (see SAME_PAGE_MAX_DIFF): a first, cheap test
    that `is_same_page` confirms on the pixels."""
    diff = fingerprint_difference(a, b)
    return diff < SAME_PAGE_MAX_DIFF and diff < SAME_PAGE_MAX_INK_SHARE * min(ink_level(a), ink_level(b))


FINE_WIDTH = 600  # px across the page (about 0.35 mm a pixel): single pen strokes and printed digits show
INK_BELOW = 150  # grey level under which a pixel is ink, at FINE_WIDTH
# Two pages are the same image when no more than this many ink pixels of one, at FINE_WIDTH, lie farther
# than 2 px from ink of the other. Measured (issue 14, seed 3): the same page re-encoded at JPEG quality 30
# or 90, at most 42; two different handwritten pages of one copy, at least 7770. A printed document whose
# pages differ by a digit a line is below it: only pages that carry a read barcode are compared.
MAX_UNMATCHED_INK = 400


def is_same_page(a: PageFacts, b: PageFacts) -> bool:
    """Both pages decoded again, upright, below the header, at FINE_WIDTH: does any ink of one have no
    ink of the other near it? The cheap fingerprints only find the candidates (a printed form or a typed
    document looks alike at their size); losing a page is worse than keeping one twice."""
    try:
        return unmatched_ink(_fine(a), _fine(b, like=a)) <= MAX_UNMATCHED_INK
    except Exception:  # noqa: BLE001 - a page that cannot be decoded again is kept
        return False


def unmatched_ink(fine_a: Any, fine_b: Any) -> int:
    """Ink pixels of either image with no ink of the other within 2 px (the larger count of the two)."""
    import cv2
    import numpy as np

    if fine_a.shape != fine_b.shape:
        return 1 << 30
    ink_a, ink_b = (fine_a < INK_BELOW).astype(np.uint8), (fine_b < INK_BELOW).astype(np.uint8)
    kernel = np.ones((5, 5), np.uint8)
    near_a, near_b = cv2.dilate(ink_a, kernel), cv2.dilate(ink_b, kernel)
    return int(max((ink_a & (1 - near_b)).sum(), (ink_b & (1 - near_a)).sum()))


def _fine(page: PageFacts, like: PageFacts | None = None) -> Any:
    import cv2

    from anonymat.page.decode import load_page
    from anonymat.page.orient import Pose, upright_page

    image = load_page(PageRef(page.path, page.file, page.page, page.sha256, page.kind))
    upright = upright_page(image.gray, Pose(page.rotation, page.skew, page.pose_source))
    area = upright[int(upright.shape[0] * FINGERPRINT_TOP) :]
    ref = like.size if like is not None and like.size[0] else page.size
    ratio = (ref[1] * (1 - FINGERPRINT_TOP)) / max(1, ref[0]) if ref[0] else area.shape[0] / area.shape[1]
    return cv2.resize(area, (FINE_WIDTH, max(1, round(FINE_WIDTH * ratio))), interpolation=cv2.INTER_AREA)


def duplicate_pages(facts: Sequence[PageFacts]) -> tuple[list[PageFacts], list[Duplicate]]:
    """Pages (in scan order) without the later copies of a page image seen earlier, and those copies.

    Only written pages with a read anonymity number take part, both the same number: a blank page is
    not evidence of anything, and the pages of a printed document (no barcode) can differ by a digit."""
    kept: list[PageFacts] = []
    duplicates: list[Duplicate] = []
    earlier: dict[str | None, list[PageFacts]] = {}
    for page in facts:
        if page.error is None and not page.blank and page.fingerprint and page.number:
            same = [
                p
                for p in earlier.get(page.number, [])
                if is_same_image(p.fingerprint, page.fingerprint) and is_same_page(p, page)
            ]
            if same:
                duplicates.append(Duplicate(page.file, same[0].file, page.page, same[0].page))
                continue
            earlier.setdefault(page.number, []).append(page)
        kept.append(page)
    return kept, duplicates


def nothing_found(inputs: Sequence[Path], found: Inventory) -> str:
    """The one line that explains an input holding no page to work on."""
    given = ", ".join(PurePath(os.fspath(p)).as_posix() for p in inputs) or t("input.the_input")
    looked = len(found.skipped) + len(found.own_outputs) + len(found.problems) + len(found.duplicates)
    if not looked:
        return t("input.no_file", given=given)
    parts = []
    if found.skipped:
        parts.append(t("input.part_not_scan", n=len(found.skipped)))
    if found.own_outputs:
        parts.append(t("input.part_own", n=len(found.own_outputs)))
    if found.problems:
        parts.append(t("input.part_rejected", n=len(found.problems)))
    parts_said = ", ".join(parts) or t("input.part_duplicates")
    return t("input.nothing", given=given, n=looked, files=_files(looked), parts=parts_said)
