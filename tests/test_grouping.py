"""Grouping pages into copies: the rules a person relies on when barcodes are damaged."""

from __future__ import annotations

from anonymat.manifest import PageFacts
from anonymat.run.grouping import group_pages

SHA = "0" * 64


def page(file: str, index: int, number: str | None = None, *, blank: bool = False, error: str | None = None):
    return PageFacts(
        file=file, path=file, page=index, sha256=SHA, kind="pdf", number=number, blank=blank, error=error
    )


def numbers(grouping):
    return {c.number: [(p.file, p.page) for p in c.pages] for c in grouping.copies}


def test_pages_group_by_number_across_files():
    pages = [page("a.pdf", 0, "1111111111"), page("a.pdf", 1, "2222222222"), page("b.jpg", 0, "1111111111")]
    got = group_pages(pages)
    assert numbers(got) == {"1111111111": [("a.pdf", 0), ("b.jpg", 0)], "2222222222": [("a.pdf", 1)]}
    # copy 1 wraps around copy 2 in the scan: a person must look
    first = next(c for c in got.copies if c.number == "1111111111")
    assert any(r.code == "interleaved" and "interleaved" in r.text for r in first.reasons)


def test_unreadable_page_between_two_pages_of_one_copy_joins_it_and_is_flagged():
    pages = [
        page("a.pdf", 0, "1111111111"),
        page("a.pdf", 1),
        page("a.pdf", 2, "1111111111"),
        page("a.pdf", 3, "2222222222"),
    ]
    got = group_pages(pages)
    assert numbers(got)["1111111111"] == [("a.pdf", 0), ("a.pdf", 1), ("a.pdf", 2)]
    copy = got.copies[0]
    assert copy.status == "needs_review"
    assert any(r.page == "a.pdf page 2" and "unreadable" in r.text for r in copy.reasons)
    assert not got.unassigned


def test_unreadable_page_between_two_copies_is_unassigned_not_guessed():
    pages = [page("a.pdf", 0, "1111111111"), page("a.pdf", 1), page("a.pdf", 2, "2222222222")]
    got = group_pages(pages)
    assert [(p.page, reason) for p, reason in got.unassigned][0][0] == 1
    assert all(len(c.pages) == 1 for c in got.copies)


def test_unreadable_page_of_a_one_copy_file_joins_that_copy():
    pages = [page("a.tif", 0, "1111111111"), page("a.tif", 1), page("b.pdf", 0, "2222222222")]
    got = group_pages(pages)
    assert numbers(got)["1111111111"] == [("a.tif", 0), ("a.tif", 1)]
    assert got.copies[0].status == "needs_review"


def test_blank_verso_follows_its_recto_and_is_not_a_written_page():
    pages = [page("a.pdf", 0, "1111111111"), page("a.pdf", 1, blank=True), page("a.pdf", 2, "2222222222")]
    got = group_pages(pages)
    first = got.copies[0]
    assert [p.page for p in first.blanks] == [1]
    assert [p.page for p in first.pages] == [0]
    assert first.status == "ok"


def test_pages_that_failed_to_load_are_reported_with_their_error():
    pages = [page("a.pdf", 0, "1111111111"), page("a.pdf", 1, error="damaged image")]
    got = group_pages(pages)
    assert [(p.page, r) for p, r in got.unassigned] == [(1, "damaged image")]


def test_conflicting_numbers_on_one_page_are_never_merged():
    conflict = PageFacts(file="a.pdf", path="a.pdf", page=1, sha256=SHA, kind="pdf", barcode_conflict=True)
    pages = [page("a.pdf", 0, "1111111111"), conflict, page("a.pdf", 2, "1111111111")]
    got = group_pages(pages)
    assert [p.page for p, _ in got.unassigned] == [1]
    assert numbers(got)["1111111111"] == [("a.pdf", 0), ("a.pdf", 2)]


def test_blank_loose_image_follows_the_copy_scanned_before_it_in_its_folder():
    def jpg(name, number=None, blank=False):
        return PageFacts(
            file=f"lot/{name}", path=name, page=0, sha256=SHA, kind="jpeg", number=number, blank=blank
        )

    pages = [jpg("p1.jpg", "1111111111"), jpg("p2.jpg", blank=True), jpg("p3.jpg", "1111111111")]
    got = group_pages(pages)
    assert not got.unassigned
    assert [p.file for p in got.copies[0].blanks] == ["lot/p2.jpg"]


