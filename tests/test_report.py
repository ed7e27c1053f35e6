"""report.html: every copy, its status, one thumbnail per output page made from the masked output pages;
for a copy to check, the reason first in plain words, crops of each page break, the exact fix command;
a one-page printable summary; works offline in a real browser (headless Chromium)."""

from __future__ import annotations

import json
import re
import shutil
from html import escape
from pathlib import Path

import cv2
import numpy as np
import pytest

from anonymat.manifest import Manifest, OrderRecord
from anonymat.messages import t
from anonymat.pdf.output import THUMB_WIDTH
from anonymat.reasons import Reason, make
from anonymat.review.report import (
    CROP_WIDTH,
    FAIL_CLOSED_BAND,
    page_thumb_name,
    pdf_page_images,
    render_html,
    write_page_thumbs,
    write_report,
)
from anonymat.states import OrderMethod, Status

from .conftest import run_process

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
_PROCESSED: dict[str, tuple[Path, dict, int]] = {}


def processed_three(tmp_path_factory) -> tuple[Path, dict, int]:
    """Three generated copies through `anonymat process`, once per session (test_fix uses them too)."""
    if "out" not in _PROCESSED:
        from anonymat.synth import make_corpus

        root = tmp_path_factory.mktemp("report-corpus")
        truth = make_corpus(root, copies=3, seed=5)
        out = tmp_path_factory.mktemp("report-out")
        code = run_process([root / "scans"], out, "--jobs", "2", "--no-verify")
        _PROCESSED["out"] = (out, truth, code)
    return _PROCESSED["out"]


def copy_manifests(out: Path) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text()) for p in sorted(out.glob("*.json")) if p.name != "batch.json"}


@pytest.fixture(scope="module")
def processed(tmp_path_factory) -> tuple[Path, dict, int]:
    return processed_three(tmp_path_factory)


def test_report_lists_every_copy_with_its_status_and_pages(processed):
    out, truth, _code = processed
    html = (out / "report.html").read_text(encoding="utf-8")
    manifests = copy_manifests(out)
    assert set(manifests) == {c["number"] for c in truth["copies"]}
    sections = dict(
        re.findall(
            r'<section class="copy [a-z_]+" id="copy-\d+" data-number="(\d+)"\s+data-status="([a-z_]+)"', html
        )
    )
    assert sections == {n: m["status"] for n, m in manifests.items()}
    for number, manifest in manifests.items():
        block = html.split(f'id="copy-{number}"', 1)[1].split("</section>", 1)[0]
        assert len(re.findall(r'<img class="page-thumb"', block)) == len(manifest["pages"])
        assert len(re.findall(r'class="zone"', block)) == sum(len(p["masked"]) for p in manifest["pages"])
        for reason in Manifest.from_json(manifest).reasons:
            assert escape(reason.said()) in block  # in plain words, the original as a title
            assert f'title="{escape(reason.text)}"' in block
            assert block.index("reasons") < block.index('class="pages"')  # the reason comes first
    n_review = sum(m["status"] != "ok" for m in manifests.values())
    assert f'<b id="n-review">{n_review}</b>' in html
    assert 'id="needs-review-only"' in html
    # offline: nothing fetched from anywhere but OUTDIR
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "@import" not in html and "url(" not in html


def test_thumbnails_are_made_from_the_masked_output_pages(processed):
    out, _truth, _code = processed
    for number, manifest in copy_manifests(out).items():
        pages = pdf_page_images(out / manifest["pdf"])
        assert len(pages) == len(manifest["pages"])
        for i, (entry, page) in enumerate(zip(manifest["pages"], pages, strict=True), start=1):
            thumb = cv2.imread(str(out / "thumbs" / f"{number}_{i}.jpg"), cv2.IMREAD_GRAYSCALE)
            assert thumb is not None and thumb.shape[1] == THUMB_WIDTH
            scale = THUMB_WIDTH / entry["size"][0]
            # the thumbnail is the output page scaled down, not the scan
            expected = cv2.resize(page, thumb.shape[::-1], interpolation=cv2.INTER_AREA)
            assert (
                np.abs(expected.astype(int) - thumb.astype(int)).mean() < 6.0
            )  # made from the encoded pixels (or the JPEG at 1/4 scale); a scan (grey paper) differs by 20+
            assert entry["masked"], "a written page has a masked zone"
            for x0, y0, x1, y1 in entry["masked"]:
                inner = thumb[
                    round(y0 * scale) + 3 : round(y1 * scale) - 3,
                    round(x0 * scale) + 3 : round(x1 * scale) - 3,
                ]
                assert inner.size and int(inner.max()) < 60, (
                    f"{number} page {i}: masked zone not black in thumbnail"
                )
    assert sorted(
        p.name for p in (out / "thumbs").iterdir() if re.fullmatch(r"\d+_\d+\.jpg", p.name)
    ) == sorted(f"{n}_{i}.jpg" for n, m in copy_manifests(out).items() for i in range(1, len(m["pages"]) + 1))


