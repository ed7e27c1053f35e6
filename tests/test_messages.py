"""The message catalogue: every sentence in both languages with the same placeholders, the language
chosen from --lang or the locale, and the pipeline's review reasons said again in plain French."""

from __future__ import annotations

import json
import re
import string

import pytest

from anonymat import messages, reasons
from anonymat.messages import CATALOGUE, choose_language, explain_reason


def _fields(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}


# what an English reason quotes that its French sentence leaves out (the French says it more simply)
ENGLISH_ONLY = {"reason.fail_closed": {"seen", "zone"}}


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_every_message_has_both_languages_with_the_same_placeholders(key):
    entry = CATALOGUE[key]
    assert entry["fr"].strip(), key
    assert entry["en"].strip(), key
    assert _fields(entry["fr"]) == _fields(entry["en"]) - ENGLISH_ONLY.get(key, set()), key


def test_every_review_reason_code_has_its_sentences():
    for code in reasons.KINDS:
        if code != reasons.OTHER:
            assert f"reason.{code}" in CATALOGUE, code


@pytest.mark.parametrize(
    ("argv", "env", "expected"),
    [
        ([], {}, "fr"),
        ([], {"LANG": "C.UTF-8"}, "fr"),
        ([], {"LANG": "fr_FR.UTF-8"}, "fr"),
        ([], {"LANG": "en_US.UTF-8"}, "en"),
        ([], {"LANG": "fr_FR.UTF-8", "LC_ALL": "en_GB.UTF-8"}, "en"),
        ([], {"LANGUAGE": "fr", "LANG": "en_US.UTF-8"}, "fr"),
        (["anonymat", "--lang", "en", "process"], {"LANG": "fr_FR.UTF-8"}, "en"),
        (["anonymat", "--lang=fr"], {"LANG": "en_US.UTF-8"}, "fr"),
        (["anonymat", "--lang", "de"], {}, "fr"),
    ],
)
def test_the_language_comes_from_lang_then_the_locale_french_by_default(argv, env, expected):
    assert choose_language(argv, env) == expected


def test_the_pipelines_review_reasons_are_said_in_plain_french(french):
    """The reasons copy_stage.py, grouping.py and roster.py make each have a French sentence, made from the
    record's values, not from its English words; in English the record's own text is shown."""
    from anonymat.manifest import Copy, PageFacts
    from anonymat.run import copy_stage

    page = PageFacts(file="scans/lot1.pdf", path="x", page=2, sha256="0", kind="pdf", pose_source="unknown")
    failing = PageFacts(
        file="scans/lot1.pdf", path="x", page=3, sha256="0", kind="pdf", mask_policy="header band to 120 mm"
    )
    copy = Copy(number="1234567890", pages=[page, failing])
    copy_stage.copy_review_reasons(copy)
    unread = Copy(number="1234567890", pages=[page, failing])
    copy_stage.order_copy(unread)  # no text read: scan order, with a reason
    made = copy.reasons + unread.reasons + [
        reasons.make("order_uncertain", c="0.31"),
        reasons.make("barcode_neighbours", page="scans/a.pdf page 2"),
        reasons.make("interleaved", others="1111111111"),
        reasons.make("roster_name", page="scans/a.pdf page 4", n=3, line=7, mm=152),
    ]  # fmt: skip
    assert {r.code for r in made} >= {"orientation", "fail_closed", "order_unread", "roster_name"}
    for reason in made:
        text = reason.said()
        assert reason.kind != "other", reason
        assert text != reason.text and re.search(r"[àéèêç]|vérifi", text), text
    closed = next(r for r in made if r.code == "fail_closed")
    assert "scans/lot1.pdf page 4" in closed.text and "header band to 120 mm" in closed.text
    assert "0.31" in made[-4].said() and made[-4].kind == "order"
    messages.set_language("en")
    assert [r.said() for r in made] == [r.text for r in made]