def test_printed_digits_assign_a_page_only_to_a_number_a_barcode_confirms():
    torn = PageFacts(file="a.pdf", path="a.pdf", page=1, sha256=SHA, kind="pdf", printed_number="2222222222")
    misread = PageFacts(
        file="a.pdf", path="a.pdf", page=2, sha256=SHA, kind="pdf", printed_number="9999999999"
    )
    pages = [page("a.pdf", 0, "1111111111"), torn, misread, page("a.pdf", 3, "2222222222")]
    got = group_pages(pages)
    assert numbers(got)["2222222222"] == [("a.pdf", 1), ("a.pdf", 3)]
    assert any(r.code == "barcode_digits" and "printed digits" in r.text for r in got.copies[1].reasons)
    assert [p.page for p, _ in got.unassigned] == [2]
    assert "9999999999" not in numbers(got)


def test_part_of_the_printed_digits_is_enough_when_it_designates_one_copy():
    def torn(i, digits):
        return PageFacts(file="a.pdf", path="a.pdf", page=i, sha256=SHA, kind="pdf", printed_number=digits)

    pages = [
        page("a.pdf", 0, "1234567890"),
        page("a.pdf", 1, "1234999999"),
        torn(2, "456789"),
        torn(3, "123499"),
    ]
    got = group_pages(pages)
    assert numbers(got)["1234567890"] == [("a.pdf", 0), ("a.pdf", 2)]
    # "123499" is part of 1234999999 only; a run matching two copies would stay unassigned
    assert numbers(got)["1234999999"] == [("a.pdf", 1), ("a.pdf", 3)]
    ambiguous = group_pages(
        [page("b.pdf", 0, "1234567890"), page("b.pdf", 1, "9123456789"), torn(2, "345678")]
    )
    assert [p.page for p, _ in ambiguous.unassigned] == [2]


def test_a_folder_of_loose_images_holding_one_copy_vouches_for_its_unreadable_page():
    def jpg(name, number=None):
        return PageFacts(file=f"loose/{name}", path=name, page=0, sha256=SHA, kind="jpeg", number=number)

    pages = [
        page("a.pdf", 0, "2222222222"),
        jpg("p1.jpg"),
        jpg("p2.jpg", "1111111111"),
        jpg("p3.jpg", "1111111111"),
    ]
    got = group_pages(pages)
    assert numbers(got)["1111111111"] == [("loose/p1.jpg", 0), ("loose/p2.jpg", 0), ("loose/p3.jpg", 0)]
    assert not got.unassigned


def test_a_file_with_no_barcode_is_named_once():
    from dataclasses import replace

    from anonymat.run.grouping import explain_unassigned

    pages = [page("doc.pdf", i) for i in range(8)] + [page("lot.pdf", 0, "1234567890")]
    grouping = group_pages(pages)
    assert explain_unassigned(pages, grouping) == [
        "doc.pdf : aucun code-barres d'anonymat sur aucune de ses 8 pages : est-ce bien un scan d'examen ?"
    ]
    assert {r for _p, r in grouping.unassigned} == {
        "no anonymity barcode on any of its 8 pages: is this an exam scan?"
    }
    # answer sheets (the template placed on them) whose stickers all failed: said differently
    sheets = [replace(page("t.pdf", i), anchor="barcode+rules") for i in range(2)]
    lines = explain_unassigned(sheets, group_pages(sheets))
    assert lines and "aucune de ses 2 pages n'a de code-barres d'anonymat lisible" in lines[0]


def test_a_file_cut_short_is_named_once_with_the_page_it_stops_at():
    from anonymat.run.grouping import explain_unassigned, page_error_lines

    pages = [page("lot.pdf", 0, "1234567890"), page("lot.pdf", 1, "1234567890")] + [
        page("lot.pdf", i, error=f"page {i + 1} of lot.pdf: PdfiumError") for i in (2, 3)
    ]
    grouping = group_pages(pages)
    assert page_error_lines(pages) == []
    assert explain_unassigned(pages, grouping) == [
        "lot.pdf : le fichier n'est plus lisible après la page 2 sur 4 (tronqué ?) : pages 3 à 4 illisible(s) "
        "; exportez-le ou scannez-le à nouveau"
    ]
    assert all("stops being readable after page 2" in r for _p, r in grouping.unassigned)
