"""Review reasons as records: a code, the page it is about, the values its sentence quotes, and its text.

A reason is made once, where the pipeline finds the doubt (`make("no_back", page=..., k=..., n=...)`); its
English text is filled in from the message catalogue (`reason.<code>`, "en"), and the same values say it
in another language (`said()`). The manifest keeps both: `review_reasons`, the English texts that scripts
and version-1 readers read, and `reasons`, the records (manifest schema version 2). `anonymat fix`, the
review page and the resume go by the code and the page, never by the wording, so rewording a sentence
in the catalogue changes what people read and nothing else.

A version-1 manifest has texts only: each is read back as a reason of code OTHER, shown as it was written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from anonymat import messages

OTHER = "other"  # a reason read from a version-1 manifest: its text only

# code -> kind: what the review page shows beside the reason (page joins for "order", the anonymity
# boxes for "barcode") and how `fix` treats it
KINDS: dict[str, str] = {
    "order_unread": "order",
    "order_uncertain": "order",
    "orientation": "orientation",
    "fail_closed": "mask",
    "flap_unclear": "mask",
    "barcode_digits": "barcode",
    "barcode_neighbours": "barcode",
    "barcode_file": "barcode",
    "interleaved": "grouping",
    "roster_name": "signe",
    "signature": "signe",
    "roster_unread": "signe",
    "stray_unread": "complete",
    "stray": "complete",
    "no_back": "complete",
    "no_start": "complete",
    "outline_start": "complete",
    "no_end": "complete",
    OTHER: "other",
}

# reasons that are facts of one page (its barcode, orientation, masks): they go where the page goes
PAGE_FACTS = frozenset(
    {"orientation", "fail_closed", "flap_unclear", "barcode_digits", "barcode_neighbours", "barcode_file"}
)


@dataclass(frozen=True)
class Reason:
    """One review reason. `page`: the label of the copy's page it is about (manifest.page_label), if one;
    `values`: the parts its sentence quotes, as (name, text) pairs; `text`: its English sentence."""

    code: str
    text: str
    page: str | None = None
    values: tuple[tuple[str, str], ...] = ()

    @property
    def kind(self) -> str:
        return KINDS.get(self.code, "other")

    def value(self, name: str) -> str | None:
        return dict(self.values).get(name)

    def said(self) -> str:
        """The reason in plain words, in the run's language (English: its own text)."""
        if self.code not in KINDS or self.code == OTHER or messages.language() == "en":
            return self.text
        return _sentence(self.code, self.page, dict(self.values))

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"code": self.code, "page": self.page, "text": self.text}
        if self.values:
            data["values"] = dict(self.values)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Reason:
        page = data.get("page")
        values = data.get("values") or {}
        return cls(
            code=str(data["code"]),
            text=str(data["text"]),
            page=None if page is None else str(page),
            values=tuple((str(k), str(v)) for k, v in values.items()),
        )

    @classmethod
    def from_text(cls, text: str) -> Reason:
        """A reason of a version-1 manifest: its text, nothing known of its code."""
        return cls(OTHER, str(text))


def make(code: str, page: str | None = None, **values: object) -> Reason:
    """The reason `code` about `page`, its English text said from the catalogue with `values`."""
    if code not in KINDS or code == OTHER:
        raise ValueError(f"unknown review reason code {code!r}")
    kept = tuple((k, str(v)) for k, v in values.items())
    return Reason(code, _sentence(code, page, dict(kept), "en"), page, kept)


def as_json(reasons: list[Reason]) -> dict[str, list[Any]]:
    """How a manifest and a batch.json copy entry hold them: `review_reasons`, their English texts, and
    `reasons`, the records."""
    return {"review_reasons": [r.text for r in reasons], "reasons": [r.to_json() for r in reasons]}


def _sentence(code: str, page: str | None, values: dict[str, str], lang: str | None = None) -> str:
    parts = {k: _PARTS[k](v, lang) if k in _PARTS else v for k, v in values.items()}
    return messages.t(f"reason.{code}", lang=lang, page=page or "", **parts)


# parts of a reason said in the sentence's language before they go into it
_PARTS = {
    "side": lambda v, lang: messages.t(f"part.side_{v}", lang=lang),
    "reason": lambda v, lang: v if (lang or messages.language()) == "en" else messages.explain_reason(v)[1],
    "candidates": lambda v, lang: messages.t("part.candidates", lang=lang, pages=v) if v else "",
}
