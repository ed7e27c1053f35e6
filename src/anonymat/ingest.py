"""Files -> page references: what the inputs hold, recognised by their bytes, in scan order."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath

import pikepdf

from anonymat.decode import (
    Unusable,
    decodes_some_page,
    describe_error,
    oneline,
    open_image,
    qpdf_reason,
    quiet_decoders,
    set_pixel_limit,
)

SCAN_SUFFIXES = {".pdf", ".tif", ".tiff", ".jpg", ".jpeg", ".jpe", ".png"}
# Raster formats people may try; named so they get a Problem instead of silence.
UNSUPPORTED_SUFFIXES = {".heic", ".heif", ".webp", ".jp2", ".jpx", ".bmp", ".gif", ".djvu"}
_PDF_HEADER = re.compile(rb"%PDF-[12]\.\d")
KIND_NAMES = {"pdf": "PDF", "tiff": "TIFF", "jpeg": "JPEG", "png": "PNG"}


@dataclass(frozen=True)
class SourceFile:
    path: Path
    display: str
    sha256: str
    kind: str
    page_count: int


@dataclass(frozen=True)
class PageRef:
    """One page of one input file; small and picklable, it crosses process boundaries."""

    path: str
    file: str
    index: int
    sha256: str
    kind: str


@dataclass(frozen=True)
class Problem:
    file: str
    error: str


# ---------------------------------------------------------------------------------------------------------
# Discovery


def sniff_kind(path: Path) -> str | None:
    """The file's format from its first bytes, never from its name; None when unknown or unreadable."""
    try:
        return _kind_of(_head(path))
    except OSError:
        return None


def _head(path: Path) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(1024)


def _kind_of(head: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "tiff"
    if _PDF_HEADER.search(head):  # readers accept junk before the header, within the first 1 KiB
        return "pdf"
    return None


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key so that page_2 comes before page_10."""
    parts = re.split(r"(\d+)", text.casefold())
    return tuple((1, int(p)) if p.isdigit() else (0, p) for p in parts)


def discover(inputs: Sequence[Path]) -> tuple[list[SourceFile], list[Problem]]:
    """Walk the inputs; every usable file becomes a SourceFile, every unusable one a Problem."""
    set_pixel_limit()
    files: list[SourceFile] = []
    problems: list[Problem] = []
    seen: set[tuple[int, int]] = set()
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
        try:
            with quiet_decoders():
                source = _probe(path, display, explicit, st.st_size)
        except Unusable as exc:
            problems.append(Problem(display, str(exc)))
            continue
        except Exception as exc:  # one strange file never stops the batch
            problems.append(
                Problem(display, f"unreadable file ({describe_error(exc)}): check it opens, then rescan")
            )
            continue
        if source is not None:
            files.append(source)
    return files, problems


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
            problems.append(Problem(shown, "no such file or folder: check the path"))


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
        problems.append(Problem(where, f"cannot read folder: {oneline(exc.strerror or str(exc))}"))

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
            raise Unusable("not a regular file: give a PDF, TIFF, JPEG or PNG file")
        return None
    suffix = path.suffix.lower()
    if size == 0:
        if explicit or suffix in SCAN_SUFFIXES:
            raise Unusable("empty file (0 bytes): copy or export it again")
        return None
    try:
        kind = _kind_of(_head(path))
    except OSError as exc:
        raise Unusable(f"cannot read file: {oneline(exc.strerror or str(exc))}") from exc
    if kind is None:
        if suffix in SCAN_SUFFIXES:
            raise Unusable(
                f"named {suffix} but its content is not a PDF, TIFF, JPEG or PNG: export the scan again"
            )
        if suffix in UNSUPPORTED_SUFFIXES:
            raise Unusable(f"{suffix[1:].upper()} is not supported: convert it to PDF, TIFF, PNG or JPEG")
        if explicit:
            raise Unusable("not a PDF, TIFF, JPEG or PNG file (recognised by content): give a scanned copy")
        return None
    page_count = _count_pdf_pages(path) if kind == "pdf" else _count_raster_frames(path, kind)
    return SourceFile(path=path, display=display, sha256=_sha256_file(path), kind=kind, page_count=page_count)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _count_pdf_pages(path: Path) -> int:
    try:
        with pikepdf.open(path) as pdf:
            count = len(pdf.pages)
            if pdf.get_warnings():
                # qpdf repaired the file: accept it only if every page's streams can still be read,
                # and some page decodes (truncated: the page tree is rebuilt, the pages' data are gone)
                for page in pdf.pages:
                    _read_page_streams(page.obj)
                if count and not decodes_some_page(path, pdf):
                    raise Unusable(
                        f"the file is damaged (truncated?): none of its {count} pages can be read; "
                        "export or scan it again"
                    )
    except pikepdf.PasswordError as exc:
        raise Unusable(
            "encrypted PDF: remove the password first "
            "(qpdf --decrypt --password=... in.pdf out.pdf) and run again"
        ) from exc
    except (pikepdf.PdfError, pikepdf.DataDecodingError, pikepdf.ForeignObjectError) as exc:
        raise Unusable(f"damaged PDF ({qpdf_reason(exc, path)}): export or scan it again") from exc
    if count == 0:
        raise Unusable("PDF has no pages: export or scan it again")
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
        raise Unusable(
            f"unreadable {KIND_NAMES[kind]} ({describe_error(exc)}): export or scan it again"
        ) from exc
    if count < 1:
        raise Unusable(f"{KIND_NAMES[kind]} has no image: export or scan it again")
    return count


def page_refs(files: Sequence[SourceFile]) -> list[PageRef]:
    """Every page of every file, in scan order."""
    return [
        PageRef(path=str(f.path), file=f.display, index=i, sha256=f.sha256, kind=f.kind)
        for f in files
        for i in range(f.page_count)
    ]
