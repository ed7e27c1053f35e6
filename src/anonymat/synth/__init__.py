"""Synthetic scanned exam copies (form cdg-est, or the other layouts of layouts.py) with their truth."""

from __future__ import annotations

from anonymat.synth.corpus import make_corpus

__all__ = ["make_corpus"]
