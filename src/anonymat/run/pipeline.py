"""The page stage and the output pages' pixels the writers embed.

`analyse_page` runs the named STEPS over one PageState (decode, blank, barcode, pose, upright page,
registration, mask plan, vault crop, paint, render, printed number, text, roster), timing each; what to
mask is masking's policy. Every page is analysed on the workers of workers.py; grouping, ordering and
writing the copies are in copy_stage.py and api.py."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from anonymat import ingest
from anonymat.errors import AnonymatError
from anonymat.manifest import PageFacts
from anonymat.messages import t
from anonymat.model import Box, PageRef, PageText
from anonymat.page import barcode, blank, decode, masking, orient, placement
from anonymat.page.template import Registration, Template
from anonymat.pdf import output, pagecache
from anonymat.review.roster import Roster
from anonymat.run import workers
from anonymat.states import Flap, PoseSource


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


def _no_pixels() -> np.ndarray:
    return np.zeros((0, 0), np.uint8)


@dataclass
class PageState:
    """What the steps of one page hand on to each other, in the worker (never pickled: it holds images)."""

    ref: PageRef
    ctx: PageContext
    gray: np.ndarray = field(default_factory=_no_pixels)  # the scan, full resolution
    undecoded: bool = False  # the scan's image data did not decode
    dpi: float = 0.0
    small: np.ndarray = field(default_factory=_no_pixels)  # the scan at ~100 dpi (orient.work_image)
    factor: float = 1.0  # small's scale from the scan
    search: barcode.CodeSearch = barcode.CodeSearch(None)
    pose: orient.Pose = orient.Pose(0, 0.0, PoseSource.UNKNOWN)
    up_small: np.ndarray = field(default_factory=_no_pixels)  # small, upright
    page: np.ndarray = field(default_factory=_no_pixels)  # the upright page, full resolution: the output's
    quad: list[tuple[float, float]] | None = None  # the bars' corners on `page`
    found: placement.Placement | None = None  # the template's placement, on `up_small`
    flap: Flap = Flap.UNKNOWN
    reg: Registration | None = None  # the template's placement, on `page`
    plan: masking.MaskPlan | None = None
    fingerprint: bytes = b""
    crop_name: str | None = None
    printed: str | None = None
    text: PageText | None = None
    roster_hits: tuple[tuple[int, float], ...] | None = ()
    seconds: dict[str, float] = field(default_factory=dict)  # CPU seconds per timing name (`make bench`)

    def where(self) -> str:
        """How an error names the page."""
        return t("page.where", n=self.ref.index + 1, file=self.ref.file)

    def ended(self, **changes: Any) -> PageFacts:
        """The page's facts when a step ends it early (a blank page, an error)."""
        return replace(_facts_of(self.ref), **changes)


def decode_page(state: PageState) -> PageFacts | None:
    """Decode the scan and make its ~100 dpi work image; a scan that cannot be read ends the page."""
    try:
        image = decode.load_page(state.ref)
    except AnonymatError as err:
        return state.ended(error=str(err))
    state.gray, state.dpi, state.undecoded = image.gray, image.dpi, image.undecoded
    state.small, state.factor = orient.work_image(state.gray, state.dpi)
    return None


def detect_blank(state: PageState) -> PageFacts | None:
    """End a blank page here (one whose scan did not decode is a lost page: an error, not a blank)."""
    if not blank.is_blank(state.small):
        return None
    if state.undecoded:  # nothing shows because the scan did not decode
        return state.ended(error=t("page.error", where=state.where(), error=t("page.undecoded")))
    h, w = state.gray.shape
    return state.ended(blank=True, dpi=state.dpi, size=(w, h))


def read_barcode(state: PageState) -> None:
    """Search the scan for the anonymity code (barcode.find_code)."""
    template = state.ctx.template
    state.search = barcode.find_code(state.gray, template.pattern, template.formats)


