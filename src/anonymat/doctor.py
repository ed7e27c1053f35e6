"""Probes for everything anonymat needs, with the exact command that installs what is missing."""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from anonymat import tools
from anonymat.messages import t

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
    version = getattr(mod, "__version__", "") or t("doctor.present")
    return Check(name, True, str(version), fix)


def _handwriting_reader() -> Check:
    """The reader of handwritten lines for reading order: rapidocr and its bundled model file."""
    import os
    from importlib.metadata import version

    from anonymat.text import handwriting

    title = t("doctor.handwriting")
    if os.environ.get("ANONYMAT_READER", "").strip().lower() == "tesseract":
        return Check(title, True, t("doctor.reader_tesseract"), "make setup")
    model = handwriting.rapid_model_path()
    if model is None:
        return Check(title, False, t("doctor.no_rapidocr"), "make setup")
    if not model.is_file():
        return Check(title, False, t("doctor.no_model", path=model), "make setup (reinstall rapidocr)")
    try:
        import onnxruntime
    except ImportError as exc:
        return Check(title, False, f"onnxruntime: {exc}", "make setup")
    detail = f"rapidocr {version('rapidocr')}, onnxruntime {onnxruntime.__version__}, {model.name}"
    return Check(title, True, detail, "make setup")


def _word_pairs() -> Check:
    """The table of French word pairs that reading order weighs at a mid-sentence page join."""
    from anonymat.text import bigrams

    title = t("doctor.word_pairs")
    try:
        words, pairs = bigrams.size()
    except OSError as exc:
        return Check(title, False, str(exc), "make setup (reinstall anonymat)")
    return Check(title, True, t("doctor.word_pairs_count", words=words, pairs=pairs), "make setup")


def run_checks() -> list[Check]:
    checks: list[Check] = []
    version = tools.program_version("tesseract")
    checks.append(
        Check(
            t("doctor.tesseract"),
            version is not None,
            t("doctor.version", version=version) if version else t("doctor.not_on_path"),
            f"{APT} tesseract-ocr",
        )
    )
    folder = tools.tessdata_dir()
    checks.append(
        Check(
            t("doctor.tesseract_fra"),
            tools.has_language("fra"),
            str(folder / "fra.traineddata") if folder else t("doctor.no_tessdata"),
            f"{APT} tesseract-ocr-fra",
        )
    )
    checks.append(_python_module("tesserocr", t("doctor.tesserocr"), "make setup"))
    checks.append(_handwriting_reader())
    checks.append(_word_pairs())
    checks.append(_python_module("zxingcpp", t("doctor.zxing"), "make setup"))
    checks.append(_python_module("pyzbar.pyzbar", t("doctor.zbar"), f"{APT} libzbar0"))
    checks.append(_python_module("pikepdf", t("doctor.pikepdf"), "make setup"))
    checks.append(_python_module("pypdfium2", t("doctor.pypdfium2"), "make setup"))
    pdftoppm = tools.program_version("pdftoppm")
    checks.append(
        Check(
            t("doctor.pdftoppm"),
            pdftoppm is not None,
            t("doctor.version", version=pdftoppm) if pdftoppm else t("doctor.not_on_path"),
            f"{APT} poppler-utils",
            required=False,
        )
    )
    return checks


def missing_required(checks: list[Check]) -> list[Check]:
    return [c for c in checks if c.required and not c.ok]
