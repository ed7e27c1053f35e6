"""The worker pool survives a worker that dies in native code (a decoder crashing on one bad page)."""

from __future__ import annotations

import os
from concurrent.futures.process import BrokenProcessPool

import pytest

from anonymat import messages
from anonymat.errors import PageError
from anonymat.model import PageRef
from anonymat.page import decode
from anonymat.run import workers


def _upper_or_die(item: str) -> str:
    if item.startswith("boom"):
        os.abort()  # what a segfaulting C library does to the worker: no Python exception, the process is gone
    return item.upper()


def test_a_crashing_item_is_reported_and_every_other_item_still_gets_its_result():
    items = ["a", "b", "boom", "c", "d", "e", "boom2", "f"]
    results = list(workers.run_pool(_upper_or_die, items, jobs=2, on_crash=lambda item: f"crashed on {item}"))
    assert results == ["A", "B", "crashed on boom", "C", "D", "E", "crashed on boom2", "F"]


def test_without_a_crash_handler_the_crash_is_not_hidden():
    with pytest.raises(BrokenProcessPool):
        list(workers.run_pool(_upper_or_die, ["a", "boom", "b"], jobs=2))


def test_the_shared_workers_keep_serving_the_next_stage_after_a_crash():
    with workers.worker_pool(2) as pool:
        first = list(workers.run_pool(_upper_or_die, ["boom", "x"], 2, pool=pool, on_crash=lambda i: None))
        second = list(workers.run_pool(_upper_or_die, ["y", "z"], 2, pool=pool))
    assert first == [None, "X"]
    assert second == ["Y", "Z"]


def _page_error(ref: PageRef) -> str:
    try:
        decode.load_page(ref)
    except PageError as err:
        return str(err)
    return "decoded"


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("fr", "page 1 de lot.pdf : le fichier a disparu"),
        ("en", "page 1 of lot.pdf: the file has disappeared"),
    ],
)
def test_a_page_error_raised_in_a_worker_is_said_in_the_runs_language(tmp_path, lang, expected):
    """The workers are separate processes: they are told the language the command chose (--lang, locale)."""
    gone = [PageRef(path=str(tmp_path / "lot.pdf"), file="lot.pdf", index=0, sha256="0", kind="pdf")] * 2
    before = messages.language()
    messages.set_language(lang)
    try:
        errors = list(workers.run_pool(_page_error, gone, jobs=2))
    finally:
        messages.set_language(before)
    assert [e.startswith(expected) for e in errors] == [True, True], errors


class _FlakyWorkers:
    """Stands in for the pool (a fake, for the logic): an item starting with "boom" kills a worker, and
    until restart() the broken pool refuses new items, as ProcessPoolExecutor.submit does."""

    jobs = 2

    def __init__(self) -> None:
        self.broken = False

    def submit(self, func, item):
        from concurrent.futures import Future

        if self.broken:
            raise BrokenProcessPool("refused")
        future: Future = Future()
        if item.startswith("boom"):
            self.broken = True
            future.set_exception(BrokenProcessPool("a worker died"))
        else:
            future.set_result(func(item))
        return future

    def restart(self) -> None:
        self.broken = False


def test_items_refused_by_a_pool_a_crash_just_broke_are_run_again():
    # the crash of a queued item breaks the pool while the next items are being queued: they are refused
    # at once, and run again on the new pool instead of ending the batch
    items = ["a", "boom", "b", "c", "d"]
    results = list(
        workers._run_on(_FlakyWorkers(), str.upper, items, on_crash=lambda item: f"crashed on {item}")
    )
    assert results == ["A", "crashed on boom", "B", "C", "D"]
