"""The command line as staff and their scripts meet it: the real `anonymat` in a subprocess, its help,
its language, its exit codes, its log, and what Ctrl-C and SIGTERM leave behind."""

from __future__ import annotations

import errno
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import pytest

from anonymat.manifest import schema

REPO = Path(__file__).resolve().parent.parent
_CORPORA: dict[tuple[int, int], Path] = {}


@pytest.fixture(autouse=True)
def french():
    """In-process runs speak French whatever the test machine's locale (subprocesses get LANG)."""
    from anonymat import messages

    before = messages.language()
    messages.set_language("fr")
    yield
    messages.set_language(before)


def env(lang: str = "fr_FR.UTF-8") -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG"))}
    e["LANG"] = lang
    e["PYTHONPATH"] = str(REPO / "src") + os.pathsep + e.get("PYTHONPATH", "")
    e["COLUMNS"] = "120"
    return e


def anonymat(*args: object, lang: str = "fr_FR.UTF-8", timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "anonymat", *map(str, args)],
        capture_output=True,
        text=True,
        env=env(lang),
        timeout=timeout,
        cwd=REPO,
    )


def corpus(tmp_path_factory, copies: int, seed: int) -> Path:
    """Generated scans, once per session and size."""
    if (copies, seed) not in _CORPORA:
        from anonymat.synth import make_corpus

        root = tmp_path_factory.mktemp(f"cli-corpus-{copies}")
        make_corpus(root, copies=copies, seed=seed)
        _CORPORA[(copies, seed)] = root / "scans"
    return _CORPORA[(copies, seed)]


def manifests(out: Path) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text()) for p in out.glob("*.json") if p.name != "batch.json"}


# --- help, version, language ------------------------------------------------------------------------


def test_help_is_written_for_people_in_french_by_default():
    done = anonymat("process", "-h", lang="C.UTF-8")
    assert done.returncode == 0, done.stderr
    text = done.stdout
    for python_ism in ("<bool>", "<list", "<path>", "<int>", "{inputs}", "[default: 0]"):
        assert python_ism not in text, python_ism
    assert "Utilisation : anonymat process" in text
    assert "Exemple : anonymat process scans/ -o copies/" in text
    assert "Codes de sortie" in text
    for code in ("0 tout est bon", "1 des copies sont à vérifier", "4 un fichier", "130 interrompu"):
        assert code in " ".join(text.split()), code
    assert "-j" in text and "auto" in text and "--log" in text


@pytest.mark.parametrize("how", ["LANG", "--lang"])
def test_english_with_an_english_locale_or_lang_en(how):
    args = ["--lang", "en", "process", "-h"] if how == "--lang" else ["process", "--help"]
    done = anonymat(*args, lang="en_GB.UTF-8" if how == "LANG" else "fr_FR.UTF-8")
    assert done.returncode == 0, done.stderr
    assert "Exit codes" in done.stdout and "Usage: anonymat process" in done.stdout
    assert "Codes de sortie" not in done.stdout


def test_doctor_speaks_french_by_default_and_english_with_lang_en():
    french, english = anonymat("doctor"), anonymat("--lang", "en", "doctor")
    assert french.returncode == english.returncode == 0, french.stdout + french.stderr
    assert "données françaises de tesseract (fra)" in french.stdout
    assert (
        "lecteur d'écriture manuscrite" in french.stdout and "tout ce dont anonymat a besoin" in french.stdout
    )
    for english_words in ("French data", "barcode reader", "PDF reading", "not found on PATH", "optional"):
        assert english_words not in french.stdout, english_words
    assert "tesseract French data (fra)" in english.stdout and "données" not in english.stdout


def test_evaluate_says_its_failures_in_french(samples_processed, tmp_path):
    out, truth, _code = samples_processed
    truth = json.loads(json.dumps(truth))
    first, second = truth["copies"][0], truth["copies"][1]
    first["order"].append({"file": first["order"][0]["file"], "page": 999})  # a page the run never wrote
    second["order"] = second["order"][::-1]
    (tmp_path / "truth.json").write_text(json.dumps(truth))
    done = anonymat("evaluate", out, "--truth", tmp_path / "truth.json", "--no-ocr")
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.strip().splitlines()
    assert lines[-1] == "ÉCHEC"
    fails = [line for line in lines if line.startswith("ÉCHEC copie ")]
    assert any(first["number"] in line and "1 page(s) perdue(s)" in line for line in fails), fails
    assert any(second["number"] in line and "hors de l'ordre de lecture" in line for line in fails), fails
    assert not any("FAIL" in line or "lost" in line for line in lines), lines