def test_everything_shown_is_escaped():
    manifest = Manifest(
        anonymity_number="12<b>3",
        pdf="x.pdf",
        pdf_sha256="0" * 64,
        status=Status.NEEDS_REVIEW,
        reasons=[Reason.from_text('<script>alert("x")</script>')],
        pages=[],
        dropped=[],
        order=OrderRecord(OrderMethod.SCAN, 0.0),
    )
    batch = {"errors": [{"file": "<img src=x>.pdf", "error": "bad & broken"}], "unassigned": []}
    html = render_html(batch, [manifest], {})
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "<img src=x>" not in html and "bad &amp; broken" in html
    assert "12<b>3" not in html


def test_report_drops_thumbnails_of_copies_no_longer_in_the_batch(processed, tmp_path):
    out, _truth, _code = processed
    work = tmp_path / "out"
    shutil.copytree(out, work)
    batch = json.loads((work / "batch.json").read_text())
    gone = batch["copies"].pop(0)["anonymity_number"]
    (work / "batch.json").write_text(json.dumps(batch))
    html = write_report(work).read_text(encoding="utf-8")
    assert f'data-number="{gone}"' not in html
    assert not list((work / "thumbs").glob(f"{gone}_*.jpg"))


def test_a_thumbnail_cut_short_by_a_crash_is_made_again(processed, tmp_path):
    """Thumbnails are not fsynced (one per page; remade from the PDF): an empty one left by a power cut
    is made again from the copy's PDF when the report is written."""
    out, _truth, _code = processed
    work = tmp_path / "out"
    shutil.copytree(out, work)
    thumb = sorted((work / "thumbs").glob("*_1.jpg"))[0]
    good = thumb.read_bytes()
    thumb.write_bytes(b"")
    write_report(work)
    remade = cv2.imdecode(np.frombuffer(thumb.read_bytes(), np.uint8), cv2.IMREAD_GRAYSCALE)
    assert remade is not None and remade.shape[1] == THUMB_WIDTH
    assert len(thumb.read_bytes()) > len(good) // 4


def test_pages_in_no_pdf_get_a_masked_thumbnail(processed, tmp_path):
    """A dropped blank or unassigned page is shown, never unmasked: its own masks, else the header band
    at both ends (a page found blank is not analysed: its identity zone is not known)."""
    import dataclasses

    from anonymat.manifest import facts_from_entry

    out, _truth, _code = processed
    work = tmp_path / "out"
    shutil.copytree(out, work)
    manifest = next(iter(copy_manifests(work).values()))
    facts = facts_from_entry(manifest["pages"][0])
    blank = dataclasses.replace(facts, page=facts.page, masked=(), blank=True)
    write_page_thumbs(work, [blank])
    src = blank.source()
    thumb = cv2.imread(str(work / page_thumb_name(src)), cv2.IMREAD_GRAYSCALE)
    assert thumb is not None and thumb.shape[1] == THUMB_WIDTH
    band = int(thumb.shape[0] * FAIL_CLOSED_BAND) - 2
    assert thumb[:band].max() < 60 and thumb[-band:].max() < 60
    assert thumb[band + 4 : -band - 4].mean() > 150  # the middle of the page shows

    batch = json.loads((work / "batch.json").read_text())
    batch["unassigned"] = [{"source": src, "reason": "blank page that belongs to no copy"}]
    (work / "batch.json").write_text(json.dumps(batch))
    html = write_report(work).read_text(encoding="utf-8")
    block = html.split('id="unassigned"', 1)[1].split("</section>", 1)[0]
    assert f'<img class="source-thumb" src="{page_thumb_name(src)}"' in block
    assert escape(t("unassigned.blank")) in block


