"""French first: under a French locale, a real run with copies to review, a rejected file, a file cut
short and `verify` says nothing in English, on the terminal or in report.html."""

from __future__ import annotations

import html
import json
import re
import shutil
import string
import subprocess
import sys

import pytest

from anonymat import messages
from anonymat.messages import CATALOGUE, REASONS
from anonymat.reasons import Reason
from tests.conftest import SAMPLES
from tests.test_cli import env

MIN_MARKER = 25  # shorter English pieces ("copies", "page {n}") are shared with French or too common


def english_markers() -> list[str]:
    """Every piece of English text of the catalogue longer than MIN_MARKER, cut at its placeholders, that
    its French does not say too (a command, a file name)."""
    markers = set()
    for entry in CATALOGUE.values():
        english = entry["en"]
        for literal, *_field in string.Formatter().parse(english):
            for piece in re.split(r"[`'\"]", literal):
                piece = piece.strip(" :;,.()")
                if len(piece) > MIN_MARKER and piece not in entry["fr"]:
                    markers.add(piece)
    return sorted(markers)


def run(*args: object) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "anonymat", *map(str, args)],
        capture_output=True,
        text=True,
        env=env("fr_FR.UTF-8"),
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="module")
def french_run(tmp_path_factory):
    """The committed samples (`anonymat samples --copies 4 --seed 7`, tests/test_samples.py checks them) with
    one PDF cut short (its copy loses pages: review reasons), a file that only looks like a PDF
    (rejected), processed then verified, with the French locale."""
    root = tmp_path_factory.mktemp("french")
    scans = root / "corpus" / "scans"
    shutil.copytree(SAMPLES / "scans", scans)
    lot = scans / "lot1.pdf"
    data = lot.read_bytes()
    lot.write_bytes(data[: len(data) * 2 // 3])
    (scans / "notes.pdf").write_bytes(b"%PDF-1.4\nnot a scan\n")
    out = root / "out"
    process = run("process", scans, "-o", out, "-j", "2")
    verify = run("verify", out)
    return out, process, verify


def test_english_markers_are_many_and_long():
    markers = english_markers()
    assert len(markers) > 150
    assert "the file has disappeared since the batch started" in markers


def test_nothing_is_said_in_english_under_the_french_locale(french_run):
    out, process, verify = french_run
    assert process.returncode == 4, process.stderr  # a rejected input, the rest processed
    assert verify.returncode == 0, verify.stdout + verify.stderr
    batch = json.loads((out / "batch.json").read_text(encoding="utf-8"))
    manifests = [
        json.loads(p.read_text(encoding="utf-8")) for p in out.glob("*.json") if p.name != "batch.json"
    ]
    reasons = [r for m in manifests for r in m["review_reasons"]]
    # what the run must have met for the check to mean something
    assert reasons and batch["errors"] and batch["unassigned"], (reasons, batch["errors"])
    report = (out / "report.html").read_text(encoding="utf-8")
    shown = html.unescape(re.sub(r'title="[^"]*"', "", report))  # a reason's title keeps the manifest's words
    said = {
        "process stderr": process.stderr,
        "process stdout": process.stdout,
        "verify": verify.stdout + verify.stderr,
        "report.html": shown,
    }
    for where, text in said.items():
        leaks = [marker for marker in english_markers() if marker in text]
        assert not leaks, (where, leaks)
    assert "Traceback" not in process.stderr + verify.stderr


def test_every_review_reason_in_the_french_report_is_said_in_french(french_run):
    out, _process, _verify = french_run
    shown = html.unescape(re.sub(r'title="[^"]*"', "", (out / "report.html").read_text(encoding="utf-8")))
    manifests = [
        json.loads(p.read_text(encoding="utf-8")) for p in out.glob("*.json") if p.name != "batch.json"
    ]
    batch = json.loads((out / "batch.json").read_text(encoding="utf-8"))
    records = [Reason.from_json(r) for m in manifests for r in m["reasons"]]
    assert records and all(r.kind != "other" for r in records), records
    before = messages.language()
    messages.set_language("fr")
    try:
        for record in records:
            assert record.text not in shown, record.text  # said in French, never left raw on the page
            assert record.said() in shown, record.said()
    finally:
        messages.set_language(before)
    for reason in [u["reason"] for u in batch["unassigned"]]:
        rendered = any(pattern.search(reason) for pattern, _kind, _key in REASONS)
        # an unassigned page's own error is said in the run's language already (a French sentence)
        assert rendered or " de " in reason, reason
        if rendered:
            assert reason not in shown, reason  # said in French, never left raw on the page


def test_fix_refuses_a_bad_argument_in_french(french_run):
    out, _process, _verify = french_run
    manifest = next(
        json.loads(p.read_text(encoding="utf-8"))
        for p in sorted(out.glob("*.json"))
        if p.name != "batch.json"
    )
    number = manifest["anonymity_number"]
    every_page = ",".join(str(page.get("id", i)) for i, page in enumerate(manifest["pages"], start=1))
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    for args, french in [
        (["--move", "nonsense"], "--move : PAGE:NUMERO attendu, par exemple 2:1234567890, et non 'nonsense'"),
        (["--drop", every_page], f"--drop : il ne resterait aucune page dans la copie {number}"),
        (["--order", "x,y"], "--order : numéros de page attendus"),
    ]:
        done = run("fix", out, number, *args)
        assert done.returncode == 2, (args, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("anonymat: ") and french in lines[0], (args, lines)
        assert not [marker for marker in english_markers() if marker in done.stderr], (args, lines)
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before  # nothing written


def test_an_empty_roster_is_refused_in_french(french_run, tmp_path):
    out, _process, _verify = french_run
    roster = tmp_path / "candidats.csv"
    roster.write_bytes(b"")
    scans = out.parent / "corpus" / "scans"
    done = run("process", scans, "-o", tmp_path / "out", "--roster", roster)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "la liste des candidats est vide" in lines[0], lines
    assert str(roster) in lines[0] and not [m for m in english_markers() if m in done.stderr], lines
    assert not (tmp_path / "out" / "batch.json").exists()


@pytest.mark.parametrize(
    ("args", "french"),
    [
        (["process", "--bogus"], "Option inconnue : --bogus (options possibles :"),
        (["process"], "Argument manquant : 'SCANS...'"),
        (
            ["process", ".", "-o", "out", "-j", "deux"],
            "Valeur invalide pour '-j' / '--jobs' : un nombre entier",
        ),
    ],
    ids=["unknown-option", "missing-argument", "not-a-number"],
)
def test_the_command_lines_own_refusals_are_in_french(args, french, tmp_path):
    """What typer's parser refuses (an unknown option, a missing argument, a word for a number) is said in
    French under the French locale, and as the parser says it in English."""
    done = subprocess.run(
        [sys.executable, "-m", "anonymat", *args], capture_output=True, text=True, env=env("fr_FR.UTF-8"),
        cwd=tmp_path, timeout=60, check=False,
    )  # fmt: skip
    said = " ".join(done.stderr.replace("│", " ").split())
    assert done.returncode == 2 and french in said, done.stderr
    assert not re.search(r"No such option|Missing argument|Invalid value|Input should be", said), said
    english = subprocess.run(
        [sys.executable, "-m", "anonymat", "--lang", "en", *args], capture_output=True, text=True,
        env=env("fr_FR.UTF-8"), cwd=tmp_path, timeout=60, check=False,
    )  # fmt: skip
    assert english.returncode == 2 and re.search(
        r"No such option|Missing argument|Invalid value", english.stderr
    )