def test_version_and_short_help():
    from anonymat import __version__

    done = anonymat("--version")
    assert done.returncode == 0 and done.stdout.strip() == f"anonymat {__version__}"
    done = anonymat("-h")
    assert done.returncode == 0 and "process" in done.stdout and "--version" in done.stdout


def test_a_bad_command_line_is_exit_2_with_one_line(tmp_path):
    done = anonymat("process", tmp_path / "nowhere", "-o", tmp_path / "out")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"anonymat: {tmp_path / 'nowhere'} : aucun fichier ni dossier de ce nom : vérifiez le chemin"
    ]
    assert not (tmp_path / "out").exists()


# --- a run: exit codes, final line, log, batch.json --------------------------------------------------


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    """Two copies plus a file that is not a scan, -j 99 on a small machine, -v, --log, stderr a pipe."""
    scans = corpus(tmp_path_factory, 2, 21)
    mixed = tmp_path_factory.mktemp("mixed")
    for path in scans.iterdir():
        (mixed / path.name).write_bytes(path.read_bytes())
    (mixed / "broken.pdf").write_bytes(b"%PDF-1.4\nthis is not a scan\n")
    out = tmp_path_factory.mktemp("small") / "out"
    log = out.parent / "run.log"
    done = anonymat("process", mixed, "-o", out, "-j", "99", "-v", "--log", log, "--order", "scan")
    return mixed, out, log, done


def test_a_rejected_input_is_its_own_exit_code_and_the_batch_goes_on(small_run):
    _mixed, out, _log, done = small_run
    assert done.returncode == 4, done.stderr
    lines = done.stderr.splitlines()
    assert [line for line in lines if "broken.pdf" in line] == [
        line for line in lines if line.startswith("anonymat: ") and "broken.pdf" in line
    ]
    assert len([line for line in lines if "broken.pdf" in line]) == 1
    assert len(manifests(out)) == 2  # the good copies were written


def test_jobs_are_capped_at_the_cores_with_one_line(small_run):
    cores = len(os.sched_getaffinity(0))
    *_, done = small_run
    assert f"anonymat: --jobs 99 ramené à {cores} : cette machine a {cores} cœur(s)" in done.stderr
    batch = json.loads((small_run[1] / "batch.json").read_text())
    assert batch["run"]["jobs"] == cores


def test_the_final_line_names_the_report_and_the_copies_to_check(small_run):
    _mixed, out, _log, done = small_run
    last = done.stderr.strip().splitlines()[-1]
    review = sorted(n for n, m in manifests(out).items() if m["status"] != "ok")
    if review:
        assert last == f"anonymat: rapport : {out / 'report.html'} ; copies à vérifier : {', '.join(review)}"
    else:
        assert last == f"anonymat: rapport : {out / 'report.html'}"