def _chromium(tmp_path):
    if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
        pytest.skip("chromium / chromium-driver not installed: apt-get install chromium chromium-driver")
    webdriver = pytest.importorskip(
        "selenium.webdriver", reason="selenium not installed (pip install selenium)"
    )
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        "--window-size=1500,1000",
    ):
        options.add_argument(flag)
    service = webdriver.ChromeService(executable_path=str(CHROMEDRIVER))
    return webdriver.Chrome(options=options, service=service)


ORDER_DOUBT = make("order_uncertain", c="0.20")


def set_reasons(manifest: dict, reasons: list[Reason]) -> None:
    """Give a manifest's JSON these review reasons, as anonymat writes them."""
    manifest["status"] = "needs_review" if reasons else "ok"
    manifest["reasons"] = [r.to_json() for r in reasons]
    manifest["review_reasons"] = [r.text for r in reasons]


def _with_copies_to_check(out: Path, tmp_path: Path, review_all: bool = False) -> tuple[Path, list[str], str]:
    """A copy of OUTDIR where the longest copy has an order doubt (others ok, or all to check)."""
    work = tmp_path / "out"
    shutil.copytree(out, work)
    manifests = copy_manifests(work)
    numbers = sorted(manifests)
    review = max(numbers, key=lambda n: len(manifests[n]["pages"]))
    for number in numbers:
        m = manifests[number]
        doubt = number == review or review_all
        flap = make("flap_unclear", page=f"{m['pages'][0]['source']['file']} page 1")
        set_reasons(m, ([ORDER_DOUBT] if doubt else []) + ([flap] if review_all and number != review else []))
        m["order"]["confidence"] = 0.2 if doubt else 0.9
        (work / f"{number}.json").write_text(json.dumps(m))
    batch = json.loads((work / "batch.json").read_text())
    for c in batch["copies"]:
        c["status"] = manifests[c["anonymity_number"]]["status"]
    if review_all:
        page = manifests[review]["pages"][0]["source"]
        batch["unassigned"] = [
            {"source": {"file": page["file"], "page": 40 + i}, "reason": "blank page that belongs to no copy"}
            for i in range(6)
        ]
    (work / "batch.json").write_text(json.dumps(batch))
    write_report(work)
    return work, numbers, review


def test_a_join_less_likely_than_not_is_drawn_as_doubtful(processed, tmp_path):
    """Within a copy to check, the joins its order is least sure of are marked, by their probability
    over every order when the manifest gives it (a join can score below zero and still be likely), else
    by a negative continuity score (copies of more than 12 pages, manifests written before)."""
    out, _truth, _code = processed
    work, _numbers, review = _with_copies_to_check(out, tmp_path)
    path = work / f"{review}.json"
    manifest = json.loads(path.read_text())
    links = manifest["order"]["links"]
    assert len(links) >= 2
    assert all(0.0 <= link["probability"] <= 1.0 for link in links)  # `process` wrote them
    for link in links:
        del link["probability"]
        link["score"] = 0.5
    links[0].update(score=-0.4, probability=0.8)  # evidence against, but the other orders are worse
    links[1].update(score=0.9, probability=0.3)  # a good join, but another order is likelier
    if len(links) > 2:
        links[2]["score"] = -0.2  # no probability: its score decides
    path.write_text(json.dumps(manifest))
    html = write_report(work).read_text(encoding="utf-8")
    block = html.split(f'id="copy-{review}"', 1)[1].split("</section>", 1)[0]
    figures = re.findall(r'<figure class="join-pair( weak)?">.*?<figcaption>(.*?)</figcaption>', block)
    assert len(figures) == len(links)
    weak = [bool(w) for w, _ in figures]
    assert weak[:3] == [False, True, True][: len(links)]
    assert escape(t("report.join_probability", p=30)) in figures[1][1]
    assert escape(t("report.join_weak")) in figures[1][1]
    assert escape(t("report.join_weak")) not in figures[0][1]
    # the count comes first, so the reviewer knows how many joins to look at
    count = escape(t("report.joins_doubtful", k=sum(weak), n=len(links)))
    assert block.index(count) < block.index("join-pair")


