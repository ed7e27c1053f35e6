"""Development twin of the held-out texts (synth/dev_text.py), laid out by heldout_text.layout_held_out."""

from __future__ import annotations

import hashlib
import json
from importlib import resources

import numpy as np
import pytest

from anonymat.synth import dev_text, heldout_text
from anonymat.synth.corpus import make_corpus
from anonymat.synth.hand import Hand, available_fonts
from anonymat.synth.text import page_text

# sha256 (first 16 hex digits) of the held-out layout's page texts in the first held-out font (ecolier),
# 200 dpi, 22 lines of 161 mm, computed before layout_held_out took its documents as a parameter
HELD_OUT_FINGERPRINTS = {(7, 3): "095e65990338fa37", (11, 6): "1f901ad9854352ee"}


def fingerprint(pages) -> str:
    return hashlib.sha256("\f".join(page_text(p) for p in pages).encode()).hexdigest()[:16]


def test_texts_are_neither_the_banks_nor_the_held_out():
    bank = json.loads(resources.files("anonymat.synth").joinpath("data/bank.json").read_text("utf-8"))
    bank_text = json.dumps(bank, ensure_ascii=False)
    held_out = " ".join(text for document in heldout_text.DOCUMENTS.values() for _, text in document)
    for document in dev_text.DOCUMENTS.values():
        kinds = {kind for kind, _ in document}
        assert kinds <= {"line", "title", "para", "blank", "close"} and "para" in kinds
        for kind, text in document:
            for sentence in heldout_text.sentences(text) if kind == "para" else []:
                assert sentence not in bank_text and sentence not in held_out
        assert 450 <= sum(len(text.split()) for _, text in document) <= 700


@pytest.mark.skipif(not available_fonts(), reason="development fonts not installed")
@pytest.mark.parametrize("n_pages", [2, 5, 8])
def test_dev_documents_fill_the_pages(n_pages):
    name, path = sorted(available_fonts().items())[0]
    rng = np.random.default_rng(n_pages)
    pages = heldout_text.layout_held_out(
        Hand(name, path, 200, rng), n_pages, rng, 22, 161.0, dev_text.DOCUMENTS
    )
    assert len(pages) == n_pages
    assert all(page_text(p) for p in pages)
    first = page_text(pages[0]).split()[:3]
    starts = {" ".join(document[0][1].split()[:3]) for document in dev_text.DOCUMENTS.values()}
    assert " ".join(first) in starts  # a dev document, not a held-out one


@pytest.mark.skipif(not available_fonts(), reason="development fonts not installed")
def test_a_hand_in_block_capitals_writes_unaccented_capitals_and_needs_more_room():
    name, path = sorted(available_fonts().items())[0]
    small = Hand(name, path, 200, np.random.default_rng(1))
    capitals = Hand(name, path, 200, np.random.default_rng(1), capitals=True)
    assert capitals.clean("À l'œuvre, l'élève écrit") == "A L'OEUVRE, L'ELEVE ECRIT"
    assert capitals.word_width("collectivité", 0) > small.word_width("collectivité", 0)


@pytest.mark.skipif(
    sorted(available_fonts(held_out=True))[:1] != ["ecolier"], reason="held-out font ecolier not installed"
)
@pytest.mark.parametrize(("seed", "n_pages"), sorted(HELD_OUT_FINGERPRINTS))
def test_held_out_layout_is_unchanged(seed, n_pages):
    name, path = sorted(available_fonts(held_out=True).items())[0]
    rng = np.random.default_rng(seed)
    pages = heldout_text.layout_held_out(Hand(name, path, 200, rng), n_pages, rng, 22, 161.0)
    assert len(pages) == n_pages
    assert fingerprint(pages) == HELD_OUT_FINGERPRINTS[(seed, n_pages)]
    rng = np.random.default_rng(seed)
    explicit = heldout_text.layout_held_out(
        Hand(name, path, 200, rng), n_pages, rng, 22, 161.0, heldout_text.DOCUMENTS
    )
    assert fingerprint(explicit) == fingerprint(pages)


@pytest.mark.skipif(not available_fonts(cursive=True), reason="fonts-dancingscript not installed")
def test_the_script_hand_is_only_in_the_sets_that_ask_for_it(tmp_path):
    truth = make_corpus(tmp_path, 2, 5, pages_per_copy=(2, 3), jobs=1, cursive_fonts=True, capitals=True)
    assert {c["font"] for c in truth["copies"]} == set(available_fonts(cursive=True))
    assert not set(available_fonts(cursive=True)) & (
        set(available_fonts()) | set(available_fonts(held_out=True))
    )


def test_make_corpus_refuses_unknown_or_contradictory_texts(tmp_path):
    with pytest.raises(ValueError, match="texts must be one of"):
        make_corpus(tmp_path, 1, texts="apart")
    with pytest.raises(ValueError, match="contradicts"):
        make_corpus(tmp_path, 1, held_out_texts=True, texts="dev-apart")
    assert not (tmp_path / "scans").exists()
