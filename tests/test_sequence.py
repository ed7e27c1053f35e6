"""Numbered headings across pages (sequence.py), on small fixtures written for these tests."""

from __future__ import annotations

import itertools

import pytest

from anonymat.reading.ordering import PageText, best_order
from anonymat.reading.outline import parse_marker
from anonymat.reading.sequence import page_numbers, parse_number, sequence_scores


@pytest.mark.parametrize(
    ("line", "number", "family"),
    [
        ("2. Les difficultés rencontrées", 2, ""),
        ("3) les pistes proposées", 3, ""),
        ("7° Je lègue à mon frère", 7, "°"),
        ("Point 2 : l'éclairage public", 2, "point"),
        ("Question 4", 4, "question"),
        ("Partie n° 3 : les moyens", 3, "partie"),
        ("Deuxième partie : une commune", 2, "partie"),
        ("Seconde partie", 2, "partie"),
        ("Troisièmement, il faut", 3, "ment"),
        # OCR-garbled
        ("Poiut 3 : les travaux", 3, "point"),
        ("Deuxiene partie", 2, "partie"),
        ("Qucstion 2", 2, "question"),
    ],
)
def test_numbered_headings_are_read(line, number, family):
    assert parse_number(line) == (number, family)
    assert parse_marker(line) == f"n{number}{family}"


@pytest.mark.parametrize(
    "line",
    [
        "2.500 francs sur la maison",
        "2 heures plus tard",
        "la question 2 reste",
        "Le point de vue",
        "Chapitre II",
    ],
)
def test_numbers_inside_sentences_are_not_headings(line):
    assert parse_number(line) is None


def test_a_one_read_as_roman_counts_when_the_copy_numbers_with_digits():
    pages = [
        PageText("a", "b", (("I", 0.3),), 20, 0.9),
        PageText("c", "d", (("n2", 0.5),), 20, 0.9),
        PageText("e", "f", (("n3", 0.2),), 20, 0.9),
    ]
    assert page_numbers(pages) == {"": [[1], [2], [3]]}
    # in a memo with a roman outline, "I" stays outline.py's
    memo = [PageText("a", "b", (("I", 0.3),), 20, 0.9), PageText("c", "d", (("II", 0.5),), 20, 0.9)]
    assert page_numbers(memo) == {}


def test_later_numbers_come_after_earlier_ones():
    pages = [
        PageText("a", "b", (("n3", 0.2),), 20, 0.9),
        PageText("c", "d", (("n2", 0.6),), 20, 0.9),
        PageText("e", "f", (), 20, 0.9),
    ]
    start, links, before = sequence_scores(pages)
    assert before[1, 0] > 0 and before[0, 1] == 0
    assert links[1, 0] > 0 and links[0, 1] == 0
    assert start[0] < 0 and start[1] < 0 and start[2] == 0
    # one page's numbers alone may be a list inside the text: no evidence
    alone = sequence_scores([pages[0], pages[2]])
    assert not alone[0].any() and not alone[1].any() and not alone[2].any()


def test_each_numbering_counts_on_its_own_and_not_when_it_starts_again():
    # a copy answering two questions: "Point 2" and "2." are two numberings; "2." on two pages restarts
    pages = [
        PageText("a", "b", (("n2point", 0.2),), 20, 0.9),
        PageText("c", "d", (("n3point", 0.6), ("n2", 0.8)), 20, 0.9),
        PageText("e", "f", (("n2", 0.3),), 20, 0.9),
    ]
    start, links, before = sequence_scores(pages)
    assert before[0, 1] > 0 and links[0, 1] > 0  # Point 2 -> Point 3
    assert before[1, 2] == 0 and before[2, 1] == 0  # "2." twice: that numbering started again
    assert start[2] == 0


# a report numbered "1.", "2.", "3." whose page breaks all fall at sentence ends (each page ends with a
# full stop and the next starts a sentence), so the text alone cannot tell the middle pages apart
REPORT = [
    PageText(
        "Rapport sur les transports scolaires\nLes cars desservent douze écoles",
        "au début de l'année.",
        (("I", 0.25), ("n2", 0.8)),
        24,
        0.97,
    ),
    PageText("Les familles se plaignent\ndes retards du matin", "sont trop longs.", (("n3", 0.5),), 24, 0.97),
    PageText("Le département propose\nun nouveau contrat", "le mois prochain.", (("n4", 0.4),), 24, 0.97),
    PageText("Les élus devront choisir\navant l'été", "au conseil de juin.", (("n5", 0.2),), 12, 0.5),
]


def test_numbered_headings_order_pages_whose_breaks_say_nothing():
    for perm in itertools.permutations(range(len(REPORT))):
        result = best_order([REPORT[p] for p in perm])
        assert [perm[i] for i in result.order] == [0, 1, 2, 3], perm