def test_a_reason_is_a_record_read_back_as_written_and_a_version_1_text_is_shown_as_it_is(french):
    reason = reasons.make("no_back", page="scans/lot1.pdf page 3", k=7, n=8)
    assert reason.text.startswith("may be incomplete: its sheet scans/lot1.pdf page 3 has no back")
    again = reasons.Reason.from_json(json.loads(json.dumps(reason.to_json())))
    assert again == reason and again.said() == reason.said() and "7 des 8 feuilles" in again.said()
    old = reasons.Reason.from_text("something said by an older anonymat")
    assert (old.code, old.kind, old.said()) == ("other", "other", "something said by an older anonymat")
    with pytest.raises(ValueError):
        reasons.make("no_such_code")


def _page(page: int, error: str | None = None):
    from anonymat.manifest import PageFacts

    return PageFacts(file="scans/lot1.pdf", path="x", page=page, sha256="0", kind="pdf", error=error)


def test_the_completeness_and_grouping_reasons_are_said_in_plain_french(french):
    """What completeness.py writes (stray pages scanned next to a copy, a sheet without its back, a first or
    last page that does not open or close the memo) and grouping.py's unassigned reasons each have a
    French sentence; the parts they quote (the stray's own reason, the side, the candidates) too."""
    from anonymat.reading import completeness
    from anonymat.run import grouping

    copy_page = _page(3)
    strays = [
        completeness.Stray(
            _page(4), "barcode unreadable and the pages around it belong to different copies",
            (completeness.Neighbour("1234567890", copy_page, "after"),),
        ),
        completeness.Stray(
            _page(5), "blank page that belongs to no copy", (completeness.Neighbour("1234567890", copy_page, "before"),)
        ),
        completeness.Stray(_page(6, error="page 7 de scans/lot1.pdf : illisible"), "x",
                           (completeness.Neighbour("1234567890", copy_page, "after"),)),
    ]  # fmt: skip
    made = completeness.scan_reasons(strays)["1234567890"]
    assert len(made) == 3
    made += [
        reasons.make("no_back", page="scans/lot1.pdf page 3", k=7, n=8),
        reasons.make("no_start", page="scans/lot1.pdf page 1", score="1.3", candidates=""),
        reasons.make("outline_start", page="scans/lot1.pdf page 1", section="I.B", candidates=""),
        reasons.make(
            "no_end", page="scans/lot1.pdf page 9", score="0.4",
            candidates="scans/lot2.pdf page 1, scans/lot2.pdf page 4",
        ),
    ]  # fmt: skip
    for reason in made:
        text = reason.said()
        assert reason.kind == "complete", reason
        assert reason.text.startswith("may be incomplete"), reason.text
        assert text.startswith("Copie peut-être incomplète"), text
        for english in (
            "right after",
            "right before",
            "barcode unreadable",
            "blank page",
            "candidates among",
            "if it",
        ):
            assert english not in text, (english, text)
    assert made[0].text.startswith(
        "may be incomplete: the unassigned page scans/lot1.pdf page 5 (barcode unreadable), scanned right after "
        "its page scans/lot1.pdf page 4"
    )
    assert "juste après" in made[0].said() and "code-barres illisible" in made[0].said()
    assert "anonymat fix OUTDIR 1234567890 --add scans/lot1.pdf:6" in made[1].said()
    assert made[-1].text.endswith("after it; candidates among the unassigned pages: scans/lot2.pdf page 1, "
                                  "scans/lot2.pdf page 4")  # fmt: skip
    last = made[-1].said()
    assert "score 0.4" in last and "candidates among" not in last and "scans/lot2.pdf page 4" in last
    assert "indice 1.3" in made[-3].said()
    assert "commence à I.B" in made[-2].said()

    unassigned = [
        grouping.NO_BARCODE.format(n=3),
        grouping.NO_READABLE_BARCODE.format(n=3, k=2),
        "the file stops being readable after page 4 (cut short?): export or scan it again",
    ]
    for reason in unassigned:
        kind, text = explain_reason(reason)
        assert kind != "other" and text != reason and re.search(r"[àéèêç]|aucun", text), text
        messages.set_language("en")
        assert explain_reason(reason)[1] == reason  # English: the pipeline's own words, unchanged
        messages.set_language("fr")
