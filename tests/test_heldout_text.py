"""Held-out memo texts (synth/heldout_text.py): written apart from the bank, laid out on any page count."""

from __future__ import annotations

import json
from importlib import resources

import numpy as np
import pytest

from anonymat.synth import heldout_text
from anonymat.synth.hand import Hand, available_fonts
from anonymat.synth.text import page_text


def test_hyphen_split_cuts_long_words_only():
    assert heldout_text.hyphen_split("administration") is not None
    head, rest = heldout_text.hyphen_split("administration")
    assert head.endswith("-") and head[:-1] + rest == "administration"
    assert len(head) >= 4 and len(rest) >= 3
    assert heldout_text.hyphen_split("petit") is None
    assert heldout_text.hyphen_split("aujourd'hui") is None


def test_blocks_stop_after_the_sentences_used():
    blocks = heldout_text.blocks_for(heldout_text.REPORT, 2, close=False)
    words = " ".join(w for _, tokens in blocks for w, _ in tokens)
    assert words.startswith("Rapport au conseil")
    assert words.endswith("des observations recueillies auprès des familles.")
    assert blocks[-1][0] == "para"


def test_texts_are_not_the_banks():
    bank = json.loads(resources.files("anonymat.synth").joinpath("data/bank.json").read_text("utf-8"))
    bank_text = json.dumps(bank, ensure_ascii=False)
    for document in heldout_text.DOCUMENTS.values():
        for kind, text in document:
            for sentence in heldout_text.sentences(text) if kind == "para" else []:
                assert sentence not in bank_text


@pytest.mark.skipif(not available_fonts(held_out=True), reason="held-out fonts not installed")
@pytest.mark.parametrize("n_pages", [2, 5, 8])
def test_layout_fills_the_pages(n_pages):
    name, path = sorted(available_fonts(held_out=True).items())[0]
    rng = np.random.default_rng(n_pages)
    pages = heldout_text.layout_held_out(Hand(name, path, 200, rng), n_pages, rng, 22, 161.0)
    assert len(pages) == n_pages
    assert all(page_text(p) for p in pages)


@pytest.mark.skipif(not available_fonts(held_out=True), reason="held-out fonts not installed")
def test_some_pages_end_on_a_word_cut_with_a_hyphen(monkeypatch):
    monkeypatch.setattr(heldout_text, "PAGE_HYPHEN", 1.0)  # every mid-sentence page end that can be cut
    name, path = sorted(available_fonts(held_out=True).items())[0]
    cut_ends = 0
    for seed in range(4):
        rng = np.random.default_rng(100 + seed)
        pages = heldout_text.layout_held_out(Hand(name, path, 200, rng), 6, rng, 22, 161.0)
        assert len(pages) == 6
        ends = [[line for line in page if line.words][-1] for page in pages[:-1]]
        cut_ends += sum(line.words[-1][0].endswith("-") for line in ends)
    assert cut_ends >= 1
