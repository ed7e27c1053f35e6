"""French material for the synthetic "note" (data/bank.json): topics, sentence templates, names.

TOPICS: objet, service, noun phrase (np / de), legal texts, stakes, actors, actions, risks, titles.
Sentence templates use the slots {np} {de} {enjeu} {acteur} {action} {risque} {texte} {ville} {service}.
TOWNS are fictitious, as in exam subjects; FAMILY_NAMES leave out names that are also common French words.
"""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

_DATA: dict[str, Any] = json.loads(files("anonymat.synth").joinpath("data/bank.json").read_text("utf-8"))

TOWNS: list[str] = _DATA["TOWNS"]
MONTHS: list[str] = _DATA["MONTHS"]
RECIPIENTS: list[str] = _DATA["RECIPIENTS"]
TOPICS: list[dict[str, Any]] = _DATA["TOPICS"]
INTRO: list[str] = _DATA["INTRO"]
PLAN: list[str] = _DATA["PLAN"]
BODY_I: list[str] = _DATA["BODY_I"]
BODY_II: list[str] = _DATA["BODY_II"]
CONNECTORS: list[str] = _DATA["CONNECTORS"]
CONCLUSION: list[str] = _DATA["CONCLUSION"]
SUBTITLES_I: list[str] = _DATA["SUBTITLES_I"]
SUBTITLES_II: list[str] = _DATA["SUBTITLES_II"]
EXAMS: list[str] = _DATA["EXAMS"]
OPTIONS: list[str] = _DATA["OPTIONS"]
PLACES: list[str] = _DATA["PLACES"]
FAMILY_NAMES: list[str] = _DATA["FAMILY_NAMES"]
GIVEN_NAMES: list[str] = _DATA["GIVEN_NAMES"]