def find_pose(state: PageState) -> None:
    """The page's quarter turn and skew, from the barcode's orientation or the printed lines."""
    read = state.search.read
    pose = orient.find_pose(state.small, read.orientation if read else None)
    # the manifest records the skew to 0.01 degree; render with exactly that, so `fix` rebuilds the same page
    state.pose = orient.Pose(pose.rotation, round(pose.skew, 2), pose.source)
    state.up_small = orient.upright(state.small, state.pose)


def straighten_page(state: PageState) -> None:
    """The full-resolution upright page (every placement check reads it, and the output is made from
    it), and where the bars' corners land on it."""
    read = state.search.read
    if read is not None:
        state.quad = [orient.map_point(state.pose, state.gray.shape, p) for p in read.quad]
    state.page = orient.upright_page(state.gray, state.pose)


def register(state: PageState) -> None:
    """Place the template on the upright page, and tell the flap's state where it was proved."""
    quad_small = None if state.quad is None else [(x * state.factor, y * state.factor) for x, y in state.quad]
    template = state.ctx.template
    state.found = _place(template, state.page, state.dpi / 25.4, state.up_small, state.factor, quad_small)
    state.flap = masking.page_flap(template, state.found, state.up_small)


def plan_mask(state: PageState) -> None:
    """Decide what is painted (masking.plan_page_masks: the template's zones, or fail closed), and take
    the page's fingerprint, which finds the same page given twice."""
    assert state.found is not None
    state.reg = _registration_full(state.found.registration, state.factor)
    h, w = state.page.shape
    state.plan = masking.plan_page_masks(
        state.ctx.template,
        state.reg,
        (h, w),
        state.found.proved,
        state.pose,
        state.quad,
        state.up_small,
        state.factor,
        state.dpi,
    )
    state.fingerprint = ingest.page_fingerprint(state.page)


def wants_vault_crop(state: PageState) -> bool:
    """--vault, a code was read, and the page's identity zone may show."""
    return bool(state.ctx.vault) and state.search.read is not None and masking.keeps_identity_crop(state.flap)


def write_vault_crop(state: PageState) -> PageFacts | None:
    """Keep the identity zone's pixels in the vault; a vault that cannot be written ends the page."""
    assert state.plan is not None and state.search.read is not None and state.ctx.vault
    name = masking.identity_crop_name(state.search.read.value, state.ref.file, state.ref.index)
    try:
        masking.write_vault_crop(Path(state.ctx.vault), state.page, state.plan.identity, name)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        why = t("page.vault", vault=state.ctx.vault, why=reason)
        return state.ended(error=t("page.error", where=state.where(), error=why))
    state.crop_name = name
    return None


def wants_printed_number(state: PageState) -> bool:
    """No code was read, the template knows where its digits are printed, and it was proved here."""
    assert state.found is not None
    template = state.ctx.template
    return state.search.read is None and "number_text" in template.zones_mm and state.found.proved


def wants_masked_pixels(state: PageState) -> bool:
    """A later step reads or writes the page's pixels (an analysis alone needs only the plan)."""
    ctx = state.ctx
    return ctx.want_text or ctx.roster is not None or ctx.render is not None or wants_printed_number(state)


def paint_masks(state: PageState) -> None:
    """Paint the plan's boxes into the page, before any OCR: nothing reads the identity zone."""
    assert state.plan is not None
    masking.paint(state.page, state.plan.boxes)


def release_scan(state: PageState) -> None:
    """Let the scan go: every later step reads the upright page."""
    state.gray = _no_pixels()


def wants_render(state: PageState) -> bool:
    """The run encodes output pages in the page stage (into the page cache)."""
    return state.ctx.render is not None


def encode_output(state: PageState) -> None:
    """Encode the masked page for the PDF, and its thumbnail, into the page cache."""
    render, ref = state.ctx.render, state.ref
    assert render is not None and state.plan is not None
    encoded, thumb = render_output(
        state.page, state.dpi, state.plan.sharp, render.jpeg_quality, render.max_page_kb
    )
    pagecache.store(Path(render.cache), ref.file, ref.index, ref.sha256, encoded, thumb)


