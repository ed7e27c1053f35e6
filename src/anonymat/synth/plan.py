"""Drawing every random choice of a corpus up front (parent process), from the master seed."""

from __future__ import annotations

import numpy as np

from anonymat.synth import bank
from anonymat.synth.hand import available_fonts

DAMAGES = ("smudge", "pen", "torn")


def copy_layouts(n: int) -> list[str]:
    """pdf/tiff/jpeg/png per copy: every layout early, a multi-copy PDF as soon as there are 4 copies."""
    if n < 4:
        return ["pdf", "tiff", "jpeg"][:n]
    cycle = ["pdf", "pdf", "tiff", "jpeg", "png", "pdf"]
    return ["pdf", "pdf", "tiff", "jpeg"] + [cycle[i % len(cycle)] for i in range(n - 4)]


def _identity(rng: np.random.Generator) -> dict[str, str]:
    given = list(rng.choice(bank.GIVEN_NAMES, size=int(rng.integers(1, 3)), replace=False))
    return {
        "nom": str(rng.choice(bank.FAMILY_NAMES)),
        "prenoms": " ".join(str(g) for g in given),
        "naissance": "{:02d}/{:02d}/{}".format(
            *(int(rng.integers(a, b)) for a, b in ((1, 29), (1, 13), (1965, 2003)))
        ),
        "candidat": f"{int(rng.integers(10_000_000, 100_000_000))}",
    }


def _header(rng: np.random.Generator) -> tuple[dict[str, str], list[int]]:
    month = bank.MONTHS[int(rng.integers(0, 12))].capitalize()
    header = {
        "intitule": str(rng.choice(bank.EXAMS)),
        "date": f"{int(rng.integers(1, 29))} {month} {int(rng.integers(2021, 2025))}",
        "lieu": str(rng.choice(bank.PLACES)),
        "epreuve": "Note",
        "option": str(rng.choice(bank.OPTIONS)),
    }
    return header, [int(rng.choice([0, 2])), int(rng.choice([1, 3, 4]))]


def _scan_fx(rng: np.random.Generator, dpi: int, rotation: int) -> dict:
    # blur is optical (the same in mm at any dpi): sigma 0.5-1.2 px at 300 dpi;
    # heavy noise only on sharp scans
    blur = float(rng.uniform(0.5, 1.2)) * dpi / 300 if rng.random() < 0.25 else 0.0
    noise = float(rng.uniform(2, 6)) if blur else float(2 + 10 * rng.random() ** 4)  # mostly light
    return {
        "dpi": dpi,
        "rotation": rotation,
        "skew_deg": round(float(np.clip(rng.normal(0, 1.2), -3, 3)), 2),
        "shift_mm": [round(float(v), 2) for v in rng.uniform(-4, 4, 2)],
        "blur": round(blur, 2),
        "noise": round(noise, 2),
        "paper_noise": round(float(rng.uniform(0.5, 2)), 2),
        "background": round(float(rng.uniform(215, 245)), 1),
    }


def _rotation(rng: np.random.Generator) -> int:
    return int(rng.choice([0, 180, 90, 270], p=[0.78, 0.15, 0.035, 0.035]))


def _scan_order(n: int, rng: np.random.Generator) -> list[int]:
    """Reading indices in scan order, never the reading order itself (when n > 1)."""
    if n == 1:
        return [0]
    r = rng.random()
    if r < 0.4:
        order = [n - 1] + list(range(n - 1))  # last page first
    elif r < 0.6:
        order = list(range(n))[::-1]
    else:
        order = [int(i) for i in rng.permutation(n)]
        while order == sorted(order):
            order = [int(i) for i in rng.permutation(n)]
    return order


