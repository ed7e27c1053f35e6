"""The candidate's "note": French memo text built from the bank, wrapped and split into pages."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from anonymat.synth import bank
from anonymat.synth.hand import Hand

LINES_PER_PAGE = 22
SECTIONS = ("IA", "IB", "IIA", "IIB")


@dataclass
class Line:
    words: list[tuple[str, int]]  # (word, jitter index)
    indent_mm: float = 0.0
    block_end: bool = False  # last line of a paragraph/title
    block: int = -1
    kind: str = "para"

    @property
    def text(self) -> str:
        return " ".join(w for w, _ in self.words)


@dataclass
class Memo:
    """Sentence pools for one copy; counts pick how much of each pool is used."""

    heading: list[str]
    intro: list[str]
    plan: str
    titles: dict[str, str]
    pools: dict[str, list[str]]
    conclusion: list[str]
    skip_lines: bool
    indent_mm: float
    breaks: np.ndarray = field(repr=False)

    def blocks(self, counts: dict[str, int]) -> list[tuple[str, list[tuple[str, int]]]]:
        """(kind, tokens) with kind in line/para/title/blank; tokens carry a stable jitter index."""
        out: list[tuple[str, list[tuple[str, int]]]] = [
            ("line", _tok(h, 32 * i)) for i, h in enumerate(self.heading)
        ]
        out.append(("blank", []))
        intro = [_tok(s, 400 + 48 * i) for i, s in enumerate(self.intro[: counts["intro"]])]
        out.append(("para", _join(intro + [_tok(self.plan, 700)])))
        for p, part in enumerate(("I", "II")):
            if self.skip_lines:
                out.append(("blank", []))
            out.append(("title", _tok(f"{part}) {self.titles[part]}", 800 + 96 * p)))
            for q, sub in enumerate(("A", "B")):
                key = part + sub
                out.append(("title", _tok(f"{sub}. {self.titles[key]}", 832 + 96 * p + 32 * q)))
                base = 1000 + 3000 * SECTIONS.index(key)
                sentences = [_tok(s, base + 48 * i) for i, s in enumerate(self.pools[key][: counts[key]])]
                half = len(sentences) // 2 if len(sentences) >= 8 else len(sentences)
                out.append(("para", _join(sentences[:half])))
                if half < len(sentences):
                    out.append(("para", _join(sentences[half:])))
        if counts["conclusion"]:
            if self.skip_lines:
                out.append(("blank", []))
            out.append(
                (
                    "para",
                    _join(
                        [_tok(s, 13000 + 48 * i) for i, s in enumerate(self.conclusion)][
                            : counts["conclusion"]
                        ]
                    ),
                )
            )
        return out


def _tok(text: str, base: int) -> list[tuple[str, int]]:
    return [(word, base + j) for j, word in enumerate(text.split())]


def _join(parts: list[list[tuple[str, int]]]) -> list[tuple[str, int]]:
    return [t for part in parts for t in part]


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def _fill(template: str, topic: dict, ctx: dict, rng: np.random.Generator) -> str:
    slots = {
        key: topic[key][int(rng.integers(len(topic[key])))]
        for key in ("enjeu", "acteur", "action", "risque", "texte")
    }
    slots.update(np=topic["np"], de=topic["de"], ville=ctx["ville"], service=ctx["service"])
    return template.format(**slots)


def _sentences(
    pool: list[str], n: int, topic: dict, ctx: dict, rng: np.random.Generator, connectors: bool = True
) -> list[str]:
    order = list(rng.permutation(len(pool)))
    while len(order) < n:
        order += list(rng.permutation(len(pool)))
    out = []
    for i in range(n):
        s = _fill(pool[order[i]], topic, ctx, rng)
        if connectors and i and rng.random() < 0.3:
            s = bank.CONNECTORS[int(rng.integers(len(bank.CONNECTORS)))] + s[:1].lower() + s[1:]
        out.append(_cap(s))
    return out


def _date(rng: np.random.Generator) -> str:
    return (
        f"{int(rng.integers(1, 29))} {bank.MONTHS[int(rng.integers(0, 12))]} {int(rng.integers(2021, 2025))}"
    )


def make_memo(rng: np.random.Generator, max_sentences: int = 60) -> Memo:
    topic = bank.TOPICS[int(rng.integers(len(bank.TOPICS)))]
    ctx = {"ville": str(rng.choice(bank.TOWNS)), "service": str(rng.choice(topic["service"]))}
    heading = [
        f"Ville de {ctx['ville']}",
        f"Direction {ctx['service']}",
        f"{ctx['ville']}, le {_date(rng)}",
        str(rng.choice(bank.RECIPIENTS)),
        f"Objet : {rng.choice(topic['objet'])}",
    ]
    if rng.random() < 0.3:
        heading.insert(3, "")
    titles = {"I": topic["titres"][0], "II": topic["titres"][1]}
    subs_i = rng.permutation(bank.SUBTITLES_I)[:2]
    subs_ii = rng.permutation(bank.SUBTITLES_II)[:2]
    titles.update(IA=str(subs_i[0]), IB=str(subs_i[1]), IIA=str(subs_ii[0]), IIB=str(subs_ii[1]))
    intro = _sentences(bank.INTRO, 6, topic, ctx, rng, connectors=False)
    pools = {
        "IA": _sentences(bank.BODY_I, max_sentences, topic, ctx, rng),
        "IB": _sentences(bank.BODY_I, max_sentences, topic, ctx, rng),
        "IIA": _sentences(bank.BODY_II, max_sentences, topic, ctx, rng),
        "IIB": _sentences(bank.BODY_II, max_sentences, topic, ctx, rng),
    }
    conclusion = _sentences(bank.CONCLUSION, 3, topic, ctx, rng, connectors=False)
    return Memo(
        heading=[h for h in heading],
        intro=intro,
        plan=str(rng.choice(bank.PLAN)),
        titles=titles,
        pools=pools,
        conclusion=conclusion,
        skip_lines=bool(rng.random() < 0.5),
        indent_mm=float(rng.choice([0.0, 5.0, 8.0, 10.0])),
        breaks=rng.random(256),
    )


def wrap(
    blocks: list[tuple[str, list[tuple[str, int]]]], hand: Hand, width_mm: float, indent_mm: float
) -> list[Line]:
    """Greedy wrap of the blocks into physical lines, measured with the hand's font and jitter."""
    limit = width_mm * hand.dpi / 25.4
    lines: list[Line] = []
    for b, (kind, tokens) in enumerate(blocks):
        if not tokens:
            lines.append(Line([], block_end=True, block=b, kind=kind))
            continue
        indent = indent_mm if kind == "para" else 0.0
        current: list[tuple[str, int]] = []
        x = indent * hand.dpi / 25.4
        first = True
        for word, k in tokens:
            w = hand.word_width(word, k)
            gap = hand.gap_width(k) if current else 0.0
            if current and x + gap + w > limit:
                lines.append(Line(current, indent if first else 0.0, block=b, kind=kind))
                current, x, gap, first = [], 0.0, 0.0, False
            current.append((word, k))
            x += gap + w
        lines.append(Line(current, indent if first else 0.0, block_end=True, block=b, kind=kind))
    return lines


