"""The page stage (every page analysed, on the workers of workers.py) and the output pages' pixels the
writers embed; grouping, ordering and writing the copies are in api.py."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

import numpy as np

from anonymat import (
    barcode,
    blank,
    decode,
    header,
    ingest,
    masking,
    orient,
    output,
    pagecache,
    placement,
    workers,
)
from anonymat.errors import AnonymatError
from anonymat.manifest import PageFacts
from anonymat.messages import t
from anonymat.model import Box, PageRef
from anonymat.roster import Roster
from anonymat.states import Flap, PoseSource
from anonymat.template import Registration, Template


@dataclass(frozen=True)
class PageContext:
    """What every page worker needs: small and picklable."""

    template: Template
    want_text: bool
    vault: str | None
    roster: Roster | None = None  # --roster: look for candidates' names in the body
    render: RenderSettings | None = None  # encode the output page now, into this page cache


@dataclass(frozen=True)
class RenderSettings:
    """How output pages are encoded, and the page cache (pagecache.py) that keeps them for the writers."""

    cache: str
    jpeg_quality: int
    max_page_kb: int


def _registration_full(reg: Registration, factor: float) -> Registration:
    return Registration(reg.px_per_mm / factor, (reg.origin[0] / factor, reg.origin[1] / factor), reg.anchor)


def analyse_page(ref: PageRef, ctx: PageContext) -> PageFacts:
    """Everything the batch needs to know about one page; never raises for a bad page."""
    base = _facts_of(ref)
    timings: dict[str, float] = {}  # CPU seconds per stage (`make bench`): not inflated by other load
    clock = time.process_time()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.process_time()
        timings[name] = timings.get(name, 0.0) + now - clock
        clock = now

    try:
        image = decode.load_page(ref)
    except AnonymatError as err:
        return replace(base, error=str(err))
    gray, dpi = image.gray, image.dpi
    small, factor = orient.work_image(gray, dpi)
    lap("decode")
    if blank.is_blank(small):
        lap("blank")
        if image.undecoded:  # nothing shows because the scan did not decode: a lost page, not a blank one
            where = t("page.where", n=ref.index + 1, file=ref.file)
            return replace(base, error=t("page.error", where=where, error=t("page.undecoded")))
        return replace(base, blank=True, dpi=dpi, size=(gray.shape[1], gray.shape[0]), seconds=timings)
    lap("blank")

    template = ctx.template
    search = barcode.find_code(gray, template.pattern, template.formats)
    lap("barcode")
    read = search.read
    pose = orient.find_pose(small, read.orientation if read else None)
    # the manifest records the skew to 0.01 degree; render with exactly that, so `fix` rebuilds the same page
    pose = orient.Pose(pose.rotation, round(pose.skew, 2), pose.source)
    up_small = orient.upright(small, pose)
    lap("orientation")
    s_small = dpi * factor / 25.4
    # the bars' corners on the upright page, in full-resolution pixels
    quad = None if read is None else [orient.map_point(pose, gray.shape, p) for p in read.quad]
    h, w = gray.shape if pose.rotation in (0, 180) else gray.shape[::-1]
    # the full-resolution upright page: every placement check reads it (and the output is made from it)
    page = orient.upright_page(gray, pose)
    s_page = dpi / 25.4
    quad_small = None if quad is None else [(x * factor, y * factor) for x, y in quad]
    found = _place(template, page, s_page, up_small, factor, quad_small)
    reg_small = found.registration
    flap = Flap.UNKNOWN
    if found.proved:
        flap = (
            Flap(found.flap)
            if found.flap in (Flap.OPEN, Flap.FOLDED)
            else masking.flap_state(up_small, template, reg_small)
        )
    lap("template")

    reg = _registration_full(reg_small, factor)
    writing_top: int | None = None
    rules_y: tuple[int, ...] = ()
    if not found.proved:
        top = header.find_writing_top(up_small, s_small)
        writing_top = None if top is None else int(top / factor)
        rules_y = tuple(int(y / factor) for y, _x0, _x1 in placement.find_rules(up_small, s_small))
    sticker = None if quad is None else _bounds(quad)
    plan = masking.plan_masks(
        template, reg, (h, w), found.proved, sticker, writing_top, pose.source == PoseSource.UNKNOWN, rules_y
    )
    boxes, sharp = plan.boxes, plan.sharp
    fingerprint = ingest.page_fingerprint(page)  # finds the same page given twice
    crop_name = None
    if ctx.vault and read is not None and flap in (Flap.OPEN, Flap.UNKNOWN):
        zone = plan.identity
        # the value comes from the page: never let it name a path (a permissive template accepts "../x")
        crop_name = f"{_safe_stem(read.value)}_{_safe_stem(ref.file)}_p{ref.index + 1:03d}.png"
        try:
            masking.write_vault_crop(Path(ctx.vault), page, zone, crop_name)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            where = t("page.where", n=ref.index + 1, file=ref.file)
            return replace(
                base, error=t("page.error", where=where, error=t("page.vault", vault=ctx.vault, why=reason))
            )
    want_printed = read is None and "number_text" in template.zones_mm and found.proved
    if ctx.want_text or ctx.roster is not None or want_printed or ctx.render is not None:
        masking.paint(page, boxes)  # before any OCR: nothing reads the identity zone
    del gray
    lap("mask")

    if ctx.render is not None and page is not None:
        encoded, thumb = render_output(page, dpi, sharp, ctx.render.jpeg_quality, ctx.render.max_page_kb)
        pagecache.store(Path(ctx.render.cache), ref.file, ref.index, ref.sha256, encoded, thumb)
        lap("render")

    printed = None
    if want_printed and page is not None:
        x0, y0, x1, y1 = masking.clip_box(reg.to_px(template.zones_mm["number_text"], 2.0), page.shape)
        printed = barcode.read_printed_number(page[y0:y1, x0:x1])
        lap("barcode")

    text = None
    if ctx.want_text and page is not None:
        from anonymat import ordering

        try:
            text = ordering.page_text(page, plan.writing)
        except AnonymatError:
            text = None
        lap("ocr")

    roster_hits: tuple[tuple[int, float], ...] | None = ()
    if ctx.roster is not None and page is not None:
        from anonymat import roster

        roster_hits = roster.check_page(page, plan.writing, dpi, ctx.roster)
        lap("roster")

    return replace(
        base,
        dpi=dpi,
        number=read.value if read else None,
        number_format=read.format if read else None,
        barcode_reader=read.reader if read else None,
        barcode_conflict=search.conflict,
        printed_number=printed,
        rotation=pose.rotation,
        skew=pose.skew,
        pose_source=pose.source,
        anchor=reg.anchor,
        cues_disagreeing=found.disagreed,
        residual_mm=found.residual_mm,
        mask_policy=plan.policy,
        placed=(reg.origin[0], reg.origin[1], reg.px_per_mm),
        flap=flap,
        masked=tuple(boxes),
        sharp=sharp,
        size=(w, h),
        text=text,
        vault_crop=crop_name,
        roster_hits=roster_hits,
        fingerprint=fingerprint,
        seconds=timings,
    )


def _place(
    template: Template,
    page: np.ndarray,
    s_page: float,
    up_small: np.ndarray,
    factor: float,
    quad_small: list[tuple[float, float]] | None,
) -> placement.Placement:
    """Place the template from the cues that cost least first: the barcode and the printed rules, then a
    few labels read where they put them (~10 ms each), then, if that did not prove it, every printed
    label of the header (~0.5 s). The OCR sees the identity zone in memory; only positions of printed
    labels come out."""
    s_small = s_page * factor
    cues = placement.page_cues(template, up_small, s_small, quad_small)
    found = placement.place(template, cues, s_small)
    if not template.labels_mm:
        return found
    if found.kinds:
        # read a few labels, each alone where this placement puts it: the flap's title (first where the
        # flap's ink says it is), an identity label if the flap is open, a label outside the flap if the
        # barcode or the rules are missing
        ink = masking.flap_state(up_small, template, found.registration)
        full = _registration_full(found.registration, factor)
        likely = ink if ink in ("open", "folded") else None
        labels = _first_label(template, full, page, s_page, factor, placement.FLAP_CHECK_KEYS, likely)
        if not labels and likely is not None:
            labels = _first_label(template, full, page, s_page, factor, placement.FLAP_CHECK_KEYS)
        found = placement.place(template, [*cues, *placement.label_cues(template, labels, s_small)], s_small)
        full = _registration_full(found.registration, factor)
        if found.flap == "open":
            labels += _first_label(
                template, full, page, s_page, factor, placement.IDENTITY_CHECK_KEYS, "open"
            )
        if len(found.kinds) < placement.MIN_KINDS:
            labels += _first_label(template, full, page, s_page, factor, placement.FIXED_CHECK_KEYS)
        found = placement.place(template, [*cues, *placement.label_cues(template, labels, s_small)], s_small)
        if _flap_agrees(found, template, up_small):
            return found
    labels = placement.read_labels(page, s_page, to_scale=factor)
    found = placement.place(template, [*cues, *placement.label_cues(template, labels, s_small)], s_small)
    return found if _flap_agrees(found, template, up_small) else found.refused()


def _first_label(
    template: Template,
    reg: Registration,
    page: np.ndarray,
    s_page: float,
    factor: float,
    keys: tuple[str, ...],
    state: str | None = None,
) -> list[placement.FoundLabel]:
    """The first of `keys` read where the template puts it (each key's small boxes read in turn)."""
    for key in keys:
        regions = placement.zone_check_regions(template, reg, page.shape, key, state)
        if regions:
            labels = placement.read_labels(page, s_page, to_scale=factor, regions=regions)
            if any(label.key == key for label in labels):
                return labels
    return []


def _flap_agrees(found: placement.Placement, template: Template, up_small: np.ndarray) -> bool:
    """A proved placement whose flap's print (read) and ink (measured where the flap shows when open)
    tell the same state: a form whose flap lies elsewhere can show its print where the template expects
    it in the other state."""
    if not found.proved:
        return False
    ink = masking.flap_state(up_small, template, found.registration)
    return found.flap not in ("open", "folded") or ink not in ("open", "folded") or ink == found.flap


def _bounds(points: list[tuple[float, float]]) -> Box:
    xs, ys = zip(*points, strict=True)
    return (int(min(xs)), int(min(ys)), int(max(xs)) + 1, int(max(ys)) + 1)


def _safe_stem(name: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in name)[-60:]


def render_output(
    page: np.ndarray, dpi: float, sharp: Iterable[Box], jpeg_quality: int, max_page_kb: int
) -> tuple[output.EncodedPage, bytes]:
    """An upright, masked page encoded for the PDF, and its report thumbnail: the one way both are
    made, whether by the page stage (into the page cache) or by a writer."""
    thumbs: list[bytes] = []
    encoded = output.encode_output_page(
        page,
        dpi,
        sharp,
        jpeg_quality,
        max_page_kb,
        on_page=lambda pixels: thumbs.append(output.make_thumbnail(pixels)),
    )
    return encoded, thumbs[0]


def render_output_page(facts: PageFacts) -> tuple[np.ndarray, float, tuple]:
    """Decode the page again from its source and rebuild it upright and masked (the write stage, for a
    page the page cache does not hold)."""
    ref = PageRef(path=facts.path, file=facts.file, index=facts.page, sha256=facts.sha256, kind=facts.kind)
    image = decode.load_page(ref)
    pose = orient.Pose(facts.rotation, facts.skew, facts.pose_source)
    page = orient.upright_page(image.gray, pose)
    masking.paint(page, list(facts.masked))
    return page, image.dpi, facts.sharp


def analyse_all(
    refs: Iterable[PageRef],
    ctx: PageContext,
    jobs: int,
    on_done=None,
    scheduler: str | None = None,
    pool: workers.Workers | None = None,
) -> list[PageFacts]:
    return list(
        workers.run_pool(
            partial(analyse_page, ctx=ctx), list(refs), jobs, on_done, scheduler, pool, _page_crashed
        )
    )


def _facts_of(ref: PageRef) -> PageFacts:
    """A page's facts before anything is known of its pixels."""
    return PageFacts(file=ref.file, path=ref.path, page=ref.index, sha256=ref.sha256, kind=ref.kind)


def _page_crashed(ref: PageRef) -> PageFacts:
    where = t("page.where", n=ref.index + 1, file=ref.file)
    return replace(_facts_of(ref), error=t("page.error", where=where, error=t("page.crashed")))