def test_one_line_per_copy_on_stderr_and_in_the_log(small_run):
    _mixed, out, log, done = small_run
    numbers = sorted(manifests(out))
    copy_lines = [line for line in done.stderr.splitlines() if line.startswith("anonymat: copie ")]
    assert sorted(re.findall(r"copie (\d+) :", "\n".join(copy_lines))) == numbers
    logged = log.read_text(encoding="utf-8").splitlines()
    assert all(re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d ", line) for line in logged)
    assert sorted(re.findall(r"copie (\d+) :", "\n".join(logged))) == numbers
    assert any("broken.pdf" in line for line in logged)
    assert any(f"rapport : {out / 'report.html'}" in line for line in logged)


def test_batch_json_records_the_run_and_the_review_reasons(small_run):
    from anonymat import __version__

    mixed, out, _log, _done = small_run
    batch = json.loads((out / "batch.json").read_text())
    jsonschema.validate(batch, schema("batch"))
    assert batch["schema_version"] == 3 and batch["complete"] is True
    run = batch["run"]
    assert run["anonymat_version"] == __version__ and run["inputs"] == [str(mixed)]
    assert run["settings"]["order"] == "scan" and run["interrupted"] is None
    assert re.match(r"\d{4}-\d\d-\d\dT", run["started"]) and run["finished"] >= run["started"]
    found = manifests(out)
    for c in batch["copies"]:
        assert c["review_reasons"] == found[c["anonymity_number"]]["review_reasons"]
        assert c["reasons"] == found[c["anonymity_number"]]["reasons"]
        assert c["pages"] == len(found[c["anonymity_number"]]["pages"])


def test_fix_keeps_batch_json_reasons_in_step(small_run, tmp_path):
    import shutil

    from typer.testing import CliRunner

    from anonymat.cli import app

    _mixed, out, _log, _done = small_run
    work = tmp_path / "out"
    shutil.copytree(out, work)
    number, manifest = next((n, m) for n, m in sorted(manifests(work).items()) if len(m["pages"]) > 1)
    reverse = ",".join(str(i) for i in range(len(manifest["pages"]), 0, -1))
    result = CliRunner().invoke(app, ["fix", str(work), number, "--order", reverse, "--resolved"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == f"corrigé : {number} ; rapport : {work / 'report.html'}"
    entry = next(
        c for c in json.loads((work / "batch.json").read_text())["copies"] if c["anonymity_number"] == number
    )
    fixed = manifests(work)[number]
    assert (
        entry["status"] == fixed["status"] == "ok"
        and entry["review_reasons"] == fixed["review_reasons"] == []
    )
    assert entry["pages"] == len(fixed["pages"])
    jsonschema.validate(json.loads((work / "batch.json").read_text()), schema("batch"))


def test_final_lines_in_english_with_lang_en(tmp_path_factory, tmp_path):
    scans = corpus(tmp_path_factory, 2, 21)
    done = anonymat(
        "process", scans, "-o", tmp_path / "out", "-j", "1", "--order", "scan", lang="en_US.UTF-8"
    )
    assert done.returncode in (0, 1), done.stderr
    assert re.search(r"^anonymat: 2 copies \(\d to review\)", done.stderr, re.M)
    assert "anonymat: report: " in done.stderr


def test_internal_error_and_disk_full_have_their_own_codes(monkeypatch, tmp_path_factory, tmp_path):
    from typer.testing import CliRunner

    from anonymat import api
    from anonymat.cli import app

    scans = corpus(tmp_path_factory, 2, 21)

    def bug(options):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(api, "process_batch", bug)
    result = CliRunner().invoke(app, ["process", str(scans), "-o", str(tmp_path / "a")])
    assert result.exit_code == 70 and "ZeroDivisionError" in result.output
    assert "-v" in result.output and result.output.count("\n") == 1

    def full(options):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "b" / "x.pdf"))

    monkeypatch.setattr(api, "process_batch", full)
    result = CliRunner().invoke(app, ["process", str(scans), "-o", str(tmp_path / "b")])
    assert result.exit_code == 5 and "relancez la même commande" in result.output


def test_a_full_disk_stops_the_batch_with_its_own_code(monkeypatch, tmp_path_factory, tmp_path):
    """The first copy that cannot be written for want of space stops the batch: exit 5, one line saying
    to free space and run the same command again (not one error per copy, not exit 1)."""
    from typer.testing import CliRunner

    from anonymat.cli import app
    from anonymat.pdf import output

    scans = corpus(tmp_path_factory, 2, 21)

    def full_disk(pages, path, **kwargs):
        with output.atomic_path(path):
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(output, "write_copy_pdf", full_disk)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["process", str(scans), "-o", str(out), "-j", "1", "--order", "scan", "-q"]
    )
    assert result.exit_code == 5, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "le disque est plein" in lines[0] and "relancez la même commande" in lines[0]
    assert not list(out.glob("*.pdf")) and not list(out.glob("*.tmp"))


# --- Ctrl-C and SIGTERM ---------------------------------------------------------------------------


RUN = ("-j", "2", "--order", "scan")  # the interrupted run's settings, and its rerun's


