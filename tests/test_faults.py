"""Faults: an unreadable page is never blank, a resumed or killed run ends with a clean run's bytes, the
workers die with the run, and one run holds an output folder at a time."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from xml.etree import ElementTree

import pikepdf
import pytest

from tests.conftest import SAMPLES

ANONYMAT = [sys.executable, "-m", "anonymat"]  # the command as installed, from any checkout
FAST = ("--order", "scan", "--jobs", "2")  # grouping and resuming do not depend on the reading order
CLOCK = re.compile(rb"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:[+-]\d{2}:\d{2})?")


# these tests are about faults, not language: the command speaks English here (messages.choose_language)
ENV = {**{k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG"))}, "LC_ALL": "en_US.UTF-8"}


def run(*args: object, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*ANONYMAT, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=ENV,
    )


def outdir_digest(out: Path) -> dict[str, str]:
    """Every file anonymat leaves in OUTDIR, by relative path: its sha256 (the run's own dates, in
    batch.json and at the top of the report, left out, and OUTDIR's own path: outputs compared from two
    folders differ by nothing else)."""
    found = {}
    for path in sorted(out.rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        if path.suffix in (".json", ".html"):  # the report's commands name OUTDIR itself
            data = CLOCK.sub(b"<time>", data).replace(str(out).encode(), b"OUTDIR")
        found[str(path.relative_to(out))] = hashlib.sha256(data).hexdigest()
    return found


def group_left(pgid: int, wait_s: float = 10.0) -> list[str]:
    """The processes still alive in a process group after up to `wait_s` seconds."""
    deadline = time.monotonic() + wait_s
    while True:
        alive = subprocess.run(["pgrep", "-g", str(pgid)], capture_output=True, text=True).stdout.split()
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.1)


# --- an unreadable page is not a blank page -----------------------------------------------------------


def test_a_page_whose_image_is_empty_is_an_error_not_a_blank(tmp_path):
    source = pikepdf.open(SAMPLES / "scans" / "lot1.pdf")
    pdf = pikepdf.new()
    for page in source.pages[:3]:  # the first sheets of one copy
        pdf.pages.append(page)
    for xobject in pdf.pages[1].Resources.XObject.values():
        xobject.write(b"")  # the scanner wrote a 0-byte image stream
        if "/Filter" in xobject:
            del xobject["/Filter"]
    pdf.save(tmp_path / "lot.pdf")

    done = run("process", tmp_path / "lot.pdf", "-o", tmp_path / "out", "-q", "--order", "scan")
    assert done.returncode != 0
    (line,) = done.stderr.strip().splitlines()
    assert "page 2 of" in line and "lot.pdf" in line and "cannot be decoded" in line
    batch = json.loads((tmp_path / "out" / "batch.json").read_text())
    (entry,) = batch["copies"]
    manifest = json.loads((tmp_path / "out" / entry["manifest"]).read_text())
    assert manifest["dropped"] == []  # never counted as a blank page
    assert [p["source"]["page"] for p in manifest["pages"]] in ([0, 2], [2, 0])
    assert [u["source"]["page"] for u in batch["unassigned"]] == [1]
    assert manifest["status"] == "needs_review"
    assert any("lot.pdf page 2 cannot be read" in reason for reason in manifest["review_reasons"])


# --- resuming: group the whole batch, then skip what is done ------------------------------------------


@pytest.fixture(scope="module")
def stray_batch(six_copies, tmp_path_factory) -> tuple[Path, Path, float]:
    """The issue's reproduction: 6 copies, one page with a torn barcode left unassigned; its clean run, and
    how long that run took (in s)."""
    clean = tmp_path_factory.mktemp("stray") / "clean"
    began = time.monotonic()
    done = run("process", six_copies, "-o", clean, "-q", *FAST)
    length = time.monotonic() - began
    assert done.returncode == 1, done.stderr
    assert json.loads((clean / "batch.json").read_text())["unassigned"], "the seed no longer tears a barcode"
    return six_copies, clean, length


@pytest.mark.parametrize(
    "every", [pytest.param(False, id="some"), pytest.param(True, id="every", marks=pytest.mark.slow)]
)
def test_resume_after_any_copy_was_lost_gives_the_clean_run(stray_batch, tmp_path, every):
    scans, clean, _length = stray_batch
    expected = outdir_digest(clean)
    numbers = sorted(p.stem for p in clean.glob("*.pdf"))
    # the state a kill leaves: any subset of the copies done (a single copy left to do is the case where
    # the unassigned page used to be put into it, "its file holds only this copy")
    singles = [[n] for n in numbers] if every else [numbers[:1]]
    for missing in singles + [numbers[2:4], numbers[1:]]:
        out = tmp_path / "-".join(missing)
        shutil.copytree(clean, out)
        for number in missing:
            (out / f"{number}.pdf").unlink()
            (out / f"{number}.json").unlink()
        (out / "batch.json").unlink()
        done = run("process", scans, "-o", out, "-q", *FAST)
        assert done.returncode == 1, done.stderr
        assert outdir_digest(out) == expected, f"resumed without {missing}"


def test_a_finished_copy_that_would_gain_a_page_is_redone(stray_batch, tmp_path):
    """A copy is skipped only when the whole batch groups it exactly as before."""
    scans, clean, _length = stray_batch
    out = tmp_path / "out"
    shutil.copytree(clean, out)
    victim = next(out.glob("[0-9]*.json"))
    manifest = json.loads(victim.read_text())
    manifest["pages"] = manifest["pages"][:-1]  # as if a page had joined the batch since
    victim.write_text(json.dumps(manifest))
    done = run("process", scans, "-o", out, "-q", *FAST)
    assert done.returncode == 1, done.stderr
    assert outdir_digest(out) == outdir_digest(clean)


# --- kill -9 at any moment ----------------------------------------------------------------------------


def kill_and_resume(scans: Path, clean: Path, out: Path, after_s: float, whole_group: bool) -> None:
    cmd = [*ANONYMAT, "process", str(scans), "-o", str(out), "-q", *FAST]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True, env=ENV
    )
    time.sleep(after_s)
    if proc.poll() is None:
        if whole_group:
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            os.kill(proc.pid, signal.SIGKILL)  # the main process only: its workers must follow it
    proc.communicate(timeout=60)  # returns only once every holder of its stdout has gone
    assert group_left(proc.pid) == [], f"processes left after a kill at {after_s:.2f} s"
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=ENV)
    assert done.returncode == 1, done.stderr
    assert outdir_digest(out) == outdir_digest(clean), f"killed at {after_s:.2f} s, then resumed"


@pytest.mark.parametrize(
    "moments", [pytest.param(2, id="2-moments"), pytest.param(16, id="16", marks=pytest.mark.slow)]
)
def test_kill_9_at_any_moment_then_rerun_gives_the_clean_bytes(stray_batch, tmp_path, moments):
    scans, clean, length = stray_batch  # the clean run's length: the kills fall within a run's life
    for k in range(moments):
        after = length * (0.15 + 0.8 * k / max(1, moments - 1))  # from the page stage to the last copies
        kill_and_resume(scans, clean, tmp_path / f"k{k}", after, whole_group=k % 2 == 0)


# --- one run per output folder ------------------------------------------------------------------------


def test_a_second_run_on_the_same_outdir_stops_at_once(stray_batch, tmp_path):
    scans, _clean, _length = stray_batch
    out = tmp_path / "out"
    cmd = [*ANONYMAT, "process", str(scans), "-o", str(out), "--jobs", "1", "--order", "scan", "-q"]
    first = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    try:
        deadline = time.monotonic() + 30
        while not (out / ".anonymat.lock").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        began = time.monotonic()
        second = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=ENV)
        assert time.monotonic() - began < 15
        assert second.returncode == 2
        (line,) = second.stderr.strip().splitlines()
        assert "another anonymat run" in line and f"process {first.pid}" in line
    finally:
        first.send_signal(signal.SIGINT)  # the first run need not finish: stopped, it still frees the lock
        first.communicate(timeout=300)
    assert first.returncode in (1, 130)
    assert not (out / ".anonymat.lock").exists()


def test_the_lock_of_a_killed_run_is_taken_over_with_one_line(stray_batch, tmp_path):
    scans, clean, _length = stray_batch
    out = tmp_path / "out"
    cmd = [*ANONYMAT, "process", str(scans), "-o", str(out), "-q", *FAST]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, env=ENV
    )
    deadline = time.monotonic() + 30
    while not (out / ".anonymat.lock").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert (out / ".anonymat.lock").exists()
    done = run("process", scans, "-o", out, "-q", *FAST)
    assert done.returncode == 1
    (line,) = [line for line in done.stderr.splitlines() if "taking over" in line]
    assert line.startswith(
        f"anonymat: {out}: taking over from an earlier run that stopped (process {proc.pid} "
    )
    assert outdir_digest(out) == outdir_digest(clean)


def test_a_read_only_outdir_is_refused_before_any_work(stray_batch, tmp_path):
    scans, _clean, _length = stray_batch
    out = tmp_path / "ro"
    out.mkdir()
    out.chmod(0o555)
    try:
        if os.access(out, os.W_OK):
            pytest.skip("running as root: permissions do not stop writes")
        began = time.monotonic()
        done = run("process", scans, "-o", out, "-q")
        assert time.monotonic() - began < 10
        assert done.returncode == 2
        (line,) = done.stderr.strip().splitlines()
        assert str(out) in line and "cannot write" in line
    finally:
        out.chmod(0o755)


# --- anonymat evaluate: the regression check a centre runs ---------------------------------------------


def evaluate(out: Path, truth: dict, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess:
    path = tmp_path / "truth.json"
    path.write_text(json.dumps(truth))
    return run("evaluate", out, "--truth", path, *extra)


def test_evaluate_passes_a_good_run_and_writes_junit(samples_processed, tmp_path):
    out, truth, _code = samples_processed
    done = evaluate(out, truth, tmp_path, "--no-ocr", "--junit", tmp_path / "j.xml")
    assert done.returncode == 0, done.stdout
    assert done.stdout.strip().endswith("PASS")
    suite = ElementTree.parse(tmp_path / "j.xml").getroot()
    assert suite.get("tests") == str(len(truth["copies"])) and suite.get("failures") == "0"


def test_evaluate_fails_a_lost_page_and_a_wrong_order(samples_processed, tmp_path):
    out, truth, _code = samples_processed
    truth = json.loads(json.dumps(truth))
    first, second = truth["copies"][0], truth["copies"][1]
    first["order"].append({"file": first["order"][0]["file"], "page": 999})  # a page the run never wrote
    second["order"] = second["order"][::-1]
    done = evaluate(out, truth, tmp_path, "--no-ocr", "--junit", tmp_path / "j.xml")
    assert done.returncode == 1
    fails = [line for line in done.stdout.splitlines() if line.startswith("FAIL ")]
    assert any(first["number"] in line and "1 page(s) lost" in line and "page 1000" in line for line in fails)
    assert any(second["number"] in line and "not in reading order" in line for line in fails)
    suite = ElementTree.parse(tmp_path / "j.xml").getroot()
    assert suite.get("failures") == "2"


def test_evaluate_finds_a_legible_name_without_printing_it(samples_processed, tmp_path):
    """Put an unmasked scan back into an output PDF, as a masking failure would: evaluate must see it."""
    import cv2

    from anonymat import ingest
    from anonymat.page import decode

    out, truth, _code = samples_processed
    leaky = tmp_path / "out"
    shutil.copytree(out, leaky)
    # an upright page with the flap open: the name is written in the identity zone
    copy, page = next(
        (c, p) for c in truth["copies"] for p in c["pages"] if p["flap"] == "open" and p["rotation"] == 0
    )
    manifest = json.loads((leaky / f"{copy['number']}.json").read_text())
    position = next(
        i
        for i, e in enumerate(manifest["pages"])
        if (e["source"]["file"], e["source"]["page"]) == (page["file"], page["page"])
    )
    files, _ = ingest.discover([SAMPLES / page["file"]])
    ref = next(r for r in ingest.page_refs(files) if r.index == page["page"])
    gray = decode.load_page(ref).gray
    pdf_path = leaky / manifest["pdf"]
    with pikepdf.open(pdf_path, allow_overwriting_input=True) as pdf:
        (image,) = pdf.pages[position].get_images().values()
        image.write(cv2.imencode(".jpg", gray)[1].tobytes(), filter=pikepdf.Name.DCTDecode)
        image.Width, image.Height = gray.shape[1], gray.shape[0]
        image.ColorSpace, image.BitsPerComponent = pikepdf.Name.DeviceGray, 8
        pdf.save(pdf_path)
    # the leaky copy's truth only: evaluate reads (OCR) the pages of the copies it is given, not the others
    done = evaluate(leaky, {**truth, "copies": [copy]}, tmp_path)
    assert done.returncode == 1
    assert f"FAIL copy {copy['number']}: identity string legible on output page {position + 1}" in done.stdout
    shown = done.stdout.lower()
    assert copy["identity"]["nom"].lower() not in shown and copy["identity"]["candidat"] not in shown


def test_fix_waits_for_no_one_and_refuses_a_folder_in_use(stray_batch, tmp_path):
    """`fix` takes the same lock as `process`: it never rewrites a folder another run is writing."""
    from anonymat.run import lock

    _scans, clean, _length = stray_batch
    out = tmp_path / "out"
    shutil.copytree(clean, out)
    number = next(p.stem for p in out.glob("[0-9]*.json"))
    before = outdir_digest(out)
    with lock.hold(out):
        done = run("fix", out, number, "--resolved")
    assert done.returncode == 2
    assert "another anonymat run" in done.stderr and f"process {os.getpid()}" in done.stderr
    assert outdir_digest(out) == before
