"""--roster: names of candidates written in the body of a copy (signes distinctifs)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from anonymat import ingest
from anonymat.errors import UsageError
from anonymat.model import PageRef
from anonymat.page import decode
from anonymat.page.template import load_template
from anonymat.review import roster
from anonymat.run import pipeline
from tests.conftest import fold, run_process
from tests.support.fake_ocr import FakeOcr

FONT = "/usr/share/fonts/opentype/comic-neue/ComicNeue-Regular.otf"
INSERTED = "Kerbrat"  # written in full on the page
GARBLED = ("Garnot", "Garmot")  # (roster name, what is written: one letter changed)
ABSENT = ["Quemeneur", "Abgrall", "Tanguy", "Lozach", "Riou", "Le Bihan", "Cadiou", "Jaouen"]


# --- the CSV file ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "sep"),
    [
        ("nom;prenom", ";"),
        ("NOM;PRÉNOM", ";"),
        ("Nom,Prénoms", ","),
        ("last_name,first_name", ","),
        ("Surname;Given_Name", ";"),
        ("numero\tnom\tprenom", "\t"),
    ],
)
def test_roster_columns_and_delimiters(tmp_path, header, sep):
    cols = header.split(sep)
    rows = (
        [["12", "Quéméneur", "Anaïs"], ["13", "Abgrall", "Loïc"]]
        if len(cols) == 3
        else [
            ["Quéméneur", "Anaïs"],
            ["Abgrall", "Loïc"],
        ]
    )
    text = header + "\n" + "\n".join(sep.join(r) for r in rows) + "\n"
    path = tmp_path / "r.csv"
    path.write_text(text, encoding="utf-8")
    r = roster.load_roster(path)
    assert {"quemeneur", "abgrall", "anais", "loic"} <= set(r.parts)
    assert "12" not in r.parts
    assert "Quéméneur" not in repr(r) and "quemeneur" not in repr(r)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_roster_encodings(tmp_path, encoding):
    path = tmp_path / "r.csv"
    path.write_bytes("prénom;nom\nHélène;Lefèvre\nNoël;Cœurdevey\n".encode(encoding, errors="replace"))
    r = roster.load_roster(path)
    assert {"helene", "lefevre"} <= set(r.parts)


def test_roster_full_name_column(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("name\nAnaïs Quéméneur\nLoïc Le Bihan\n", encoding="utf-8")
    assert {"anais", "quemeneur", "loic", "bihan"} <= set(roster.load_roster(path).parts)


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "est vide"),
        (b"Quemeneur;Anais\nAbgrall;Loic\n", "aucune colonne de noms"),  # no header row
        (b"nom;prenom\n", "aucun nom"),
        (b"nom;prenom\nLe;Yu\n", "trop courts"),
    ],
)
@pytest.mark.usefixtures("french")
def test_roster_unusable_is_a_one_line_usage_error(tmp_path, content, words):
    path = tmp_path / "r.csv"
    path.write_bytes(content)
    with pytest.raises(UsageError) as info:
        roster.load_roster(path)
    message = str(info.value)
    assert words in message and str(path) in message and "\n" not in message
    assert "Quemeneur" not in message and "Abgrall" not in message  # the first row is never echoed


@pytest.mark.usefixtures("french")
def test_roster_missing_or_folder(tmp_path):
    with pytest.raises(UsageError, match="impossible de lire la liste des candidats"):
        roster.load_roster(tmp_path / "nope.csv")
    with pytest.raises(UsageError, match="pas un dossier"):
        roster.load_roster(tmp_path)


# --- matching rules -------------------------------------------------------------------------------


def test_matching_rules():
    r = roster.build_roster(["DURAND Anaïs", "Le Gall", "Martin", "Jean-Pierre", "France", "Ng", "Bertrand"])
    assert "le" not in r.parts and "ng" not in r.parts  # under 3 letters
    assert "france" not in r.parts  # too common a word
    lines = [
        "selon Anais il faut",  # 0: exact, accents and case folded
        "le rapport Durant est clair.",  # 1: near Durand but a real word
        "vu par Duramd hier",  # 2: one OCR error in a 6-letter rare name
        "la gal est",  # 3: 3-letter part exact only: "gal" is not "gall"
        "selon Martin la mairie",  # 4: common-word name, capitalised mid-sentence
        "Martin est venu",  # 5: after a line that does not end a sentence: still mid-sentence
        "Fin. Martin arrive",  # 6: sentence start: not flagged
        "le petit martin",  # 7: lower case: a word, not a name
        "en France comme ailleurs",  # 8: ignored part
        "grâce au GALL",  # 9
        "vu Bertrard",  # 10: one OCR error on a capitalised common-tier name
    ]
    assert roster.find_names(lines, r) == [0, 2, 4, 5, 9, 10]


def test_review_reasons_never_name_anyone():
    class Page:
        roster_hits = ((14, 187.2),)

        def label(self):
            return "scans/lot.pdf page 5"

    class Unread(Page):
        roster_hits = None

    reasons = [r.text for r in roster.review_reasons([Unread(), Page()])]
    assert reasons[0].startswith("page 1 (scans/lot.pdf page 5)") and "could not be read" in reasons[0]
    assert "page 2" in reasons[1] and "line 14" in reasons[1] and "187 mm" in reasons[1]


# --- a page read by a scripted OCR (tests/support/fake_ocr.py): the logic behind the reading ----------

PAGE_DPI = 200.0
PAGE_MM = PAGE_DPI / 25.4
WRITING_BOX = (int(20 * PAGE_MM), int(105 * PAGE_MM), int(200 * PAGE_MM), int(285 * PAGE_MM))
FIRST_LINE_MM, PITCH_MM = 120.0, 10.0  # baselines of the written lines


def _written_page(lines: int) -> np.ndarray:
    """A white A4 page at 200 dpi with `lines` written lines in its writing area (what is written does not
    matter: the fake OCR says what is read)."""
    from PIL import Image, ImageDraw, ImageFont

    pil = Image.new("L", (int(210 * PAGE_MM), int(297 * PAGE_MM)), 235)
    draw = ImageDraw.Draw(pil)
    font = ImageFont.truetype(FONT, int(4.5 * PAGE_MM))
    for k in range(lines):
        y = (FIRST_LINE_MM + PITCH_MM * k) * PAGE_MM
        draw.text((int(30 * PAGE_MM), int(y)), "le candidat écrit sa ligne", font=font, fill=40, anchor="ls")
    return np.asarray(pil)


def _scan(read: list[str], names: list[str]) -> tuple[roster.Hit, ...]:
    """scan_page over a page of len(read) written lines, the k-th read by the OCR as read[k]."""
    fake = FakeOcr(lines=read)
    hits = roster.scan_page(
        _written_page(len(read)), WRITING_BOX, PAGE_DPI, roster.build_roster(names), engine=fake
    )
    assert [name for name, _image in fake.seen] == ["ocr_lines"]  # one call over a mosaic of the lines
    return hits


FILLER = ["Le sujet porte sur la gestion", "des services de la commune", "dans un cadre budgétaire",
          "contraint par la loi", "et les usages locaux"]  # fmt: skip


@pytest.mark.parametrize("line", [1, 3, 5])
def test_fake_ocr_a_roster_name_in_the_body_is_reported_at_its_line(line):
    read = list(FILLER)
    read[line - 1] = "comme le disait monsieur Kerbrat hier"
    hits = _scan(read, ["Kerbrat Yannig", *ABSENT])
    assert len(hits) == 1, hits
    number, y_mm = hits[0]
    assert number == line
    assert abs(y_mm - (FIRST_LINE_MM + PITCH_MM * (line - 1) - 2)) <= 2  # the line's middle, on the page
    reasons = roster.review_reasons([type("P", (), {"roster_hits": hits, "label": lambda self: "p.pdf"})()])
    assert len(reasons) == 1 and f"line {line}" in reasons[0].text
    assert "kerbrat" not in fold(reasons[0].text) and "yannig" not in fold(reasons[0].text)


def test_fake_ocr_a_page_without_a_roster_name_is_clean():
    assert _scan(list(FILLER), ["Kerbrat", *ABSENT]) == ()
    assert _scan(["", "", ""], ["Kerbrat"]) == ()  # nothing legible: nothing reported


@pytest.mark.parametrize(
    ("read", "flagged"),
    [
        ("il est petit martin et sage", False),  # "martin", a French word, in lower case: a word
        ("Martin arrive le premier", False),  # first on the page: the capital is the sentence's
        ("selon Martin la mairie", True),  # the same word capitalised in mid-sentence: a name
        ("il a plu durant la nuit", False),  # "durant": a French word one letter from Durand
        ("selon Durand la mairie", True),  # Durand, a rare name, whatever its place
    ],
)
def test_fake_ocr_a_common_word_that_is_a_surname_is_not_a_name(read, flagged):
    hits = _scan([read, *FILLER[:2]], ["Martin Paul", "Durand Anne"])
    assert [line for line, _y in hits] == ([1] if flagged else [])


@pytest.mark.parametrize(
    ("read", "flagged"),
    [
        ("vu par Kerbrst hier", True),  # one letter misread
        ("vu par Kerbat hier", True),  # one letter lost
        ("vu par Kerbrait hier", True),  # one letter added
        ("vu par Kerbzzt hier", False),  # two edits: another word
        ("vu par Rion hier", False),  # under 5 letters a name matches exactly: Riou is not Rion
        ("vu par Riou hier", True),
    ],
)
def test_fake_ocr_noise_within_one_edit_still_matches(read, flagged):
    hits = _scan([*FILLER[:2], read], ["Kerbrat", "Riou"])
    assert [line for line, _y in hits] == ([3] if flagged else [])


# --- pages ----------------------------------------------------------------------------------------


def _write_lines(gray: np.ndarray, dpi: float, lines: list[tuple[float, str]]) -> np.ndarray:
    """Write `text` on the ruled line at y mm (erasing what was there), in a handwriting-like font."""
    from PIL import Image, ImageDraw, ImageFont

    mm = dpi / 25.4
    paper = int(np.median(gray))
    font = ImageFont.truetype(FONT, int(4.5 * mm))
    pil = Image.fromarray(gray)
    draw = ImageDraw.Draw(pil)
    for y, text in lines:
        draw.rectangle([int(30 * mm), int((y - 7) * mm), int(196 * mm), int((y + 1.5) * mm)], fill=paper)
        draw.line(
            [int(12 * mm), int(y * mm), int(198 * mm), int(y * mm)], fill=200, width=max(1, int(0.2 * mm))
        )
        draw.text((int(34 * mm), int((y - 0.8) * mm)), text, font=font, fill=40, anchor="ls")
    return np.asarray(pil)


def _upright_page(corpus) -> tuple[np.ndarray, float, dict]:
    """A written page of the corpus scanned upright (rotation 0), and its copy's truth."""
    root, truth = corpus
    for copy in truth["copies"]:
        for p in copy["pages"]:
            if not p["blank"] and p["rotation"] == 0 and p["file"].endswith(".pdf"):
                path = root / p["file"]
                ref = PageRef(str(path), p["file"], p["page"], "0", "pdf")
                image = decode.load_page(ref)
                return image.gray.copy(), image.dpi, copy
    raise AssertionError("the corpus has no upright PDF page")


