"""Probes for everything anonymat needs, with the exact command that installs what is missing."""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from anonymat import tools

APT = "sudo apt-get install -y --no-install-recommends"


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str
    required: bool = True


def _python_module(module: str, name: str, fix: str) -> Check:
    try:
        mod = importlib.import_module(module)
    except ImportError as exc:  # pyzbar raises ImportError when libzbar is missing
        return Check(name, False, str(exc).splitlines()[0], fix)
    version = getattr(mod, "__version__", "") or "present"
    return Check(name, True, str(version), fix)


def _handwriting_reader() -> Check:
    """The reader of handwritten lines for reading order: rapidocr and its bundled model file."""
    import os
    from importlib.metadata import version

    from anonymat import handwriting

    title = "handwriting reader (rapidocr, for reading order)"
    if os.environ.get("ANONYMAT_READER", "").strip().lower() == "tesseract":
        return Check(title, True, "tesseract chosen (ANONYMAT_READER=tesseract)", "make setup")
    model = handwriting.rapid_model_path()
    if model is None:
        return Check(title, False, "rapidocr is not installed", "make setup")
    if not model.is_file():
        return Check(title, False, f"model file missing: {model}", "make setup (reinstall rapidocr)")
    try:
        import onnxruntime
    except ImportError as exc:
        return Check(title, False, f"onnxruntime: {exc}", "make setup")
    detail = f"rapidocr {version('rapidocr')}, onnxruntime {onnxruntime.__version__}, {model.name}"
    return Check(title, True, detail, "make setup")


def run_checks() -> list[Check]:
    checks: list[Check] = []
    version = tools.program_version("tesseract")
    checks.append(
        Check(
            "tesseract",
            version is not None,
            f"version {version}" if version else "not found on PATH",
            f"{APT} tesseract-ocr",
        )
    )
    folder = tools.tessdata_dir()
    checks.append(
        Check(
            "tesseract French data (fra)",
            tools.has_language("fra"),
            str(folder / "fra.traineddata") if folder else "no tessdata folder found",
            f"{APT} tesseract-ocr-fra",
        )
    )
    checks.append(_python_module("tesserocr", "tesserocr (in-process OCR)", "make setup"))
    checks.append(_handwriting_reader())
    checks.append(_python_module("zxingcpp", "zxing-cpp (barcode reader)", "make setup"))
    checks.append(_python_module("pyzbar.pyzbar", "libzbar (second barcode reader)", f"{APT} libzbar0"))
    checks.append(_python_module("pikepdf", "pikepdf (PDF reading and writing)", "make setup"))
    checks.append(_python_module("pypdfium2", "pypdfium2 (PDF page rendering)", "make setup"))
    pdftoppm = tools.program_version("pdftoppm")
    checks.append(
        Check(
            "pdftoppm (optional: pdf2image comparison in make bench)",
            pdftoppm is not None,
            f"version {pdftoppm}" if pdftoppm else "not found on PATH",
            f"{APT} poppler-utils",
            required=False,
        )
    )
    return checks


def missing_required(checks: list[Check]) -> list[Check]:
    return [c for c in checks if c.required and not c.ok]