def test_report_in_headless_chromium(processed, tmp_path):
    """Open report.html from disk: every picture loads; the copy to check shows its reason in plain words
    first, the end of each page beside the start of the next (readable crops), the exact fix command,
    a click to the full page; the filter hides ok copies; screenshots saved."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    out, _truth, _code = processed
    work, numbers, review = _with_copies_to_check(out, tmp_path)
    manifests = copy_manifests(work)
    n_pages = len(manifests[review]["pages"])
    assert n_pages >= 2
    driver = _chromium(tmp_path)
    try:
        driver.get((work / "report.html").as_uri())
        sections = driver.find_elements(By.CSS_SELECTOR, "section.copy")
        assert [s.get_attribute("data-number") for s in sections] == numbers
        images = driver.find_elements(By.CSS_SELECTOR, "section.copy img.page-thumb")
        assert len(images) == sum(len(m["pages"]) for m in manifests.values())
        for img in driver.find_elements(By.CSS_SELECTOR, "img"):  # lazy images load once scrolled to
            driver.execute_script("arguments[0].scrollIntoView()", img)
        WebDriverWait(driver, 20).until(
            lambda d: d.execute_script(
                "return Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)"
            )
        )
        resources = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
        assert all(r.startswith("file://") for r in resources), resources

        block = driver.find_element(By.ID, f"copy-{review}")
        first = block.find_element(By.CSS_SELECTOR, "ul.reasons li")
        assert first.text == ORDER_DOUBT.said()
        assert first.location["y"] < block.find_element(By.CSS_SELECTOR, ".pages").location["y"]
        pairs = block.find_elements(By.CSS_SELECTOR, "figure.join-pair")
        assert len(pairs) == n_pages - 1
        for i, pair in enumerate(pairs, start=1):
            tail = pair.find_element(By.CSS_SELECTOR, "img.tail")
            head = pair.find_element(By.CSS_SELECTOR, "img.head")
            assert driver.execute_script("return arguments[0].naturalWidth", tail) == CROP_WIDTH
            # side by side, each shown at least 500 px wide: the handwriting is read at about its size
            assert (
                abs(tail.location["y"] - head.location["y"]) < 3 and head.location["x"] > tail.location["x"]
            )
            assert tail.size["width"] >= 500 and head.size["width"] >= 500
            assert tail.find_element(By.XPATH, "..").get_attribute("href").endswith(f"#page={i}")
            assert head.find_element(By.XPATH, "..").get_attribute("href").endswith(f"#page={i + 1}")
        ends = block.find_elements(By.CSS_SELECTOR, "figure.copy-end img")
        assert [img.get_attribute("class") for img in ends] == ["crop head", "crop tail"]
        assert ends[1].find_element(By.XPATH, "..").get_attribute("href").endswith(f"#page={n_pages}")
        commands = [c.text for c in block.find_elements(By.CSS_SELECTOR, ".fix code")]
        order = ",".join(str(i) for i in range(1, n_pages + 1))
        assert commands == [
            f"anonymat fix {work.resolve()} {review} --order {order}",
            f"anonymat fix {work.resolve()} {review} --resolved",
        ]
        for number in numbers:  # an ok copy shows no join and no command
            if number != review:
                ok = driver.find_element(By.ID, f"copy-{number}")
                assert not ok.find_elements(By.CSS_SELECTOR, ".join-pair, .fix")
        driver.execute_script("window.scrollTo(0, 0)")
        driver.save_screenshot(str(tmp_path / "report.png"))
        driver.execute_script("arguments[0].scrollIntoView()", block)
        driver.save_screenshot(str(tmp_path / "report-copy-to-check.png"))

        driver.find_element(By.ID, "needs-review-only").click()
        for section in sections:
            assert section.is_displayed() == (section.get_attribute("data-number") == review)
        assert driver.find_element(By.ID, "shown").text == t("report.shown", n=1, total=len(numbers))
        driver.find_element(By.ID, "needs-review-only").click()
        assert all(s.is_displayed() for s in sections)
    finally:
        driver.quit()
    assert (tmp_path / "report.png").stat().st_size > 10_000
    print(f"screenshots: {tmp_path / 'report.png'}, {tmp_path / 'report-copy-to-check.png'}")


def test_print_view_is_a_one_page_summary_to_sign(processed, tmp_path):
    """Printed, the report is the batch summary alone on one A4 page: the counts, every copy to check
    with its reason, the unassigned pages, a line to sign; the copies' blocks are not printed."""
    import base64

    import pikepdf

    out, _truth, _code = processed
    work, numbers, _review = _with_copies_to_check(out, tmp_path, review_all=True)
    driver = _chromium(tmp_path)
    try:
        driver.get((work / "report.html").as_uri())
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
        from selenium.webdriver.common.by import By

        summary = driver.find_element(By.ID, "summary")
        assert summary.is_displayed()
        assert not any(s.is_displayed() for s in driver.find_elements(By.CSS_SELECTOR, "section.copy"))
        rows = summary.find_elements(By.CSS_SELECTOR, "table tr")[1:]
        assert [r.find_element(By.CSS_SELECTOR, "td").text for r in rows] == numbers
        assert all(r.find_elements(By.CSS_SELECTOR, "td")[1].text for r in rows)  # a reason for each
        assert len(summary.find_elements(By.CSS_SELECTOR, "li")) == 6  # the unassigned pages
        assert t("report.sign").split(":")[0] in summary.text
        assert driver.find_element(By.ID, "run").is_displayed()  # date, version, inputs
        driver.save_screenshot(str(tmp_path / "report-print.png"))
        pdf = base64.b64decode(
            driver.execute_cdp_cmd("Page.printToPDF", {"preferCSSPageSize": True, "printBackground": False})[
                "data"
            ]
        )
    finally:
        driver.quit()
    (tmp_path / "report-print.pdf").write_bytes(pdf)
    with pikepdf.open(tmp_path / "report-print.pdf") as printed:
        assert len(printed.pages) == 1
        box = [float(v) for v in printed.pages[0].mediabox]
        assert abs(box[2] - 595) < 3 and abs(box[3] - 842) < 3  # A4
    print(f"print view: {tmp_path / 'report-print.png'}, {tmp_path / 'report-print.pdf'}")


