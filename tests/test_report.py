"""report.html: every copy, its status, one thumbnail per output page made from the masked output pages;
works offline in a real browser (headless Chromium), with a "needs review only" filter."""

from __future__ import annotations

import json
import re
import shutil
from html import escape
from pathlib import Path

import cv2
import numpy as np
import pytest

from anonymat.report import THUMB_WIDTH, pdf_page_images, render_html, write_report

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
        assert len(re.findall(r"<img ", block)) == len(manifest["pages"])
        assert len(re.findall(r'class="zone"', block)) == sum(len(p["masked"]) for p in manifest["pages"])
        for reason in manifest["review_reasons"]:
            assert escape(reason) in block
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
    assert sorted(p.name for p in (out / "thumbs").glob("*.jpg")) == sorted(
        f"{n}_{i}.jpg" for n, m in copy_manifests(out).items() for i in range(1, len(m["pages"]) + 1)
    )


def test_everything_shown_is_escaped():
    manifest = {
        "anonymity_number": "12<b>3",
        "pdf": "x.pdf",
        "status": "needs_review",
        "review_reasons": ['<script>alert("x")</script>'],
        "pages": [],
        "order": {"method": "scan", "confidence": 0.0, "links": []},
    }
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


def test_report_in_headless_chromium(processed, tmp_path):
    """Open report.html from disk: every thumbnail loads, the filter hides ok copies; screenshots saved."""
    if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
        pytest.skip("chromium / chromium-driver not installed: apt-get install chromium chromium-driver")
    webdriver = pytest.importorskip(
        "selenium.webdriver", reason="selenium not installed (pip install selenium)"
    )
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    out, _truth, _code = processed
    work = tmp_path / "out"
    shutil.copytree(out, work)
    # make sure the page has both kinds of copy, whatever the pipeline decided
    manifests = copy_manifests(work)
    numbers = sorted(manifests)
    review = numbers[0]
    for number in numbers:
        m = manifests[number]
        m["status"] = "needs_review" if number == review else "ok"
        m["review_reasons"] = ["check the page order <by hand>"] if number == review else []
        (work / f"{number}.json").write_text(json.dumps(m))
    batch = json.loads((work / "batch.json").read_text())
    for c in batch["copies"]:
        c["status"] = manifests[c["anonymity_number"]]["status"]
    (work / "batch.json").write_text(json.dumps(batch))
    report = write_report(work)

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
        "--window-size=1366,900",
    ):
        options.add_argument(flag)
    service = webdriver.ChromeService(executable_path=str(CHROMEDRIVER))
    driver = webdriver.Chrome(options=options, service=service)
    try:
        driver.get(report.as_uri())
        sections = driver.find_elements(By.CSS_SELECTOR, "section.copy")
        assert [s.get_attribute("data-number") for s in sections] == numbers
        images = driver.find_elements(By.CSS_SELECTOR, "section.copy img")
        assert len(images) == sum(len(m["pages"]) for m in manifests.values())
        for img in images:  # lazy images load once scrolled to
            driver.execute_script("arguments[0].scrollIntoView()", img)
        WebDriverWait(driver, 20).until(
            lambda d: d.execute_script(
                "return Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)"
            )
        )
        resources = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
        assert all(r.startswith("file://") for r in resources), resources
        driver.execute_script("window.scrollTo(0, 0)")
        driver.save_screenshot(str(tmp_path / "report.png"))

        driver.find_element(By.ID, "needs-review-only").click()
        for section in sections:
            assert section.is_displayed() == (section.get_attribute("data-number") == review)
        assert driver.find_element(By.ID, "shown").text == f"1 of {len(numbers)} copies shown"
        driver.save_screenshot(str(tmp_path / "report-needs-review-only.png"))

        driver.find_element(By.ID, "needs-review-only").click()
        assert all(s.is_displayed() for s in sections)
    finally:
        driver.quit()
    assert (tmp_path / "report.png").stat().st_size > 10_000
    print(f"screenshots: {tmp_path / 'report.png'}, {tmp_path / 'report-needs-review-only.png'}")