def paginate(
    lines: list[Line], breaks: np.ndarray, p_force: float = 0.15, lines_per_page: int = LINES_PER_PAGE
) -> list[list[Line]]:
    """Fill pages of lines_per_page; sometimes break right after a paragraph end, leaving the rest empty."""
    pages: list[list[Line]] = [[]]
    for line in lines:
        page = pages[-1]
        if not line.words and not page:
            continue  # no blank line at the top of a page
        page.append(line)
        full = len(page) >= lines_per_page
        forced = (
            line.block_end
            and line.kind == "para"
            and 8 <= len(page) <= lines_per_page - 3
            and breaks[line.block % 256] < p_force
        )
        if full or forced:
            pages.append([])
    while pages and not any(line.words for line in pages[-1]):
        pages.pop()
    return pages


def layout_memo(
    memo: Memo,
    hand: Hand,
    n_pages: int,
    rng: np.random.Generator,
    lines_per_page: int = LINES_PER_PAGE,
    width_mm: float = 195.0 - 32.0 - 2.0,
) -> list[list[Line]]:
    """Grow the memo sentence by sentence until it fills exactly n_pages of the form's ruled lines."""
    width = width_mm
    counts = {
        "intro": int(rng.integers(2, 5)),
        "IA": 1,
        "IB": 1,
        "IIA": 1,
        "IIB": 1,
        "conclusion": int(rng.integers(0, 3)),
    }
    target_fill = int(rng.integers(5, lines_per_page + 1))
    p_force = 0.14

    def pages_for(c: dict[str, int]) -> list[list[Line]]:
        return paginate(
            wrap(memo.blocks(c), hand, width, memo.indent_mm), memo.breaks, p_force, lines_per_page
        )

    best = pages_for(counts)
    if len(best) > n_pages:
        p_force = 0.0
        best = pages_for(counts)

    def done(pages: list[list[Line]]) -> bool:
        return len(pages) > n_pages or (len(pages) == n_pages and len(pages[-1]) >= target_fill)

    # coarse steps (one sentence more in every section), then sentence by sentence
    while not done(best) and all(counts[k] + 1 <= len(memo.pools[k]) for k in SECTIONS):
        trial = dict(counts, **{k: counts[k] + 1 for k in SECTIONS})
        pages = pages_for(trial)
        if done(pages):
            break
        counts, best = trial, pages
    for step in range(200):
        if done(best):
            break
        key = SECTIONS[step % 4] if rng.random() < 0.7 else SECTIONS[int(rng.integers(4))]
        if counts[key] >= len(memo.pools[key]):
            continue
        counts[key] += 1
        pages = pages_for(counts)
        if len(pages) > n_pages:
            break
        best = pages
    return best


def page_text(lines: list[Line]) -> str:
    return " ".join(line.text for line in lines if line.words)
