"""Synthetic scanned exam copies (template cdg-est) with their truth, for tests, demos and benchmarks."""

from __future__ import annotations

from anonymat.synth.corpus import make_corpus

__all__ = ["make_corpus"]