@pytest.fixture(scope="module")
def inserted(corpus, tmp_path_factory) -> tuple[Path, dict]:
    """One scanned page (JPEG, 200 dpi) with a roster name and a garbled roster name in its body."""
    from PIL import Image

    gray, dpi, copy = _upright_page(corpus)
    gray = _write_lines(
        gray,
        dpi,
        [(204.0, f"Comme le disait monsieur {INSERTED} hier,"), (252.0, f"selon madame {GARBLED[1]} la")],
    )
    folder = tmp_path_factory.mktemp("inserted") / "scans"
    folder.mkdir()
    Image.fromarray(gray).save(folder / "page.jpg", quality=85, dpi=(dpi, dpi))
    return folder, copy


def _analyse(folder: Path, names: list[str]):
    files, problems = ingest.discover([folder])
    assert not problems
    ctx = pipeline.PageContext(load_template("cdg-est"), False, None, roster.build_roster(names))
    return [pipeline.analyse_page(ref, ctx) for ref in ingest.page_refs(files)]


def test_inserted_name_flagged_with_page_and_line(inserted, tmp_path):
    """(a) through the CLI: the copy needs review, the reason says where, and nobody's name is written."""
    folder, copy = inserted
    csv_path = tmp_path / "roster.csv"
    csv_path.write_text("nom;prenom\n" + f"{INSERTED};Yannig\n" + "Quemeneur;Anais\n", encoding="utf-8")
    out = tmp_path / "out"
    from typer.testing import CliRunner

    from anonymat.cli import app

    result = CliRunner().invoke(
        app, ["process", str(folder), "-o", str(out), "--jobs", "1", "--roster", str(csv_path)]
    )
    assert result.exit_code == 1, result.output
    manifest = json.loads((out / f"{copy['number']}.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "needs_review"
    hits = [r for r in manifest["review_reasons"] if "roster" in r]
    assert len(hits) == 1, manifest["review_reasons"]
    assert hits[0].startswith("page 1 (") and "written line" in hits[0]
    y = float(hits[0].split("about ")[1].split(" mm")[0])
    assert abs(y - 202) <= 6
    everything = result.output + "".join(p.read_text(encoding="utf-8") for p in out.glob("*.json"))
    for name in (INSERTED, "Yannig", "Quemeneur", "Anais"):
        assert fold(name) not in fold(everything)


def test_garbled_name_still_flagged(inserted):
    """(d) one OCR error in a 6-letter name."""
    folder, _copy = inserted
    (facts,) = _analyse(folder, [GARBLED[0], *ABSENT])
    assert facts.roster_hits is not None
    assert len(facts.roster_hits) == 1
    assert abs(facts.roster_hits[0][1] - 250) <= 6


def test_absent_names_not_flagged_on_the_same_page(inserted):
    folder, _copy = inserted
    (facts,) = _analyse(folder, ABSENT)
    assert facts.roster_hits == ()


def test_signature_like_mark_in_the_body_is_flagged(corpus, tmp_path):
    """A signature drawn in the writing area (on blank lines) is flagged as a mark, with its place."""
    from PIL import Image

    from anonymat.synth.hand import draw_strokes, signature_strokes

    gray, dpi, _copy = _upright_page(corpus)
    mm = dpi / 25.4
    page = gray.astype(np.float32)
    page[int(255 * mm) : int(287 * mm), int(30 * mm) : int(196 * mm)] = float(np.median(gray))
    strokes = signature_strokes(np.random.default_rng(7), 110 * mm, 262 * mm, 165 * mm, 282 * mm)
    draw_strokes(page, strokes, 0.4 * mm, 40.0)
    folder = tmp_path / "scans"
    folder.mkdir()
    Image.fromarray(page.clip(0, 255).astype(np.uint8)).save(
        folder / "signed.jpg", quality=85, dpi=(dpi, dpi)
    )
    (facts,) = _analyse(folder, ABSENT)
    marks = [y for line, y in facts.roster_hits if line == roster.MARK]
    assert len(marks) == 1 and 262 <= marks[0] <= 284, facts.roster_hits
    (reason,) = roster.review_reasons([facts])
    assert reason.code == "signature" and "signature-like mark" in reason.text


def test_roster_never_reads_the_identity_zone(corpus, monkeypatch):
    """The OCR behind the roster sees only the writing area, below the identity zone, already masked."""
    root, truth = corpus
    open_pages = [(c, p) for c in truth["copies"] for p in c["pages"] if p["flap"] == "open"]
    assert open_pages
    copy, page = open_pages[0]
    template = load_template("cdg-est")
    seen = []
    real = roster.scan_page

    def spy(gray, box, dpi, r):
        seen.append((gray.copy(), box, dpi))
        return real(gray, box, dpi, r)

    monkeypatch.setattr(roster, "scan_page", spy)
    path = root / page["file"]
    files, _ = ingest.discover([path])
    ref = ingest.page_refs(files)[page["page"]]
    names = [copy["identity"]["nom"], *copy["identity"]["prenoms"].split()]
    facts = pipeline.analyse_page(
        ref, pipeline.PageContext(template, False, None, roster.build_roster(names))
    )
    assert facts.roster_hits == ()
    ((gray, box, dpi),) = seen
    identity_bottom_px = 104 / 25.4 * dpi
    assert box[1] > identity_bottom_px  # the area read starts below the identity zone
    for x0, y0, x1, y1 in facts.masked:  # and the page read was already masked
        assert int(gray[y0 + 2 : y1 - 2, x0 + 2 : x1 - 2].max()) == 0


@pytest.mark.slow  # reads every written line of a 4-copy corpus (the unit tests above cover the matching)
def test_corpus_identities_and_absent_names_not_flagged(corpus, tmp_path):
    """(b) names not in the body, (c) the identity of copies whose flap is open: no copy is flagged."""
    root, truth = corpus
    assert any(p["flap"] == "open" for c in truth["copies"] for p in c["pages"])
    rows = [f"{c['identity']['nom']};{c['identity']['prenoms']}" for c in truth["copies"]]
    rows += [f"{n};Anaïs" for n in ABSENT]
    csv_path = tmp_path / "roster.csv"
    csv_path.write_bytes(("\ufeffNom;Prénom\r\n" + "\r\n".join(rows) + "\r\n").encode("utf-8"))
    out = tmp_path / "out"
    code = run_process([root / "scans"], out, "--jobs", "2", "--roster", str(csv_path))
    assert code in (0, 1)
    for copy in truth["copies"]:
        manifest = json.loads((out / f"{copy['number']}.json").read_text(encoding="utf-8"))
        flagged = [r for r in manifest["review_reasons"] if "roster" in r or "signature-like" in r]
        assert not flagged, manifest["review_reasons"]


@pytest.mark.parametrize(
    ("content", "expect"),
    [(None, "impossible de lire la liste des candidats"), (b"id;code\n1;2\n", "aucune colonne de noms")],
)
@pytest.mark.usefixtures("french")
def test_cli_bad_roster_is_a_usage_error(corpus, tmp_path, content, expect):
    from typer.testing import CliRunner

    from anonymat.cli import app

    root, _truth = corpus
    path = tmp_path / "roster.csv"
    if content is not None:
        path.write_bytes(content)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["process", str(root / "scans"), "-o", str(out), "--roster", str(path)])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and expect in lines[0] and str(path) in lines[0]
    assert not out.exists()  # checked before any work starts