def read_printed_number(state: PageState) -> None:
    """OCR the digits printed under the bars, where the bars did not read."""
    assert state.reg is not None
    box = state.reg.to_px(state.ctx.template.zones_mm["number_text"], 2.0)
    x0, y0, x1, y1 = masking.clip_box(box, state.page.shape)
    state.printed = barcode.read_printed_number(state.page[y0:y1, x0:x1])


def wants_text(state: PageState) -> bool:
    """The run orders copies by their text."""
    return state.ctx.want_text


def read_text(state: PageState) -> None:
    """OCR the writing area's first and last lines (ordering.page_text); an OCR failure leaves none."""
    from anonymat.reading import ordering

    assert state.plan is not None
    try:
        state.text = ordering.page_text(state.page, state.plan.writing)
    except AnonymatError:
        state.text = None


def wants_roster(state: PageState) -> bool:
    """--roster: the run looks for candidates' names in the body."""
    return state.ctx.roster is not None


def check_roster(state: PageState) -> None:
    """Where a roster name is written in the writing area (roster.check_page)."""
    from anonymat.review import roster

    assert state.plan is not None and state.ctx.roster is not None
    state.roster_hits = roster.check_page(state.page, state.plan.writing, state.dpi, state.ctx.roster)


@dataclass(frozen=True)
class Step:
    """One step of the page stage: what its CPU time is counted as, and when it runs (always if None)."""

    timing: str
    run: Callable[[PageState], PageFacts | None]
    wanted: Callable[[PageState], bool] | None = None


STEPS = (
    Step("decode", decode_page),
    Step("blank", detect_blank),
    Step("barcode", read_barcode),
    Step("orientation", find_pose),
    Step("template", straighten_page),
    Step("template", register),
    Step("mask", plan_mask),
    Step("mask", write_vault_crop, wants_vault_crop),
    Step("mask", paint_masks, wants_masked_pixels),
    Step("mask", release_scan),
    Step("render", encode_output, wants_render),
    Step("barcode", read_printed_number, wants_printed_number),
    Step("ocr", read_text, wants_text),
    Step("roster", check_roster, wants_roster),
)


def analyse_page(ref: PageRef, ctx: PageContext) -> PageFacts:
    """Everything the batch needs to know about one page; never raises for a bad page.

    The STEPS run in order over one PageState, each timed in CPU seconds (`make bench`: not inflated by
    other load); a step that returns facts ends the page there.
    """
    state = PageState(ref, ctx)
    for step in STEPS:
        if step.wanted is not None and not step.wanted(state):
            continue
        began = time.process_time()
        ended = step.run(state)
        state.seconds[step.timing] = state.seconds.get(step.timing, 0.0) + time.process_time() - began
        if ended is not None:
            return replace(ended, seconds=state.seconds)
    return _page_facts(state)


def _page_facts(state: PageState) -> PageFacts:
    """The facts of a page every step ran on."""
    read, pose, reg, found, plan = state.search.read, state.pose, state.reg, state.found, state.plan
    assert reg is not None and found is not None and plan is not None
    h, w = state.page.shape
    return replace(
        _facts_of(state.ref),
        dpi=state.dpi,
        number=read.value if read else None,
        number_format=read.format if read else None,
        barcode_reader=read.reader if read else None,
        barcode_conflict=state.search.conflict,
        printed_number=state.printed,
        rotation=pose.rotation,
        skew=pose.skew,
        pose_source=pose.source,
        anchor=reg.anchor,
        cues_disagreeing=found.disagreed,
        residual_mm=found.residual_mm,
        mask_policy=plan.policy,
        placed=(reg.origin[0], reg.origin[1], reg.px_per_mm),
        flap=state.flap,
        masked=tuple(plan.boxes),
        sharp=plan.sharp,
        size=(w, h),
        text=state.text,
        vault_crop=state.crop_name,
        roster_hits=state.roster_hits,
        fingerprint=state.fingerprint,
        seconds=state.seconds,
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
