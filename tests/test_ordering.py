"""Signals and solver of the reading order, on small hand-written French text fixtures."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest

from anonymat.reading import ordering, outline
from anonymat.reading.ordering import (
    PageText,
    best_order,
    boundary_link,
    end_scores,
    head_evidence,
    link_matrix,
    start_scores,
    tail_evidence,
    word_pair_link,
)
from anonymat.reading.outline import heading_evidence, parse_marker
from anonymat.text import words
from anonymat.text.bigrams import association

# A short memo, already cut into written lines (as a candidate would write it). Written for these tests.
MEMO = """Commune de Valbourg
Direction des services techniques
Valbourg, le 3 février 2024
Note à l'attention de Monsieur le Maire
Objet : la rénovation énergétique des bâtiments communaux
Les bâtiments de la commune consomment chaque année une part
importante du budget de fonctionnement. La hausse du prix de
l'énergie rend cette dépense difficile à maîtriser. Il convient
donc de présenter d'abord les enjeux de la rénovation, puis
les moyens de la conduire dans de bonnes conditions.
I) Des enjeux financiers et environnementaux
A. Une dépense qui pèse sur le budget
Les écoles, le gymnase et la mairie datent pour la plupart des
années soixante-dix. Leur isolation est faible et les chaudières
sont anciennes. La facture de chauffage a doublé en deux ans,
ce qui réduit d'autant les marges de manoeuvre de la commune
pour ses autres projets.
B. Des obligations réglementaires nouvelles
Le décret tertiaire impose de réduire la consommation des
bâtiments de plus de mille mètres carrés de quarante pour cent
d'ici à 2030. La commune doit déclarer chaque année ses
consommations sur une plateforme nationale. Le non-respect de
ces obligations expose la collectivité à des sanctions.
II) Une démarche à organiser sur plusieurs années
A. Connaître le patrimoine
Un audit énergétique de chaque bâtiment permettra de classer
les travaux selon leur coût et leur efficacité. Cet audit
pourra être confié à un bureau d'études spécialisé, avec le
soutien technique du syndicat départemental d'énergie.
B. Financer et suivre les travaux
Plusieurs aides existent, notamment la dotation de soutien à
l'investissement local et les certificats d'économie
d'énergie. Un tableau de bord permettra enfin de suivre les
consommations et de rendre compte aux élus chaque année.
En conclusion, la rénovation énergétique est un investissement
rentable pour la commune et pour ses habitants.""".splitlines()

# Page breaks (index of each page's first line): mid-sentence, then one exactly at a paragraph end (line 17
# closes I.A, line 17 = "B. Des obligations"), then mid-sentence again.
BREAKS = [0, 7, 13, 17, 22, 29]


def page_of(lines: list[str], fill: float = 0.95) -> PageText:
    pitch = fill / len(lines)  # the written lines fill the page down to `fill`
    markers = tuple(
        (kind, round((k + 0.5) * pitch, 3))
        for k, line in enumerate(lines)
        if (kind := parse_marker(line[:14]))
    )
    usual = float(np.percentile([len(x) for x in lines], 80))
    return PageText(
        head="\n".join(lines[:3]),
        tail="\n".join(lines[-3:]),
        markers=markers,
        lines=len(lines),
        fill=fill,
        tail_end=min(1.0, len(lines[-1]) / usual),
    )


def memo_pages() -> list[PageText]:
    bounds = BREAKS + [len(MEMO)]
    pages = [MEMO[a:b] for a, b in itertools.pairwise(bounds)]
    return [page_of(p, fill=0.95 if k < len(pages) - 1 else 0.4) for k, p in enumerate(pages)]


# --- signals ---------------------------------------------------------------------------------------------


def test_fold_strips_accents_and_case():
    assert words.fold("Élève À l’École") == "eleve a l'ecole"


def test_cut_sentence_reads_as_mid_sentence():
    open_tail = PageText("", "la mise en pl ace du télétrav ail dans les serv ices de", (), 20, 1.0)
    closed_tail = PageText("", "ce qui assure la continuité du service public.", (), 20, 1.0)
    assert tail_evidence(open_tail) > 2.0
    assert tail_evidence(closed_tail) < -1.0


def test_function_word_at_line_end_outweighs_junk():
    garbled = PageText("", "lcs agcnts ct lcs cncadrants dc", (), 20, 1.0)
    assert tail_evidence(garbled) > 0.5  # no final stop at least, even when "dc" is unreadable


def test_head_continuation_and_new_sentence():
    cont = PageText("la commune sont concernés par cette mesure", "", (), 20, 1.0)
    new = PageText("Depuis plusieurs années, la commune", "", (), 20, 1.0)
    section = PageText("II) Une démarche concertée", "", (("II", 0.02),), 20, 1.0)
    assert head_evidence(cont) > 1.0
    assert head_evidence(new) < 0
    assert head_evidence(section) < head_evidence(new)
    town = PageText("Bourg-Sainte-Odile présente des marges", "", (), 20, 1.0)
    assert head_evidence(town) == pytest.approx(0.0)  # a place name's capital: no evidence either way


def test_a_word_written_or_read_without_its_accents_is_still_a_known_word():
    # capitals are often written unaccented, and OCR drops accents from handwriting
    for plain, accented in (("securite", "sécurité"), ("CONCERTEE", "concertée"), ("demarches", "démarches")):
        assert words.is_known(plain)
        assert words.zipf(plain.lower()) == pytest.approx(words.zipf(accented), abs=0.01)
    assert words.zipf("xqzt") == 0.0
    assert boundary_link("une véritable réorgani-", "SATION DES SERVICES") >= 2.0


def test_a_page_written_in_block_capitals_gives_no_evidence_from_case():
    # every word of a hand in capitals starts with one: the case of a page's first letter says nothing
    assert words.in_capitals("LA COMMUNE SONT CONCERNÉS PAR CETTE MESURE")
    assert not words.in_capitals("I. LES ENJEUX\nDepuis plusieurs années, la commune")  # a heading only
    assert not words.in_capitals("ÉTÉ")  # too few letters to tell
    cont = PageText("LA COMMUNE SONT CONCERNÉS PAR CETTE MESURE", "", (), 20, 1.0)
    assert head_evidence(cont) > 0.0
    new = "Depuis plusieurs années, la commune"
    assert head_evidence(PageText(new.upper(), "", (), 20, 1.0)) > head_evidence(
        PageText(new, "", (), 20, 1.0)
    )
    tail, head = "le diagnostic réalisé auprès de la", "mise en œuvre du projet de service"
    assert word_pair_link(tail.upper(), head.upper()) == pytest.approx(word_pair_link(tail, head))
    assert word_pair_link(tail, head) > 0.0


def test_a_copy_written_in_block_capitals_is_ordered_as_in_small_letters():
    pages = [
        PageText(p.head.upper(), p.tail.upper(), p.markers, p.lines, p.fill, tail_end=p.tail_end)
        for p in memo_pages()
    ]
    assert best_order(memo_pages()).confidence >= 0.5
    for perm in ([3, 0, 5, 4, 1, 2], [5, 4, 3, 2, 1, 0], [1, 0, 3, 2, 5, 4]):
        result = best_order([pages[i] for i in perm])
        assert [perm[i] for i in result.order] == list(range(len(pages)))
        assert result.confidence >= 0.5  # not sent to review for being written in capitals


def test_hyphenated_word_completed_across_the_break():
    assert boundary_link("une véritable réorgani-", "sation des services") >= 2.0
    assert boundary_link("une véritable réorgani-", "Depuis plusieurs années") <= 0.0


def test_word_classes_across_the_break():
    assert boundary_link("pour les", "agents de la commune") > 0
    assert boundary_link("pour les", "de la commune") < 0


def test_plural_determiner_agrees_across_the_break():
    assert boundary_link("pour mesurer les", "effets. Le diagnostic") > 0
    assert boundary_link("pour mesurer les", "recommandée. Par ailleurs") < 0
    assert boundary_link("des obligations qui les", "concerne. Ainsi") >= 0  # "les" as a pronoun


def test_garbled_continuation_prefers_the_true_follower():
    tail = "la mise en pl ace du télétrav ail dans les serv ices de"
    pages = [
        PageText("Ville de Bellerive", tail, (), 22, 1.0),
        PageText("la comm une et des établi ssements publics.", "fin du texte.", (), 22, 0.5, tail_end=0.4),
        PageText("Ainsi, il con vient de rappeler", "fin du texte.", (), 22, 0.5, tail_end=0.4),
    ]
    links = link_matrix(pages)
    assert links[0, 1] > links[0, 2] + 1.0


def test_memo_opening_survives_ocr_errors():
    clean = "Ville de Bellerive\nDirection des ressources humaines\nBellerive, le 14 mars 2023"
    garbled = "Vi1le de Be1lerive\nDirecti0n des ressour ces\nBellerive, le 14 mras 2023"
    body = "les agents de la commune et\nles encadrants de proximité qui\nsouhaitent travailler à distance"
    assert heading_evidence(clean) >= 3.5
    assert heading_evidence(garbled) >= 2.5
    assert heading_evidence(body) < 0.6
    # the town and date line with the month unreadable still reads as a date line; a body line does not
    assert heading_evidence("Belul-suMeuse, le U rai 1") >= 1.0
    assert heading_evidence("Ainsi, le projet sera conduit") == 0.0


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("I) Des enjeux", "I"),
        ("II) Une démarche", "II"),
        ("Il) Une démarche", "II"),
        ("11) Une", "II"),
        ("1h Une mise", "II"),  # handwritten "II)" merged by OCR
        ("D) Un mode", "I"),  # handwritten "I)" merged by OCR
        ("A. Connaître", "A"),
        ("À. Connaître", "A"),
        ("B) Financer", "B"),
        ("8. Financer", "B"),
        ("6. Des limites", "B"),  # a handwritten "B." misread
        ("6 agents", None),
        ("En conclusion, la", "conclusion"),
        ("Introduction", "intro"),
        ("Intreduction", "intro"),  # OCR-garbled title
        ("intreduire un repas", None),  # a body line, garbled
        ("W) Une démarche", "II"),  # two strokes run together
        ("[) Des leviers", "I"),
        ("Wagon de", None),
        ("Objet : la", "heading"),
        ("Il est nécessaire", None),
        ("A cette fin", None),
        ("Les bâtiments", None),
        ("C'est pourquoi", None),
        ("DLes enjeux", "I"),  # "I)" run into the heading's first word
        ("DU TOUT", None),  # lines written in block capitals: words, no numerals
        ("DONC LE PROJET", None),
        ("DIRECTION DES SERVICES", "heading"),
        ("hUIT JOURS", None),
    ],
)
def test_parse_marker(text, kind):
    assert parse_marker(text) == kind


def test_outline_precedence_and_orphan_letters():
    pages = [
        PageText("", "", (("I", 0.3), ("A", 0.5)), 20, 1.0),
        PageText("", "", (("B", 0.4),), 20, 1.0),  # I.B or II.B: I.B is the free slot... both are free
        PageText("", "", (("II", 0.2), ("A", 0.6)), 20, 1.0),
    ]
    before = outline.precedence_matrix(pages)
    assert before[0, 2] == pytest.approx(1.0, abs=0.01)
    assert before[2, 0] == 0.0
    assert 0.0 < before[1, 2] < 1.0  # ambiguous: B before II only if it is I.B


def test_outline_moves_forward_on_a_page():
    # "B ... A." on one page: the part heading between them was missed; "I) ... I)": the second is II)
    assert outline._positions(["B", "A"], 10) == [12, 21]
    assert outline._positions(["I", "A", "I", "A"], 10) == [10, 11, 20, 21]
    assert outline._positions(["heading", "intro", "I", "A"], 10) == [0, 1, 10, 11]
    assert outline._positions(["B", "II", "A"], 10) == [12, 20, 21]


def test_repeated_numeral_may_be_noise():
    # "I) ... I) ... I)" on one page: I, II, III in twenty lines is less likely than OCR noise
    pages = [
        PageText("", "", (("I", 0.15), ("I", 0.7), ("I", 0.75)), 20, 0.95),
        PageText("", "", (("B", 0.2), ("II", 0.3), ("A", 0.35)), 20, 0.95),
    ]
    options = outline.outline_options(pages)[0]
    assert any(max(pos) < 20 for _, pos in options)  # the noise reading keeps the page in part I
    assert best_order(pages).order == [0, 1]


def test_lone_two_may_be_a_one():
    # no page shows "I)": the first "II)" may be an "I)" whose strokes counted twice
    pages = [
        PageText("", "", (("II", 0.6), ("A", 0.65)), 20, 0.95),
        PageText("", "", (("A", 0.05),), 20, 0.95),
    ]
    options = outline.outline_options(pages)[0]
    assert {tuple(pos) for _, pos in options} == {(20, 21), (10, 11)}
    assert outline.outline_options([pages[0], PageText("", "", (("I", 0.1),), 20, 0.9)])[0] == [
        (1.0, [20, 21])
    ]


def test_outline_readings_are_joint():
    # "I) A." on two pages: one is a misread "II)". The pages are read together, so I.A is on one page
    # only, and the two orphan "B." pages are I.B and II.B (in either order), never both before II).
    pages = [
        PageText("", "", (("heading", 0.02), ("heading", 0.07), ("I", 0.5), ("A", 0.55)), 20, 1.0),
        PageText("", "", (("B", 0.3),), 20, 1.0),
        PageText("", "", (("I", 0.02), ("A", 0.07)), 20, 1.0),
        PageText("", "", (("B", 0.3),), 20, 1.0),
    ]
    combos = outline.outline_combos(pages)
    weight, best = combos[0]
    assert best[2] == [20, 21]
    assert sorted([best[1], best[3]]) == [[12], [22]]
    assert sum(w for w, c in combos if c[2] == [10, 11]) < 0.1
    # no joint reading puts both "B." pages between I) and II): that order scores below both readings
    consistent = ordering.order_score([0, 1, 2, 3], pages)
    assert ordering.order_score([0, 3, 2, 1], pages) == pytest.approx(consistent)
    assert ordering.order_score([0, 1, 3, 2], pages) < consistent - 3.0


def test_outline_settles_a_garbled_copy():
    # unreadable text everywhere (no sentence evidence): the outline alone orders the pages
    junk = "Lr ee pmo fvc ss"
    pages = [
        PageText(
            "Ville de Valbourg\nDirection des services",
            junk,
            (("heading", 0.02), ("heading", 0.06), ("I", 0.6), ("A", 0.65)),
            20,
            0.95,
        ),  # fmt: skip
        PageText(junk, junk, (("B", 0.4), ("A", 0.9)), 20, 0.95),  # I.B, then II) missed, II.A
        PageText(junk, junk, (("B", 0.5),), 20, 0.95),
        PageText(junk, junk + ".", (("conclusion", 0.3),), 9, 0.4),
    ]
    for seed in range(4):
        perm = list(range(4))
        random.Random(seed).shuffle(perm)
        result = best_order([pages[p] for p in perm])
        assert [perm[i] for i in result.order] == [0, 1, 2, 3]


def test_start_and_end_scores_on_the_memo():
    pages = memo_pages()
    assert int(np.argmax(start_scores(pages))) == 0
    assert int(np.argmax(end_scores(pages))) == len(pages) - 1


# --- solver ----------------------------------------------------------------------------------------------


def test_single_page():
    result = best_order([memo_pages()[0]])
    assert result.order == [0] and result.confidence == 1.0 and result.method == "single"
    assert best_order([]).order == []


@pytest.mark.parametrize("flip", [False, True])
def test_two_pages(flip):
    pages = memo_pages()[:2]
    shuffled = pages[::-1] if flip else pages
    result = best_order(shuffled)
    truth = [1, 0] if flip else [0, 1]
    assert result.order == truth
    assert result.confidence > 0.5
    assert len(result.links) == 1 and result.links[0].after == truth[0]


@pytest.mark.parametrize("seed", range(8))
def test_shuffled_memo_is_recovered(seed):
    pages = memo_pages()
    perm = list(range(len(pages)))
    random.Random(seed).shuffle(perm)
    result = best_order([pages[p] for p in perm])
    assert [perm[i] for i in result.order] == list(range(len(pages)))
    assert result.method == "continuity"
    assert result.confidence > 0.5


def test_break_at_paragraph_end_is_placed_by_the_outline():
    # Pages 2 and 3 of the memo meet at a paragraph end: no sentence runs across. Only the outline says
    # that "B. Des obligations" (page 3) follows the page that holds I) A.
    pages = memo_pages()
    links = link_matrix(pages)
    assert links[2, 3] > 0
    assert links[2, 3] > links[2, 4]


def test_interchangeable_pages_give_low_confidence():
    first = PageText("Ville de Valbourg\nDirection\nle 3 février 2024", "les travaux de", (), 22, 0.95)
    middle = PageText("la commune sont engagés,", "les travaux de", (), 22, 0.95)
    last = PageText("la commune sont engagés.", "fin du propos.", (), 22, 0.3, tail_end=0.3)
    result = best_order([first, middle, middle, last])
    assert result.order[0] == 0 and result.order[-1] == 3
    assert result.confidence < 0.2


def _brute_force(start, links, end, before):
    scored = []
    for order in itertools.permutations(range(len(start))):
        score = start[order[0]] + end[order[-1]] + sum(links[a, b] for a, b in itertools.pairwise(order))
        score -= ordering.PREC_WEIGHT * sum(before[b, a] for x, a in enumerate(order) for b in order[x + 1 :])
        scored.append((score, list(order)))
    scored.sort(key=lambda t: -t[0])
    return scored


@pytest.mark.parametrize("seed", range(5))
def test_held_karp_matches_brute_force_best_and_runner_up(seed):
    rng = np.random.default_rng(seed)
    n = 6
    start, end = rng.normal(size=n), rng.normal(size=n)
    links = rng.normal(size=(n, n))
    np.fill_diagonal(links, -np.inf)
    before = rng.uniform(size=(n, n)) * (rng.uniform(size=(n, n)) < 0.2)
    np.fill_diagonal(before, 0)
    exact = _brute_force(start, links, end, before)
    ranked = ordering._held_karp(start, links, end, before)
    assert ranked[0][1] == exact[0][1]
    assert ranked[0][0] == pytest.approx(exact[0][0])
    assert ranked[1][0] == pytest.approx(exact[1][0])
    beam = ordering._beam(start, links, end, before)
    assert beam[0][0] == pytest.approx(exact[0][0])


@pytest.mark.parametrize("n", [2, 3, 6])
def test_log_partition_matches_brute_force(n):
    rng = np.random.default_rng(n)
    start, end = rng.normal(size=n), rng.normal(size=n)
    links = rng.normal(size=(n, n))
    np.fill_diagonal(links, -np.inf)
    before = (rng.uniform(size=(n, n)) < 0.2).astype(float)
    np.fill_diagonal(before, 0)
    scores = [score for score, _ in _brute_force(start, links, end, before)]
    expected = np.log(np.sum(np.exp(np.array(scores) / 2.0)))
    assert ordering._log_partition(start, links, end, before, 2.0) == pytest.approx(expected)


@pytest.mark.parametrize("n", [2, 3, 5])
def test_join_probabilities_match_brute_force(n):
    # the share of the tempered score mass, over every order, of the orders in which b follows a directly
    rng = np.random.default_rng(10 + n)
    start, end = rng.normal(size=n), rng.normal(size=n)
    links = rng.normal(size=(n, n))
    np.fill_diagonal(links, -np.inf)
    before = (rng.uniform(size=(n, n)) < 0.2).astype(float)
    np.fill_diagonal(before, 0)
    exact = _brute_force(start, links, end, before)
    weights = np.exp(np.array([score for score, _ in exact]) / ordering.TEMPERATURE)
    expected = np.zeros((n, n))
    for weight, (_, order) in zip(weights, exact, strict=True):
        for a, b in itertools.pairwise(order):
            expected[a, b] += weight
    expected /= weights.sum()
    joins = ordering.join_probabilities([(0.0, (start, links, end, before))])
    assert joins == pytest.approx(expected, abs=1e-9)
    # every page but the last of an order is followed by exactly one page
    assert joins.sum() == pytest.approx(n - 1)


def test_a_join_the_text_does_not_support_is_given_a_low_probability():
    pages = memo_pages()
    result = best_order(pages)
    assert result.order == list(range(len(pages)))
    assert all(0.0 <= link.probability <= 1.0 for link in result.links)
    # two interchangeable middle pages: the joins around them are as likely one way as the other
    first = PageText("Ville de Valbourg\nDirection\nle 3 février 2024", "les travaux de", (), 22, 0.95)
    middle = PageText("la commune sont engagés,", "les travaux de", (), 22, 0.95)
    last = PageText("la commune sont engagés.", "fin du propos.", (), 22, 0.3, tail_end=0.3)
    doubtful = best_order([first, middle, middle, last])
    assert doubtful.links[0].probability < 0.6
    assert min(link.probability for link in result.links) > max(
        link.probability for link in doubtful.links[:2]
    )


def test_confidence_falls_with_many_close_orders():
    # same margin between the best two orders, but more orders close behind: less confidence
    pages = memo_pages()[:3]
    three = best_order(pages).confidence
    assert 0.0 < three <= 1.0
    first = PageText("Ville de Valbourg\nDirection\nle 3 février 2024", "les travaux de", (), 22, 0.95)
    middle = PageText("la commune sont engagés,", "les travaux de", (), 22, 0.95)
    last = PageText("la commune sont engagés.", "fin du propos.", (), 22, 0.3, tail_end=0.3)
    assert best_order([first, middle, last]).confidence > best_order([first, middle, middle, last]).confidence


def test_long_copy_uses_beam_search():
    rng = np.random.default_rng(0)
    n = 14
    links = np.full((n, n), -1.0)
    for k in range(n - 1):
        links[k, k + 1] = 3.0
    np.fill_diagonal(links, -np.inf)
    start, end = np.zeros(n), np.zeros(n)
    start[0] = end[-1] = 2.0
    perm = rng.permutation(n)
    ranked = ordering._beam(start[perm], links[np.ix_(perm, perm)], end[perm], np.zeros((n, n)))
    assert [int(perm[i]) for i in ranked[0][1]] == list(range(n))


def test_order_score_agrees_with_solver():
    pages = memo_pages()
    result = best_order(pages)
    assert ordering.order_score(result.order, pages) >= ordering.order_score(
        list(range(len(pages)))[::-1], pages
    )


def test_line_trust_discounts_specks_and_garble():
    from anonymat.reading.ordering import line_trust

    assert line_trust("") == 0.0
    assert line_trust("D") < 0.2  # a lone letter read from a speck or a label
    assert line_trust("qui ont été prises par la commune") == 1.0
    assert line_trust("Regertaqny ule AVR NIIIU") < 0.5


def test_garbled_last_line_weighs_less_than_a_clear_one():
    from anonymat.reading.ordering import tail_evidence

    clear = PageText("", "les mesures prises par la", (), 20, 0.95, tail_end=1.0)
    speck = PageText("", "les mesures prises par la\nD", (), 20, 0.95, tail_end=1.0)
    assert tail_evidence(clear) > 3.0
    assert tail_evidence(speck) < 1.5  # "D" alone is not the preposition "d'"


def test_hyphenated_word_completed_through_ocr_errors():
    from anonymat.reading.ordering import boundary_link

    assert boundary_link("la gestion de l'adminis-", "tration des biens") == 3.0  # read right
    assert boundary_link("la gestion de l'admims-", "tration des biens") > 1.0  # two letters misread
    assert boundary_link("le déve-", "loppememt durable") > 1.0
    assert boundary_link("ils sont pro-", "maison de ville") == 0.0  # no French word near "promaison"


def test_nearest_word_ignores_short_and_unknown_text():
    assert words.nearest_word("administmtion") == ("administration", pytest.approx(0.857, abs=0.01))
    assert words.nearest_word("abc") is None
    assert words.nearest_word("zzqxwptlkv") is None


# --- issue 13, third round: generic openings (fixtures written for these tests) ---------------------


def test_a_date_counts_as_an_opening_only_where_a_letter_puts_it():
    # a letter's date: alone on its line, after the place and a comma, or opening the line
    assert heading_evidence("Valbourg, le 3 février 2024") >= 1.5
    assert heading_evidence("Château de Kérano le 20 avril 1915") >= 1.5
    assert heading_evidence("Le 12 mars 2023") >= 1.5
    # a date inside a sentence (a birth date in a summary) says nothing about the page opening the text
    assert heading_evidence("Guy Hersant, né le 24 novembre 1949 à Fercé en Loire-") == 0.0
    assert heading_evidence("et mort dans la même ville le 4 décembre 1891 à l'âge") == 0.0
    assert heading_evidence("Jean Paul Marie Durand à Lyon le 3 mars 1850") == 0.0  # no dateline: 5 words
    # a head line is read to half its width: the date may end the piece read, a participle still tells
    assert heading_evidence("Anne Morel, née le 2 octob") == 0.0


def test_a_month_deep_in_a_sentence_is_not_a_date_line():
    assert heading_evidence("Il fut démoli bien plus tard, vers la fin de mars") == 0.0
    assert heading_evidence("Mars 2024") > 0.0


def test_generic_opening_lines_whatever_their_wording():
    from anonymat.reading.outline import opening_line_evidence

    for line in ("Madame, Monsieur,", "Madame la Directrice,", "Cher collègue,", "Sujet : la ville"):
        assert opening_line_evidence(line) >= 1.5, line
    for line in ("Compte rendu de la séance", "Rapport sur les transports", "Procès-verbal du jury"):
        assert opening_line_evidence(line) >= 1.0, line
    assert opening_line_evidence("Destinataires :") == 0.5
    # OCR-garbled openings still count
    assert opening_line_evidence("Madaue, Monsieur") >= 1.5
    assert opening_line_evidence("Sujct : les communes") >= 1.5
    assert opening_line_evidence("Conpte rendu de la") >= 1.0
    # body lines do not: lowercase (a continued sentence), a long sentence, a word in the middle
    assert opening_line_evidence("rapport de la commission, qui") == 0.0
    assert (
        opening_line_evidence("Monsieur le Maire a décidé de fermer la piscine municipale en juillet") == 0.0
    )
    assert opening_line_evidence("Le rapport de la commission") == 0.0


def test_a_letter_opening_makes_its_page_the_first():
    first = PageText("Madame, Monsieur,\nJe vous écris au sujet de la", "des familles et des", (), 24, 0.97)
    second = PageText("Les travaux dureront trois\nmois au moins", "Veuillez agréer, Madame,", (), 24, 0.97)
    third = PageText("usagers du service, qui ont\nsouvent", "de votre dossier.", (), 10, 0.4)
    assert start_scores([first, second, third]).argmax() == 0


def test_word_order_across_a_break():
    # a subject pronoun is followed by a verb or a clitic, not by a determiner
    assert boundary_link("et depuis ce jour il", "est parti sans rien dire") > 0
    assert boundary_link("et depuis ce jour il", "les a revus") > 0
    assert boundary_link("et depuis ce jour il", "des enfants du village") < 0
    # a determiner or a preposition is not followed by a finite verb; "a" may be "à" read without accent
    assert boundary_link("la maison de", "sont vendues") < 0
    assert boundary_link("la maison de", "a Paris") == 0.0
    # punctuation at the break: nothing to say about word order
    assert boundary_link("il l'a dit. Il", "des fois") < 0  # still a pronoun read
    assert boundary_link("je vous remercie, vous.", "Que Dieu vous garde") == 0.0
    # "ce" before a relative and "tout" before a determiner are not two determiners in a row
    assert boundary_link("j'ai fait tout ce", "que j'ai pu") > 0
    assert boundary_link("elles resteront toutes", "les trois ensemble") > 0
    assert boundary_link("ils ont vendu la", "les maisons") < 0
    # OCR-garbled: an unknown word says nothing
    assert boundary_link("et depuis ce jour il", "dxs enfamts") == 0.0


def test_a_dateline_without_le():
    assert heading_evidence("Rochefort 3 août 1914") >= 1.5
    assert heading_evidence("Brest, ce 6 juin 1916") >= 1.5
    assert heading_evidence("12 mars 2024") >= 1.5
    assert heading_evidence("il est parti le 3 mai 1915") == 0.0
    assert heading_evidence("né à Paris 3 mai 1915") == 0.0


def test_a_part_empty_page_comes_before_the_part_that_opens_the_next_page():
    # the writer left page 3 part-empty to start part II on a fresh page; the outline alone (I.B then II)
    # would rather put II right after page 2 and the part-empty page last
    def written(head: str, tail: str, fill: float, markers: tuple = (), tail_end: float = 0.55) -> PageText:
        return PageText(head=head, tail=tail, markers=markers, lines=round(22 * fill), fill=fill,
                        tail_end=tail_end)  # fmt: skip

    pages = [
        written(
            "Ville de Montreuil\nDirection des services techniques\nObjet : entretien des espaces verts",
            "la commune confie la tonte à une entreprise\nextérieure depuis le printemps dernier.",
            0.96,
            (("I", 0.4), ("A", 0.6)),
        ),  # fmt: skip
        written(
            "Cette entreprise intervient deux fois\npar mois sur les terrains de sport",
            "les agents du service restent chargés\ndes massifs et des plantations.",
            0.96,
            (("B", 0.5),),
        ),
        written(
            "Les serres municipales fournissent\nles jeunes plants chaque printemps",
            "le coût de ce travail reste\nmodeste pour la commune.",
            0.4,
        ),  # fmt: skip
        written(
            "II) Les pistes d'amélioration\nLe service propose de reprendre",
            "un premier bilan sera présenté\nau conseil municipal en juin.",
            0.96,
            (("II", 0.03), ("A", 0.2), ("B", 0.6)),
        ),  # fmt: skip
        written(
            "Les habitants seront associés\naux choix des nouvelles plantations",
            "sur les besoins exprimés par les\nquartiers.",
            0.75,
            (("conclusion", 0.3),),
            tail_end=0.2,
        ),
    ]
    for shuffle in [(4, 3, 2, 1, 0), (2, 0, 4, 1, 3), (1, 3, 0, 2, 4)]:
        result = ordering.best_order([pages[i] for i in shuffle])
        assert [shuffle[i] for i in result.order] == [0, 1, 2, 3, 4]


def test_a_page_break_in_mid_sentence_is_joined_by_the_words_french_puts_side_by_side():
    # issue 13's hard case: every break falls mid-sentence after a singular determiner, where word classes
    # cannot choose ("de la | mise" and "de la | service" are both a determiner and a noun)
    def written(head: str, tail: str) -> PageText:
        return PageText(head=head, tail=tail, markers=(), lines=22, fill=0.96, tail_end=0.95)

    pages = [
        written(
            "Objet : le plan de propreté des rues\nLe conseil municipal a voté en mars un plan",
            "les équipes de nettoiement sont désormais\norganisées dans le cadre de la",
        ),
        written(
            "mise en œuvre du plan, qui prévoit deux passages\npar semaine dans chaque rue du centre",
            "les encombrants sont enlevés sur rendez-vous\net les dépôts sauvages signalés au",
        ),
        written(
            "service de la voirie, qui dresse un procès-verbal\net engage des poursuites contre leurs auteurs",
            "les horaires de collecte seront affichés\ndans chaque immeuble et dans les locaux du",
        ),
        written(
            "quartier avant la fin de l'année.\nUn premier bilan sera présenté en décembre",
            "au conseil municipal, avec les chiffres\nde la collecte et des plaintes reçues.",
        ),
    ]
    for shuffle in [(3, 2, 1, 0), (0, 2, 1, 3), (2, 0, 3, 1)]:
        result = ordering.best_order([pages[i] for i in shuffle])
        assert [shuffle[i] for i in result.order] == [0, 1, 2, 3]
        assert result.confidence >= 0.5  # not sent to review: without the word pairs, 0-2-1-3 ties


def test_word_pair_association_follows_french_usage_and_is_silent_on_unknown_words():
    assert association("la", "mise") > 1.0
    assert association("la", "service") < -1.0  # "service" is masculine
    assert association("des", "usagers") > association("la", "usagers")
    assert association("d'", "usage") > 0.0  # an elided article touches the next page's word
    assert association("la", "xqzvw") == 0.0  # a misread word says nothing
    assert ordering.word_pair_link("organisées dans le cadre de la", "mise en œuvre") > 0.0
    assert ordering.word_pair_link("une phrase finie.", "Mise en œuvre") == 0.0  # punctuation: not a pair
    # a heading (or a sentence whose stop OCR lost) before a capital: the corpus has no pair across sentences
    assert ordering.word_pair_link("1) État d'avancement des travaux", "Le remplacement des appuis") == 0.0


def test_a_date_cut_at_the_page_end_links_the_month_to_the_year_on_the_next_page():
    assert boundary_link("les obligations fixées par le décret du 23 avril", "2019 fixe désormais") == 2.0
    assert boundary_link("le décret a été publié en avril.", "2019 fut une année") < 2.0
    assert boundary_link("nous avons compté", "2019 personnes") < 2.0


def test_without_the_word_pair_table_doctor_fails_and_ordering_still_runs(monkeypatch):
    from anonymat import doctor
    from anonymat.text import bigrams

    monkeypatch.setattr(bigrams, "DATA", "data/absent.npz")
    bigrams._load.cache_clear()
    bigrams.association.cache_clear()
    try:
        check = next(c for c in doctor.run_checks() if c.name.startswith("paires de mots"))
        assert not check.ok and "absent.npz" in check.detail and check.required
        assert association("la", "mise") == 0.0
        pages = [
            PageText("Objet : le plan de propreté", "sont organisées dans le cadre de la", (), 22, 0.96),
            PageText("mise en œuvre du plan, qui prévoit", "un bilan sera présenté en juin.", (), 22, 0.96),
        ]
        assert ordering.best_order(pages).order == [0, 1]
    finally:
        monkeypatch.undo()
        bigrams._load.cache_clear()
        bigrams.association.cache_clear()
    assert association("la", "mise") > 1.0


def test_a_sentence_opener_cut_at_the_page_end_links_to_its_second_word():
    # "De plus", "En effet": the page ends on the first word of a new sentence, the next page completes it
    assert (
        boundary_link("ont déjà engagé des démarches comparables. De", "plus, les retours d'expérience")
        == 2.0
    )
    assert boundary_link("montre des situations trés contrastées. En", "effet, les agents") == 2.0
    assert boundary_link("Tout", "d'abord, il faut rappeler") == 2.0  # alone on the last line
    # the same two words inside a sentence are no locution: the hausse "de | plus de 10 %"
    assert boundary_link("une hausse de", "plus de dix pour cent") < 2.0
    assert boundary_link("ont déjà engagé des démarches comparables. De", "nombreux agents") < 2.0
    assert boundary_link("comparables. De.", "plus, les retours") < 2.0  # a stop after it: no cut sentence


def copy_of_two_texts() -> list[PageText]:
    """An essay (I, II, conclusion) and then a second answer opening mid-page with its own heading and
    its own "I." (a copy answering two questions). Written for this test."""
    return [
        PageText(
            "Sujet : la semaine de quatre jours peut-elle\nLongtemps réservée à quelques services, la\nsemaine",
            "ce qu'elle apporte, puis les limites qui\nen imposent l'encadrement.",
            (), 9, 0.39, 0.35, 0.0,
        ),
        PageText(
            "I. Un outil au service des agents\nD'abord, la semaine de quatre jours permet\naux agents de mieux",
            "ceux qui ne peuvent pas en profiter.\nPar ailleurs, le collectif de travail y perd. Les échanges infor-",
            (("I", 0.02), ("II", 0.69)), 22, 0.97, 0.99, 0.0,
        ),
        PageText(
            "mels, qui permettent de régler vite un\nproblème, se font plus rares pour les nou-\nveaux arrivants.",
            "A. Les raisons du changement\nD'abord, l'enquête menée l'an dernier auprès de huit cents usagers a",
            (("conclusion", 0.42), ("heading", 0.69), ("A", 0.91)), 21, 0.97, 0.93, 0.0,
        ),
        PageText(
            "montré une forte demande d'ouverture le samedi\nmatin. Les créneaux du mardi après-midi, en",
            "I. Le calendrier des travaux\nLa reprise des bétons dégradés sous le tablier est réalisée aux deux tiers.",
            (("B", 0.33), ("heading", 0.55), ("I", 0.8)), 22, 0.97, 0.95, 0.0,
        ),
    ]  # fmt: skip


def test_a_copy_of_two_texts_is_not_read_as_one_outline():
    # read as one plan, the second text's "I." must come before the essay's "II." and the copy ends too
    # early; each text having its own plan, only the headings' links across a break are kept
    from anonymat.reading.outline import several_texts

    pages = copy_of_two_texts()
    assert several_texts(pages)
    assert not several_texts(memo_pages())
    for perm in itertools.permutations(range(len(pages))):
        result = ordering.best_order([pages[p] for p in perm])
        assert [perm[i] for i in result.order] == [0, 1, 2, 3]


def test_headings_seen_once_each_still_order_a_copy_of_several_texts():
    # two texts, one numbering its parts I, II and the other A., B., C.: each numbering still goes up in
    # reading order, whichever text each heading belongs to
    from anonymat.reading.outline import family_precedence

    def page(*markers: tuple[str, float]) -> PageText:
        return PageText("Le texte", "la suite", markers, 20, 0.95)

    pages = [page(("II", 0.3)), page(("heading", 0.1), ("I", 0.5)), page(("B", 0.4)), page(("A", 0.2))]
    before = family_precedence(pages)
    assert before[1, 0] == 1.0 and before[0, 1] == 0.0  # I before II
    assert before[3, 2] == 1.0 and before[2, 3] == 0.0  # A. before B.
    assert before[1, 2] == 0.0 and before[0, 3] == 0.0  # nothing across two numberings
    # the second text numbers its parts anew: its "I." says nothing of where the first text's "II." is
    restarted = family_precedence([page(("I", 0.2)), page(("II", 0.5)), page(("heading", 0.1), ("I", 0.4))])
    assert not restarted.any()
    fixture = family_precedence(copy_of_two_texts())  # "I" on pages 1 and 3; "A." on page 2, "B." on 3
    assert fixture[1].sum() == 0.0 and fixture[2, 3] == 1.0


def test_an_i_before_an_apostrophe_is_ocr_s_l_and_says_nothing_of_case():
    # "I'humidité" is no French word: OCR read a handwritten "l'" (or "L'"), so the head is no sentence start
    def page(head: str) -> PageText:
        return PageText(head, "la suite.", (), 20, 0.95)

    assert head_evidence(page("I'humidité de l'automne risquait de ralentir")) == 0.0
    assert head_evidence(page("L'humidité de l'automne risquait de ralentir")) < 0.0
    tail = "qu'après la mise en peinture. Le peintre a indiqué que"
    misread = link_matrix(
        [page("Le chantier"), PageText("x", tail, (), 20, 0.95), page("I'humidité de l'automne")]
    )
    capital = link_matrix(
        [page("Le chantier"), PageText("x", tail, (), 20, 0.95), page("L'humidité de l'automne")]
    )
    assert misread[1, 2] > capital[1, 2] + 1.0