def plan_corpus(
    copies: int,
    seed: int,
    pages_per_copy: tuple[int, int],
    dpi_choices: tuple[int, ...],
    held_out_fonts: bool = False,
    cursive_fonts: bool = False,
) -> list[dict]:
    """One dict per copy with everything the workers need (all picklable)."""
    fonts = available_fonts(held_out_fonts, cursive_fonts)
    if not fonts:
        raise ValueError("no handwriting font installed (make setup installs them)")
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0]))
    others = [name for name in fonts if name != "comic-neue"]
    font_cycle = (["comic-neue"] if "comic-neue" in fonts else []) + [str(f) for f in rng.permutation(others)]
    font_of = [font_cycle[i % len(font_cycle)] for i in rng.permutation(copies)]
    numbers: list[str] = []  # a list, not a set: set order changes with the hash seed
    while len(numbers) < copies:
        candidate = f"{int(rng.integers(0, 10**10)):010d}"
        if candidate not in numbers:
            numbers.append(candidate)
    layouts = copy_layouts(copies)
    # mostly the first dpi (200): four copies in five, the others take the remaining choices in turn
    pattern = [dpi_choices[0]] * 4 + list(dpi_choices[1:])
    dpis = [int(pattern[i % len(pattern)]) for i in rng.permutation(copies)]
    lo, hi = pages_per_copy
    plans = []
    for i in range(copies):
        crng = np.random.default_rng(np.random.SeedSequence([seed, 1, i]))
        dpi = dpis[i]
        n = int(crng.integers(lo, max(hi, lo + 1)))
        header, ticks = _header(crng)
        first_open = crng.random() < 0.45
        sheets = []
        for s in range(n):
            is_open = first_open if s == 0 else (first_open if crng.random() < 0.7 else not first_open)
            rotation = _rotation(crng)
            damaged = crng.random() < 0.15
            sheet = {
                "index": s,
                "flap": "open" if is_open else "folded",
                "damage": str(crng.choice(DAMAGES)) if damaged else "none",
                "fx": _scan_fx(crng, dpi, rotation),
                "verso": None,
            }
            if crng.random() < 0.25:
                sheet["verso"] = dict(
                    _scan_fx(crng, dpi, rotation), show_through=round(float(crng.uniform(0.02, 0.05)), 3)
                )
            sheets.append(sheet)
        plans.append(
            {
                "index": i,
                "number": numbers[i],
                "font": font_of[i],
                "font_path": fonts[font_of[i]],
                "dpi": dpi,
                "quality": int(crng.integers(65, 81)),
                "layout": layouts[i],
                "identity": _identity(crng),
                "header": header,
                "ticks": ticks,
                "sticker_tone": float(crng.choice([262.0, 266.0, 248.0])),
                "sheets": sheets,
                "scan_order": _scan_order(n, crng),
                "seed": int(np.random.SeedSequence([seed, 2, i]).generate_state(1)[0]),
            }
        )
    _ensure_coverage(plans, rng)
    return plans


def _ensure_coverage(plans: list[dict], rng: np.random.Generator) -> None:
    """Make sure a corpus shows each hard case at least once, when it has enough sheets."""
    sheets = [(p, s) for p in plans for s in p["sheets"]]
    if len(sheets) < 4:
        return
    used: set[int] = set()

    def pick(cond) -> dict | None:  # noqa: ANN001
        cands = [s for _, s in sheets if cond(s) and id(s) not in used]
        if not cands:
            return None
        chosen = cands[int(rng.integers(len(cands)))]
        used.add(id(chosen))
        return chosen

    def has(cond) -> bool:  # noqa: ANN001
        return any(cond(s) for _, s in sheets)

    for wanted in (180, 90):
        if not has(lambda s, w=wanted: s["fx"]["rotation"] % 180 == w % 180 and s["fx"]["rotation"] != 0):
            s = pick(lambda s: s["fx"]["rotation"] == 0)
            if s:
                s["fx"]["rotation"] = wanted
                if s["verso"]:
                    s["verso"]["rotation"] = wanted
    if not has(lambda s: s["verso"] is not None):
        s = pick(lambda s: True)
        if s:
            s["verso"] = dict(s["fx"], show_through=0.035, skew_deg=-s["fx"]["skew_deg"])
    for state in ("open", "folded"):
        if not has(lambda s, st=state: s["flap"] == st):
            s = pick(lambda s: True)
            if s:
                s["flap"] = state
    comic = [p for p in plans if p["font"] == "comic-neue"]
    if comic and not any(s["flap"] == "open" for p in comic for s in p["sheets"]):
        comic[0]["sheets"][0]["flap"] = "open"
