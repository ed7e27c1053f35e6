"""The message catalogue: every sentence in both languages with the same placeholders, the language
chosen from --lang or the locale, and the pipeline's review reasons said again in plain French."""

from __future__ import annotations

import re
import string

import pytest

from anonymat import messages
from anonymat.messages import CATALOGUE, choose_language, explain_reason


@pytest.fixture
def french():
    before = messages.language()
    messages.set_language("fr")
    yield
    messages.set_language(before)


def _fields(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_every_message_has_both_languages_with_the_same_placeholders(key):
    entry = CATALOGUE[key]
    assert entry["fr"].strip(), key
    if key.startswith("reason."):  # in English the pipeline's own reason is shown
        assert entry["en"] == ""
        return
    assert entry["en"].strip(), key
    assert _fields(entry["fr"]) == _fields(entry["en"]), key


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
    """The reasons copy_stage.py and grouping.py write (in English, in the manifests) each have a French
    sentence; a reason nobody translated yet is shown as it is, never dropped."""
    from anonymat import copy_stage
    from anonymat.manifest import Copy, PageFacts

    page = PageFacts(file="scans/lot1.pdf", path="x", page=2, sha256="0", kind="pdf", pose_source="unknown")
    failing = PageFacts(
        file="scans/lot1.pdf", path="x", page=3, sha256="0", kind="pdf", mask_policy="header band to 120 mm"
    )
    copy = Copy(number="1234567890", pages=[page, failing])
    copy_stage.copy_review_reasons(copy)
    unread = Copy(number="1234567890", pages=[page, failing])
    copy_stage.order_copy(unread)  # no text read: scan order, with a reason
    reasons = (
        copy.reasons
        + unread.reasons
        + [
            "reading order uncertain (confidence 0.31): check the page order",
            "scans/a.pdf page 2: barcode unreadable; assigned by the pages scanned around it",
            "the pages of this copy are interleaved with those of copy 1111111111 in the scan: check that",
            "page 3 (scans/a.pdf page 4): a name from the roster appears on written line 7 (about 152 mm from",
        ]
    )
    assert len(reasons) >= 7
    for reason in reasons:
        kind, text = explain_reason(reason)
        assert kind != "other", reason
        assert text != reason and re.search(r"[àéèêç]|vérifi", text), text
    kind, text = explain_reason("reading order uncertain (confidence 0.31): check the page order")
    assert kind == "order" and "0.31" in text
    assert explain_reason("something new") == ("other", "something new")


def _page(page: int, error: str | None = None):
    from anonymat.manifest import PageFacts

    return PageFacts(file="scans/lot1.pdf", path="x", page=page, sha256="0", kind="pdf", error=error)


def test_the_completeness_and_grouping_reasons_are_said_in_plain_french(french):
    """What completeness.py writes (stray pages scanned next to a copy, a sheet without its back, a first or
    last page that does not open or close the memo) and grouping.py's unassigned reasons each have a
    French sentence; the parts they quote (the stray's own reason, the side, the candidates) too."""
    from anonymat import completeness, grouping

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
    reasons = completeness.scan_reasons(strays)["1234567890"]
    assert len(reasons) == 3
    prefix = completeness.REASON_PREFIX
    reasons += [
        f"{prefix}: its sheet scans/lot1.pdf page 3 has no back in the scan, though 7 of the 8 sheets of this "
        "duplex scan have one: check that the back of that sheet was not lost (rescan the sheet if it was "
        "written on)",
        f"{prefix}: its first page (scans/lot1.pdf page 1) does not look like the start of the memo (it "
        "starts mid-sentence; evidence 1.3): check that no page is missing before it",
        f"{prefix}: its first page (scans/lot1.pdf page 1) does not look like the start of the memo (its "
        "outline starts at I.B, with no I) before it): check that no page is missing before it",
        f"{prefix}: its last page (scans/lot1.pdf page 9) does not look like the end of the memo (stops "
        "mid-sentence on a full page; score 0.4): check that no page is missing after it; candidates among "
        "the unassigned pages: scans/lot2.pdf page 1, scans/lot2.pdf page 4",
    ]
    for reason in reasons:
        kind, text = explain_reason(reason)
        assert kind == "complete", reason
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
    assert (
        "juste après" in explain_reason(reasons[0])[1]
        and "code-barres illisible" in explain_reason(reasons[0])[1]
    )
    assert "anonymat fix OUTDIR 1234567890 --add scans/lot1.pdf:6" in explain_reason(reasons[1])[1]
    last = explain_reason(reasons[-1])[1]
    assert "score 0.4" in last and "candidates among" not in last and "scans/lot2.pdf page 4" in last
    assert "indice 1.3" in explain_reason(reasons[-3])[1]
    assert "commence à I.B" in explain_reason(reasons[-2])[1]

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
