"""Page labels and running headers on small text fixtures, OCR-garbled ones included."""

from __future__ import annotations

import pytest

from anonymat.reading import ordering
from anonymat.reading.ordering import PageText
from anonymat.reading.pagemarks import (
    is_continued,
    label_scores,
    page_label,
    parse_label,
    strip_running_lines,
)


@pytest.mark.parametrize(
    ("line", "number", "total"),
    [
        ("2/4", 2, 4),
        ("Page 3", 3, None),
        ("p. 2", 2, None),
        ("- 1 / 3 -", 1, 3),
        ("②", 2, None),
        ("Page deuxième", 2, None),
        ("212", 2, 2),  # "2/2", the slash read as a stroke
        ("12", 1, 2),  # "1/2", the slash lost
        ("3", 3, None),
        ("Devoir de français 2/3", 2, 3),  # after a title on the same line
        ("wikitexte_0031 1/2", 1, 2),
        ("Apye deuxsenie 2", 2, None),  # "Page deuxième 2" read from 1914 cursive: word and number agree
        ("Page qualmienn 4", 4, None),  # "Page quatrième 4": the ordinal garbled, the number read
        ("Cage troisième", 3, None),
    ],
)
def test_labels_are_read_through_ocr_errors(line, number, total):
    label = parse_label(line)
    assert label is not None and (label.number, label.total) == (number, total)


@pytest.mark.parametrize(
    "line",
    [
        "1981",
        "en 1965.",
        "Le 9 avril 1 …",
        "3/2",
        "et la suite du texte",
        "",
        "Par deux fois",
        "Pays basque 3",
        "Page deuxième 3",
    ],  # fmt: skip  (the last: word and number disagree, neither is believed)
)
def test_text_is_not_a_label(line):
    assert parse_label(line) is None


def test_suite_mark():
    assert is_continued("wikitexte_0031 (suite)")
    assert not is_continued(
        "La suite logique de cette démarche est de considérer le projet dans son ensemble"
    )


def page(head: str, tail: str, fill: float = 0.95) -> PageText:
    return PageText(head=head, tail=tail, markers=(), lines=20, fill=fill, tail_end=0.95)


def test_labels_order_pages_whose_text_says_nothing():
    # each page starts a sentence and ends one: only the labels tell the order
    pages = [
        page("Les marais sont des zones humides", "La ville compte deux ponts.\n3/3"),
        page("Le fleuve traverse la région", "Il fut démoli en 1959.\n1/3"),
        page("La rivière prend sa source au nord", "Son cours est lent.\n2/3"),
    ]
    result = ordering.best_order(pages)
    assert result.order == [1, 2, 0]
    start, end, before = label_scores(pages)
    assert start[1] > 0 > start[0] and end[0] > 0 > end[1]
    assert before[1, 2] > 0 and before[2, 1] == 0


def test_garbled_labels_still_count():
    pages = [
        page("Bad Schwanberg est uwe comm", "Sa populatian est de 4000.\n212"),
        page("Jai W les conditions", "sont decrites ici.\n12"),
    ]
    assert page_label(pages[0]).number == 2 and page_label(pages[1]).number == 1
    assert ordering.best_order(pages).order == [1, 0]


def test_numbers_that_cannot_be_page_numbers_are_not_labels():
    # a lone "7" at the top of two pages of a four-page copy (a date's day, a figure) and a "1" on every
    # page say nothing about the order; the one "Page 2" still does
    pages = [
        page("7\nLe 7 mai, la commission", "a rendu son avis.\n1"),
        page("Page 2\nLes membres ont voté", "à l'unanimité.\n1"),
        page("7\nIl reste à fixer", "la date.\n1"),
        page("La séance est levée", "à midi.\n1"),
    ]
    start, _, before = label_scores(pages)
    assert start[0] == start[2] == start[3] == 0.0 and start[1] < 0
    assert not before[[0, 2, 3]].any() and not before[:, [0, 2, 3]].any()


def test_running_header_is_left_out_of_the_text_signals():
    pages = [
        page("Mikitexte 0013\nJ'ai lu les conditions", "il est en effet uniquement compose"),
        page("wikitexte-0013\nfixes. Aonhgus mac", "la ceinture principale d'astéroïdes."),
    ]
    stripped = strip_running_lines(pages)
    assert stripped[0].head == "J'ai lu les conditions"
    assert stripped[1].head == "fixes. Aonhgus mac"
    assert stripped[0].tail == pages[0].tail  # a text line that is on one page only stays


def test_a_label_line_is_not_read_as_the_last_words():
    stripped = strip_running_lines([page("Le fleuve", "la ville de\n2/3"), page("Les marais", "Fin.")])
    assert stripped[0].tail == "la ville de"
    assert stripped[0].tail_end == 0.8  # the label's short line no longer says "paragraph end"


@pytest.mark.parametrize(
    "tails",
    [
        # "direction." closes page 1; page 2's last line ends "... la direction générale.": a word in
        # common, not a running footer, so page 1 still ends a sentence on a short line
        (
            "présentées lors d'un prochain comité de\ndirection.",
            "entre le service informatique et la direction générale.",
        ),
        # "... classes sur rendez-vous." and "... sur rendez-vous une fois par mois.": a phrase in common, of
        # about the same length, yet not one line repeated at the foot of both pages
        (
            "au catalogage et à l'accueil des\nclasses sur rendez-vous.",
            "sont enlevés\ns sur rendez-vous une fois par mois.",
        ),
    ],
)
def test_last_lines_sharing_a_word_or_a_phrase_are_not_a_running_footer(tails: tuple[str, str]):
    pages = [page("Les agents seront", tails[0]), page("Le service propose", tails[1])]
    stripped = strip_running_lines(pages)
    assert stripped[0].tail == pages[0].tail
    assert stripped[1].tail == pages[1].tail