def _interrupt(scans: Path, out: Path, sig: signal.Signals, group: bool) -> tuple[int, str]:
    """Start a run, wait for its first analysed page, then send `sig` (to the whole process group, as
    Ctrl-C in a terminal does, or to anonymat alone, as `kill` does). The page stage lasts seconds; the
    writing stage of 6 copies can be over in less time than the signal takes to land (a flaky test on an
    idle machine), and a kill during writing is tests/test_faults.py's job. --order scan: the interruption
    is under test here, not the reading order."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "anonymat", "process", str(scans), "-o", str(out), *RUN],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env(),
        start_new_session=True,
        # as in a terminal: a job started in the background by a script inherits SIGINT ignored, and a
        # process that starts with SIGINT ignored keeps ignoring it (the Unix convention Python follows)
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and proc.poll() is None:
            if any((out / ".anonymat-pages").glob("*.jpg")):  # pagecache.FOLDER
                break
            time.sleep(0.01)
        assert proc.poll() is None, "the run ended before it could be interrupted"
        if group:
            os.killpg(proc.pid, sig)
        else:
            proc.send_signal(sig)
        _stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return proc.returncode, stderr


@pytest.mark.parametrize(
    ("sig", "group"),
    [(signal.SIGINT, True), pytest.param(signal.SIGTERM, False, marks=pytest.mark.slow)],
    ids=["ctrl-c", "sigterm"],
)
def test_an_interrupted_run_writes_batch_json_and_the_report_then_rerun_finishes(
    six_copies, tmp_path, sig, group
):
    scans = six_copies  # tests/test_faults.py's 6 copies, generated once
    out = tmp_path / "out"
    code, stderr = _interrupt(scans, out, sig, group)
    assert code == 130, stderr
    assert "Traceback" not in stderr, stderr
    batch = json.loads((out / "batch.json").read_text())
    jsonschema.validate(batch, schema("batch"))
    assert batch["complete"] is False and batch["run"]["interrupted"] == sig.name
    on_disk = manifests(out)
    assert sorted(c["anonymity_number"] for c in batch["copies"]) == sorted(on_disk)
    last = stderr.strip().splitlines()[-1]
    assert last == (
        f"anonymat: interrompu : {len(on_disk)} copie(s) écrite(s) dans {out} ; "
        "relancez la même commande pour finir (les copies faites sont gardées)"
    )
    html = (out / "report.html").read_text(encoding="utf-8")
    assert 'id="incomplete"' in html

    rerun = anonymat("process", scans, "-o", out, *RUN)
    assert rerun.returncode in (0, 1), rerun.stderr
    batch = json.loads((out / "batch.json").read_text())
    assert batch["complete"] is True and len(batch["copies"]) == 6
    assert 'id="incomplete"' not in (out / "report.html").read_text(encoding="utf-8")


# --- the hot folder -----------------------------------------------------------------------------------


def _wait_for(check, timeout: float, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        assert proc.poll() is None, proc.communicate()[1]
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_watch_processes_files_as_they_arrive_and_stops_on_sigterm(tmp_path_factory, tmp_path):
    """Files dropped while `anonymat watch` runs: one written slowly (taken only once complete), a second
    lot later, a file that is not a scan (reported once, the watch goes on); SIGTERM stops it cleanly."""
    lots = []
    for seed in (21, 32):  # 21: small_run's corpus, made once
        scans = corpus(tmp_path_factory, 2, seed)
        truth = json.loads((scans.parent / "truth.json").read_text(encoding="utf-8"))
        lots.append((scans, {c["number"] for c in truth["copies"]}))
    indir, out, log = tmp_path / "scanner", tmp_path / "copies", tmp_path / "journal.txt"
    indir.mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-m", "anonymat", "watch", str(indir), "-o", str(out), "-j", "2", "--order", "scan",
         "--interval", "0.3", "--settle", "1.5", "--log", str(log)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env(), start_new_session=True,
    )  # fmt: skip
    try:
        scans, numbers = lots[0]
        for path in sorted(scans.iterdir()):  # written slowly, in pieces, as a scanner on a share does
            data = path.read_bytes()
            with (indir / f"a_{path.name}").open("wb") as f:
                for k in range(4):
                    f.write(data[k * len(data) // 4 : (k + 1) * len(data) // 4])
                    f.flush()
                    time.sleep(0.4)
        _wait_for(lambda: numbers <= set(manifests(out)), 240, proc)
        scans2, numbers2 = lots[1]
        (indir / "notes.pdf").write_bytes(b"%PDF-1.4\nnot a scan\n")
        for path in sorted(scans2.iterdir()):
            (indir / f"b_{path.name}").write_bytes(path.read_bytes())
        _wait_for(lambda: (numbers | numbers2) <= set(manifests(out)), 240, proc)
        time.sleep(1.5)  # a few more looks at the folder (every 0.3 s): nothing is done again
        proc.send_signal(signal.SIGTERM)
        _stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 0, stderr
    assert "Traceback" not in stderr, stderr
    assert re.match(
        r"anonymat: surveillance arrêtée après \d+ traitement\(s\) ; rapport : ",
        stderr.strip().splitlines()[-1],
    )
    batch = json.loads((out / "batch.json").read_text())
    assert {c["anonymity_number"] for c in batch["copies"]} == numbers | numbers2
    assert batch["complete"] is True
    errors = [e["file"] for e in batch["errors"]]
    assert errors == [str(indir / "notes.pdf")]  # the partial files were never read, the bad one once
    assert len([line for line in stderr.splitlines() if "notes.pdf" in line and "nouveaux" not in line]) == 1
    taken = [
        line for line in log.read_text(encoding="utf-8").splitlines() if "nouveaux fichiers prêts" in line
    ]
    for name in sorted(p.name for p in indir.iterdir()):  # each file was taken once, complete
        assert len([line for line in taken if re.search(rf"[ ,]{re.escape(name)}(,|$)", line)]) == 1, (
            name,
            taken,
        )


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return ""


def test_a_watch_holds_its_output_folder_for_its_whole_life(tmp_path_factory, tmp_path):
    """While `anonymat watch` runs, even between batches, a `process`, a `fix` and a second watch on its
    OUTDIR stop at once (exit 2) with one line saying a watch holds it; its own batches still run."""
    from anonymat.synth import make_corpus

    root = tmp_path_factory.mktemp("watch-lock")
    truth = make_corpus(root, copies=1, seed=33)
    number = truth["copies"][0]["number"]
    indir, out = tmp_path / "scanner", tmp_path / "copies"
    indir.mkdir()
    watch = [sys.executable, "-m", "anonymat", "watch", indir, "-o", out, "-j", "1", "--order", "scan",
             "--interval", "0.2", "--settle", "0.5"]  # fmt: skip
    proc = subprocess.Popen(
        list(map(str, watch)), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env(),
        start_new_session=True,
    )  # fmt: skip
    try:
        _wait_for(lambda: (out / ".anonymat.lock").exists(), 60, proc)
        for others in (
            ["process", indir, "-o", out],
            ["fix", out, number, "--resolved"],
            watch[3:],
            ["--lang", "en", "process", indir, "-o", out],
        ):
            began = time.monotonic()
            done = anonymat(*others, timeout=60)
            assert time.monotonic() - began < 20
            assert done.returncode == 2, (others, done.stderr)
            (line,) = done.stderr.strip().splitlines()
            if "en" in others:
                assert f"an `anonymat watch` is using this output folder (process {proc.pid} " in line, line
            else:
                assert (
                    f"une surveillance `anonymat watch` utilise ce dossier de sortie (processus {proc.pid} "
                    in line
                )
                assert "arrêtez-la" in line
        for path in (root / "scans").iterdir():  # its own batch takes the lock it holds
            (indir / path.name).write_bytes(path.read_bytes())
        _wait_for(lambda: number in manifests(out) and number in _text(out / "batch.json"), 240, proc)
        time.sleep(1.0)  # the batch ends (report.html); the watch looks at its folder again
        assert (out / ".anonymat.lock").exists()  # held between batches too
        proc.send_signal(signal.SIGTERM)
        _stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 0, stderr
    assert not (out / ".anonymat.lock").exists()
    assert anonymat("fix", out, number, "--resolved").returncode == 0  # free once the watch is gone