def test_a_barcode_doubt_shows_every_pages_anonymity_box(processed, tmp_path):
    """A page placed without its barcode: the anonymity box of every page of the copy, side by side (made
    from the output pages: outside the identity zone), so a person compares the numbers."""
    out, _truth, _code = processed
    work = tmp_path / "out"
    shutil.copytree(out, work)
    manifests = copy_manifests(work)
    number = max(manifests, key=lambda n: len(manifests[n]["pages"]))
    m = manifests[number]
    label = f"{m['pages'][-1]['source']['file']} page {m['pages'][-1]['source']['page'] + 1}"
    set_reasons(m, [make("barcode_neighbours", page=label)])
    (work / f"{number}.json").write_text(json.dumps(m))
    html = write_report(work).read_text(encoding="utf-8")
    block = html.split(f'id="copy-{number}"', 1)[1].split("</section>", 1)[0]
    shown = re.findall(r'<img class="crop number" src="([^"]+)"', block)
    assert len(shown) == len(m["pages"])
    pages = pdf_page_images(work / m["pdf"])
    for name, entry, page in zip(shown, m["pages"], pages, strict=True):
        crop = cv2.imread(str(work / name), cv2.IMREAD_GRAYSCALE)
        assert crop is not None and crop.shape[1] == 320
        x0, y0, x1, y1 = entry["sharp"][0]
        expected = cv2.resize(page[y0:y1, x0:x1], crop.shape[::-1], interpolation=cv2.INTER_AREA)
        assert np.abs(expected.astype(int) - crop.astype(int)).mean() < 6  # the output's own pixels
    assert escape(make("barcode_neighbours", page=label).said()) in block
