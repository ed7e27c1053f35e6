"""Every sentence anonymat says to a person, in French (first) and English: the one message catalogue.

To change a message, edit it here, in both languages; to add one, add an entry to CATALOGUE and call
`t("its.key", name=value)` where it is said. `tests/test_messages.py` checks that every entry has both
languages with the same {placeholders}. No compiled file, nothing to build at install.

The language: `--lang fr|en` on the command line, else the locale (LANGUAGE, LC_ALL, LC_MESSAGES, LANG):
English when it starts with "en", French otherwise (French is the default: the users are French staff).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence

LANGUAGES = ("fr", "en")
_current = "fr"


def choose_language(argv: Sequence[str] = (), environ: Mapping[str, str] | None = None) -> str:
    """'fr' or 'en': `--lang X` (or `--lang=X`) in argv wins, then the locale; French by default."""
    for i, arg in enumerate(argv):
        value = None
        if arg == "--lang" and i + 1 < len(argv):
            value = argv[i + 1]
        elif arg.startswith("--lang="):
            value = arg.split("=", 1)[1]
        if value is not None and value[:2].lower() in LANGUAGES:
            return value[:2].lower()
    environ = os.environ if environ is None else environ
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        if value and value not in ("C", "POSIX") and not value.startswith(("C.", "POSIX.")):
            return "en" if value.lower().startswith("en") else "fr"
    return "fr"


def set_language(lang: str) -> None:
    global _current
    _current = lang if lang in LANGUAGES else "fr"


def language() -> str:
    return _current


def t(key: str, lang: str | None = None, **values: object) -> str:
    """The message `key` in the current language (or `lang`), with its {placeholders} filled in."""
    entry = CATALOGUE[key]
    text = entry.get(lang or _current) or entry["fr"]
    return text.format(**values) if values else text


def plural(n: int, key: str) -> str:
    """`key.one` for 0 and 1 (French usage), `key.many` otherwise, with {n} filled in."""
    if _current == "en":
        return t(f"{key}.one" if n == 1 else f"{key}.many", n=n)
    return t(f"{key}.one" if n <= 1 else f"{key}.many", n=n)


# --- unassigned pages' reasons ---------------------------------------------------------------------
# grouping.py records why a page is in no copy in English in batch.json (`unassigned[].reason`, data read
# by scripts too); for people they are said again here: (pattern, kind, catalogue key). Review reasons
# are records with a code (reasons.py) and need no pattern.

REASONS: list[tuple[re.Pattern[str], str, str]] = [
    (
        re.compile(r"^barcode unreadable and the pages around it belong to different copies"),
        "barcode",
        "unassigned.between_copies",
    ),
    (re.compile(r"^blank page that belongs to no copy"), "blank", "unassigned.blank"),
    (
        re.compile(r"^two different anonymity numbers were read on this page"),
        "barcode",
        "unassigned.two_numbers",
    ),
    # grouping.py: pages in no copy
    (
        re.compile(r"^no anonymity barcode on any of its (?P<n>\d+) pages: is this an exam scan\?"),
        "barcode",
        "unassigned.no_barcode",
    ),
    (
        re.compile(
            r"^none of its (?P<n>\d+) pages has a readable anonymity barcode, though (?P<k>\d+) look like "
            r"answer sheets"
        ),
        "barcode",
        "unassigned.no_readable_barcode",
    ),
    (
        re.compile(r"^the file stops being readable after page (?P<n>\d+) \(cut short\?\)"),
        "error",
        "unassigned.cut_short",
    ),
    (re.compile(r"^barcode unreadable$"), "barcode", "unassigned.barcode_unreadable"),
]


# The command line's parser (typer's copy of click) says its refusals in English, in f-strings; in French
# they are said again piece by piece (cli.py applies this to the message of the error it shows).
PARSER_FR: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^No such option: "), "Option inconnue : "),
    (re.compile(r"\(Possible options: "), "(options possibles : "),
    (re.compile(r"^Missing argument "), "Argument manquant : "),
    (re.compile(r"^Missing option "), "Option manquante : "),
    (re.compile(r"^Missing parameter: "), "Paramètre manquant : "),
    (re.compile(r"^Got unexpected extra arguments? "), "Argument(s) en trop : "),
    (re.compile(r"^Invalid value for (.+?): "), r"Valeur invalide pour \1 : "),
    (re.compile(r"^Invalid value: "), "Valeur invalide : "),
    (
        re.compile(r"Input should be a valid integer(?:, unable to parse string as an integer)?"),
        "un nombre entier est attendu",
    ),
    (
        re.compile(r"Input should be a valid number(?:, unable to parse string as a number)?"),
        "un nombre est attendu",
    ),
    (re.compile(r"Value (.+?) is not a valid integer\."), r"\1 n'est pas un nombre entier."),
    (re.compile(r"Value (.+?) is not a valid float\."), r"\1 n'est pas un nombre."),
    (re.compile(r"Value (.+?) is not a valid (\w+)\."), r"\1 n'est pas une valeur valide (\2)."),
    (re.compile(r"(.+?) is not one of (.+)\.$"), r"\1 n'est pas l'un des choix : \2."),
    (re.compile(r"(?:Path|File|Directory) (.+?) does not exist\."), r"\1 n'existe pas."),
    (re.compile(r"(?:Path|File|Directory) (.+?) is a file\."), r"\1 est un fichier, pas un dossier."),
    (re.compile(r"(?:Path|File|Directory) (.+?) is a directory\."), r"\1 est un dossier, pas un fichier."),
]


def parser_message(text: str) -> str:
    """A refusal of the command line's parser, in the current language."""
    if _current == "en":
        return text
    for pattern, french in PARSER_FR:
        text = pattern.sub(french, text)
    return text


def explain_reason(reason: str) -> tuple[str, str]:
    """(kind, an unassigned page's reason in plain words in the current language); others as they are."""
    for pattern, kind, key in REASONS:
        found = pattern.search(reason)
        if found:
            return kind, t(key, **found.groupdict())
    return "other", reason


# --- the catalogue ----------------------------------------------------------------------------------

CATALOGUE: dict[str, dict[str, str]] = {
    # the command line: help
    "app.help": {
        "fr": "Anonymise les copies d'examen manuscrites scannées (anonymat {version}).",
        "en": "Anonymize scanned handwritten exam copies (anonymat {version}).",
    },
    "app.epilog": {
        "fr": "Exemple : anonymat process scans/ -o copies/   puis ouvrez copies/report.html. "
        "Aide d'une commande : anonymat process -h. En anglais : --lang en (ou LANG=en_US.UTF-8).",
        "en": "Example: anonymat process scans/ -o copies/   then open copies/report.html. "
        "Help on a command: anonymat process -h. In French: --lang fr.",
    },
    "opt.version": {"fr": "Affiche la version et s'arrête.", "en": "Show the version and exit."},
    "opt.lang": {
        "fr": "Langue des messages et du rapport : fr ou en (par défaut : celle du système, sinon fr).",
        "en": "Language of the messages and the report: fr or en (default: the system's, else fr).",
    },
    "opt.help": {"fr": "Affiche cette aide et s'arrête.", "en": "Show this help and exit."},
    "process.help": {
        "fr": "Anonymise toutes les copies trouvées dans les SCANS et les écrit dans le dossier de sortie.",
        "en": "Anonymize every copy found in the SCANS into the output folder.",
    },
    "process.epilog": {
        "fr": "Exemple : anonymat process scans/ -o copies/ -j 2 --log copies/journal.txt\n\n"
        "Codes de sortie : 0 tout est bon · 1 des copies sont à vérifier (voir report.html) · "
        "2 commande ou entrée refusée, rien n'a été fait · 3 programme manquant (anonymat doctor) · "
        "4 un fichier d'entrée a été refusé (le reste est traité) · 5 disque plein · "
        "70 erreur interne (à signaler) · 130 interrompu (relancez la même commande pour finir).",
        "en": "Example: anonymat process scans/ -o copies/ -j 2 --log copies/log.txt\n\n"
        "Exit codes: 0 all ok · 1 some copies to check (see report.html) · "
        "2 bad command or input, nothing was done · 3 a program is missing (anonymat doctor) · "
        "4 an input file was rejected (the rest was processed) · 5 disk full · "
        "70 internal error (please report it) · 130 interrupted (run the same command again to finish).",
    },
    "process.inputs": {
        "fr": "Fichiers ou dossiers scannés (PDF, TIFF, JPEG, PNG ; les dossiers sont parcourus).",
        "en": "Scanned files or folders (PDF, TIFF, JPEG, PNG; folders are searched).",
    },
    "process.outdir": {"fr": "Dossier des copies anonymisées.", "en": "Folder for the anonymized copies."},
    "process.vault": {
        "fr": "Dossier protégé des extraits d'identité (pour lever l'anonymat après la correction).",
        "en": "Protected folder for the identity crops (to lift anonymity after grading).",
    },
    "process.template": {
        "fr": "Modèle de formulaire : nom d'un modèle intégré ou fichier JSON.",
        "en": "Form template: a built-in template name or a JSON file.",
    },
    "process.jobs": {
        "fr": "Pages traitées en parallèle (par défaut : auto, autant que de cœurs).",
        "en": "Pages processed in parallel (default: auto, as many as the cores).",
    },
    "process.keep_blank": {
        "fr": "Garder les pages blanches dans les PDF.",
        "en": "Keep blank pages in the output PDFs.",
    },
    "process.order": {
        "fr": "continuity : remettre les pages dans l'ordre d'après le texte ; scan : garder l'ordre du scan.",
        "en": "continuity: put pages in reading order from the text; scan: keep the scan order.",
    },
    "process.jpeg_quality": {
        "fr": "Qualité JPEG des pages écrites (20 à 95).",
        "en": "JPEG quality of the output pages (20 to 95).",
    },
    "process.max_page_kb": {
        "fr": "Taille maximale d'une page à 200 dpi, en Ko (0 : sans limite).",
        "en": "Largest output page at 200 dpi, in KB (0: no limit).",
    },
    "process.force": {
        "fr": "Refaire aussi les copies déjà présentes dans le dossier de sortie.",
        "en": "Redo the copies already present in the output folder.",
    },
    "process.verify": {
        "fr": "Vérifier chaque copie après l'avoir écrite (--no-verify : ne pas vérifier).",
        "en": "Check every copy after writing it (--no-verify: don't).",
    },
    "process.scheduler": {
        "fr": "Répartir sur un cluster Dask : tcp://HÔTE:PORT de `dask scheduler`.",
        "en": "Run on a Dask cluster: tcp://HOST:PORT of `dask scheduler`.",
    },
    "process.roster": {
        "fr": "CSV des noms des candidats (nom;prenom) : signale les copies dont le texte en cite un.",
        "en": "CSV of the candidates' names (nom;prenom): flag copies whose text names one.",
    },
    "process.log": {
        "fr": "Journal de la session (une ligne par copie, horodatée), ajouté à la fin du FICHIER.",
        "en": "Log of the run (one timestamped line per copy), appended to FILE.",
    },
    "opt.quiet": {"fr": "Pas de progression, seulement les erreurs.", "en": "No progress, only errors."},
    "opt.verbose": {
        "fr": "Plus de détails : une ligne par copie, et la trace complète d'une erreur interne.",
        "en": "More detail: one line per copy, and the full trace of an internal error.",
    },
    "verify.help": {
        "fr": "Vérifie que chaque copie du dossier est complète et ne montre aucune identité.",
        "en": "Check that every copy in the folder is complete and shows no identity.",
    },
    "verify.outdir": {
        "fr": "Un dossier écrit par `anonymat process`.",
        "en": "A folder written by `anonymat process`.",
    },
    "verify.roster": {
        "fr": "CSV des noms des candidats (nom;prenom) : échec si l'en-tête d'une copie en montre un.",
        "en": "CSV of the candidates' names (nom;prenom): fail a copy whose header shows one.",
    },
    "lock.busy": {
        "fr": "une autre exécution d'anonymat utilise ce dossier de sortie ({who}) : attendez qu'elle "
        "finisse, ou choisissez un autre -o",
        "en": "another anonymat run is using this output folder ({who}): wait for it to finish, or choose "
        "another -o",
    },
    "options.no_input": {
        "fr": "aucune entrée : nommez au moins un fichier ou un dossier scanné",
        "en": "no input given: name at least one scanned file or folder",
    },
    "options.jobs": {
        "fr": "--jobs doit valoir 1 ou plus, pas {value}",
        "en": "--jobs must be 1 or more, not {value}",
    },
    "options.order": {
        "fr": "--order doit valoir 'continuity' ou 'scan', pas {value}",
        "en": "--order must be 'continuity' or 'scan', not {value}",
    },
    "options.jpeg_quality": {
        "fr": "--jpeg-quality doit être entre 20 et 95, pas {value}",
        "en": "--jpeg-quality must be between 20 and 95, not {value}",
    },
    "options.max_page_kb": {
        "fr": "--max-page-kb doit valoir 0 (sans limite) ou plus, pas {value}",
        "en": "--max-page-kb must be 0 (no limit) or more, not {value}",
    },
    "options.scheduler": {
        "fr": "--scheduler doit avoir la forme tcp://HÔTE:PORT, pas {value}",
        "en": "--scheduler must look like tcp://HOST:PORT, not {value}",
    },
    "options.outdir_inside": {
        "fr": "le dossier de sortie ne doit pas être dans le dossier d'entrée {folder}",
        "en": "the output folder must not sit inside the input folder {folder}",
    },
    "options.vault": {
        "fr": "--vault doit être un autre dossier que le dossier de sortie",
        "en": "--vault must be a different folder from the output folder",
    },
    "options.log": {
        "fr": "--log {log} : le dossier {folder} n'existe pas",
        "en": "--log {log}: the folder {folder} does not exist",
    },
    "options.roster_unreadable": {
        "fr": "impossible de lire la liste des candidats ({why})",
        "en": "cannot read the roster ({why})",
    },
    "roster.too_big": {
        "fr": "{path} : la liste des candidats dépasse {mb} Mo : est-ce le bon fichier ?",
        "en": "{path}: the roster is over {mb} MB: is it the right file?",
    },
    "roster.folder": {
        "fr": "{path} : --roster attend un fichier CSV, pas un dossier",
        "en": "{path}: --roster needs a CSV file, not a folder",
    },
    "roster.no_name": {
        "fr": "{path} : la liste des candidats ne contient aucun nom : un candidat par ligne, sous une ligne "
        "d'en-tête",
        "en": "{path}: the roster lists no name: one candidate per row, under a header row",
    },
    "roster.all_too_common": {
        "fr": "{path} : tous les noms de la liste sont trop courts ou des mots trop courants pour être "
        "recherchés",
        "en": "{path}: every name in the roster is too short or too common a word to look for",
    },
    "roster.empty": {
        "fr": "{origin} : la liste des candidats est vide : donnez un CSV avec une ligne d'en-tête (nom;prenom)",
        "en": "{origin}: the roster is empty: give a CSV with a header row (nom;prenom)",
    },
    "roster.no_column": {
        "fr": "{origin} : aucune colonne de noms dans la ligne d'en-tête de la liste : nommez les colonnes nom "
        "et prenom (ou last_name/first_name, surname/given_name, name)",
        "en": "{origin}: no name column in the roster's header row: "
        "name the columns nom and prenom (or last_name/first_name, surname/given_name, name)",
    },
    "options.not_a_folder": {"fr": "ce n'est pas un dossier", "en": "not a folder"},
    "outdir.cannot_create": {
        "fr": "impossible de créer le dossier de sortie ({why})",
        "en": "cannot create the output folder ({why})",
    },
    "lock.busy_watch": {
        "fr": "une surveillance `anonymat watch` utilise ce dossier de sortie ({who}) : arrêtez-la (Ctrl-C ou "
        "SIGTERM), ou choisissez un autre -o",
        "en": "an `anonymat watch` is using this output folder ({who}): stop it (Ctrl-C or SIGTERM), or "
        "choose another -o",
    },
    "lock.taken_over": {
        "fr": "reprise après une exécution interrompue ({who})",
        "en": "taking over from an earlier run that stopped ({who})",
    },
    "lock.who": {
        "fr": "processus {pid} sur {host}, lancé le {started}",
        "en": "process {pid} on {host}, started {started}",
    },
    "lock.unknown": {"fr": "exécution inconnue", "en": "unknown run"},
    "lock.cannot_write": {
        "fr": "impossible d'écrire dans le dossier de sortie ({why}) : choisissez un autre -o ou corrigez ses droits",
        "en": "cannot write in the output folder ({why}): choose another -o or fix its rights",
    },
    "lock.unstable": {
        "fr": "le verrou du dossier de sortie change sans cesse de main : une autre exécution démarre-t-elle ?",
        "en": "the output folder's lock keeps changing hands: is another run starting?",
    },
    "verify.copy": {"fr": "copie", "en": "copy"},
    "verify.pages": {"fr": "pages", "en": "pages"},
    "verify.result": {"fr": "résultat", "en": "result"},
    "verify.summary": {
        "fr": "{n} copies vérifiées, {bad} en échec",
        "en": "{n} copies checked, {bad} failed",
    },
    "verify.ok": {"fr": "ok", "en": "ok"},
    "verify.fail": {"fr": "ÉCHEC : {problems}", "en": "FAIL: {problems}"},
    "verify.no_batch": {
        "fr": "{outdir} : pas de batch.json ici ; donnez le dossier écrit par `anonymat process`",
        "en": "{outdir}: no batch.json here; give the folder written by `anonymat process`",
    },
    "verify.manifest_unreadable": {
        "fr": "manifeste illisible : {error}",
        "en": "manifest unreadable: {error}",
    },
    "verify.pdf_missing": {"fr": "{name} est absent", "en": "{name} is missing"},
    "verify.sha_mismatch": {
        "fr": "pdf_sha256 ne correspond pas au PDF",
        "en": "pdf_sha256 does not match the PDF",
    },
    "verify.unparsable": {"fr": "le PDF ne se lit pas : {error}", "en": "PDF does not parse: {error}"},
    "verify.page_count": {
        "fr": "le PDF a {pdf} pages, le manifeste en liste {listed}",
        "en": "PDF has {pdf} pages, manifest lists {listed}",
    },
    "verify.document_has": {"fr": "le document contient {name}", "en": "document has {name}"},
    "verify.info_holds": {"fr": "/Info contient {keys}", "en": "/Info holds {keys}"},
    "verify.page_has": {"fr": "la page {page} contient {name}", "en": "page {page} has {name}"},
    "verify.images": {
        "fr": "la page {page} contient {n} images au lieu d'une",
        "en": "page {page} holds {n} images instead of 1",
    },
    "verify.text_ops": {
        "fr": "la page {page} contient des opérateurs de texte",
        "en": "page {page} has text operators",
    },
    "verify.not_uniform": {
        "fr": "page {page} : la zone masquée {box} n'est pas uniforme",
        "en": "page {page}: masked zone {box} is not uniform",
    },
    "verify.zone_text": {
        "fr": "page {page} : l'OCR trouve du texte dans une zone masquée",
        "en": "page {page}: OCR finds text inside a masked zone",
    },
    "verify.zone_barcode": {
        "fr": "page {page} : un code-barres se lit dans une zone masquée",
        "en": "page {page}: a barcode is readable inside a masked zone",
    },
    "verify.header_unread": {
        "fr": "page {page} : son en-tête n'a pas pu être lu pour le vérifier ({error})",
        "en": "page {page}: its header could not be read to check it ({error})",
    },
    "verify.label_one": {
        "fr": "page {page} : l'intitulé d'identité imprimé {labels} est lisible hors des masques : la zone "
        "d'identité n'est peut-être pas masquée",
        "en": "page {page}: the printed identity label {labels} is legible outside the masks: the identity "
        "zone may not be masked",
    },
    "verify.label_many": {
        "fr": "page {page} : les intitulés d'identité imprimés {labels} sont lisibles hors des masques : la "
        "zone d'identité n'est peut-être pas masquée",
        "en": "page {page}: the printed identity labels {labels} are legible outside the masks: the "
        "identity zone may not be masked",
    },
    "verify.roster_name": {
        "fr": "page {page} : un nom de la liste des candidats est lisible hors des masques (à environ {mm} mm "
        "du haut de la page) : la zone d'identité n'est peut-être pas masquée",
        "en": "page {page}: a roster name is legible outside the masks (about {mm} mm from the top of the "
        "page): the identity zone may not be masked",
    },
    "verify.undecodable": {
        "fr": "page {page} : son image ne se décode pas",
        "en": "page {page}: its image does not decode",
    },
    "verify.unmasked": {
        "fr": "page {page} : aucune zone masquée sur une page écrite",
        "en": "page {page}: no zone was masked on a written page",
    },
    "verify.no_barcode": {
        "fr": "le code-barres d'anonymat ne se lit plus sur aucune page",
        "en": "the anonymity barcode no longer reads on any page",
    },
    "run.verify_failed": {
        "fr": "copie {number} : la vérification a échoué : {problems}",
        "en": "copy {number}: verification failed: {problems}",
    },
    "evaluate.copies_found": {"fr": "copies trouvées", "en": "copies found"},
    "evaluate.pages_lost": {"fr": "pages perdues", "en": "pages lost"},
    "evaluate.misplaced": {"fr": "pages dans une autre copie", "en": "pages in the wrong copy"},
    "evaluate.order": {
        "fr": "ordre de lecture exact (copies de 2 pages ou plus)",
        "en": "exact reading order (copies of 2+ pages)",
    },
    "evaluate.upright": {"fr": "pages droites", "en": "pages upright"},
    "evaluate.blanks": {"fr": "pages blanches retirées", "en": "blank pages dropped"},
    "evaluate.leaks": {"fr": "pages où une identité est lisible", "en": "pages with a legible identity"},
    "evaluate.unassigned": {"fr": "pages non rattachées, erreurs", "en": "unassigned pages, errors"},
    "evaluate.help": {
        "fr": "Compare un dossier de sortie à un fichier de vérité (vos copies d'exemple) : copies trouvées, "
        "pages perdues, ordre, pages droites, pages blanches, identité lisible. Code 0 si tout est juste, "
        "1 sinon : le contrôle de non-régression d'un centre, en CI.",
        "en": "Score an output folder against a truth file (your sample copies): copies found, pages lost, "
        "order, upright pages, blank pages, legible identity. Exit 0 when all is right, 1 otherwise: a "
        "centre's regression check, in CI.",
    },
    "evaluate.epilog": {
        "fr": "Exemple : anonymat process exemples/ -o sortie ; anonymat evaluate sortie --truth "
        "exemples/truth.json --junit evaluate.xml. Format du fichier de vérité : docs/truth-file.md.",
        "en": "Example: anonymat process samples/ -o out; anonymat evaluate out --truth samples/truth.json "
        "--junit evaluate.xml. Truth file format: docs/truth-file.md.",
    },
    "evaluate.outdir": {
        "fr": "Un dossier écrit par `anonymat process`.",
        "en": "A folder written by `anonymat process`.",
    },
    "evaluate.truth": {
        "fr": "Ce que les copies doivent être (docs/truth-file.md ; `anonymat samples` en écrit un).",
        "en": "What the copies should be (docs/truth-file.md; `anonymat samples` writes one).",
    },
    "evaluate.junit": {
        "fr": "Écrire aussi le résultat en JUnit XML, pour la CI.",
        "en": "Also write the result as JUnit XML, for CI.",
    },
    "evaluate.ocr": {
        "fr": "Chercher par OCR les chaînes d'identité sur chaque page de sortie (--no-ocr : plus rapide).",
        "en": "Search every output page for the identity strings by OCR (--no-ocr: faster).",
    },
    "samples.help": {
        "fr": "Génère des copies scannées de synthèse réalistes (et leur vérité, pour les tests).",
        "en": "Generate realistic synthetic scanned copies (and their truth file, for tests only).",
    },
    "samples.outdir": {
        "fr": "Où écrire les scans et truth.json.",
        "en": "Where to write the scans and truth.json.",
    },
    "samples.copies": {"fr": "Nombre de copies.", "en": "How many exam copies."},
    "samples.seed": {
        "fr": "Graine aléatoire : même graine, mêmes octets.",
        "en": "Random seed: same seed, same bytes.",
    },
    "samples.form": {
        "fr": "Mise en page du formulaire (cdg-est, rule-banner, left-id, ...) ou 'mixed'.",
        "en": "Form layout (cdg-est, rule-banner, left-id, ...) or 'mixed'.",
    },
    "samples.done": {
        "fr": "{copies} copies, {pages} pages scannées, écrites dans {outdir}",
        "en": "wrote {copies} copies, {pages} scanned pages, to {outdir}",
    },
    "doctor.help": {
        "fr": "Vérifie que tesseract, ses données françaises et les lecteurs de codes-barres sont installés.",
        "en": "Check that tesseract, its French data and the barcode readers are installed.",
    },
    "doctor.ok": {"fr": "ok      ", "en": "ok     "},
    "doctor.missing": {"fr": "MANQUANT", "en": "MISSING"},
    "doctor.absent": {"fr": "absent  ", "en": "absent "},
    "doctor.how": {"fr": "  pour installer {name} : {fix}", "en": "  to install {name}: {fix}"},
    "doctor.n_missing": {
        "fr": "{n} composant(s) obligatoire(s) manquant(s).",
        "en": "{n} required component(s) missing.",
    },
    "doctor.all_good": {
        "fr": "tout ce dont anonymat a besoin est installé.",
        "en": "everything anonymat needs is installed.",
    },
    "doctor.tesseract": {"fr": "tesseract", "en": "tesseract"},
    "doctor.tesseract_fra": {
        "fr": "données françaises de tesseract (fra)",
        "en": "tesseract French data (fra)",
    },
    "doctor.tesserocr": {"fr": "tesserocr (OCR dans le processus)", "en": "tesserocr (in-process OCR)"},
    "doctor.handwriting": {
        "fr": "lecteur d'écriture manuscrite (rapidocr, pour l'ordre de lecture)",
        "en": "handwriting reader (rapidocr, for reading order)",
    },
    "doctor.word_pairs": {
        "fr": "paires de mots françaises (Wiktionnaire, pour l'ordre de lecture)",
        "en": "French word pairs (Wiktionary, for reading order)",
    },
    "doctor.word_pairs_count": {"fr": "{words} mots, {pairs} paires", "en": "{words} words, {pairs} pairs"},
    "doctor.zxing": {"fr": "zxing-cpp (lecteur de codes-barres)", "en": "zxing-cpp (barcode reader)"},
    "doctor.zbar": {
        "fr": "libzbar (second lecteur de codes-barres)",
        "en": "libzbar (second barcode reader)",
    },
    "doctor.pikepdf": {
        "fr": "pikepdf (lecture et écriture des PDF)",
        "en": "pikepdf (PDF reading and writing)",
    },
    "doctor.pypdfium2": {
        "fr": "pypdfium2 (affichage des pages PDF)",
        "en": "pypdfium2 (PDF page rendering)",
    },
    "doctor.pdftoppm": {
        "fr": "pdftoppm (facultatif : comparaison avec pdf2image dans make bench)",
        "en": "pdftoppm (optional: pdf2image comparison in make bench)",
    },
    "doctor.version": {"fr": "version {version}", "en": "version {version}"},
    "doctor.present": {"fr": "présent", "en": "present"},
    "doctor.not_on_path": {"fr": "introuvable dans le PATH", "en": "not found on PATH"},
    "doctor.no_tessdata": {"fr": "aucun dossier tessdata trouvé", "en": "no tessdata folder found"},
    "doctor.reader_tesseract": {
        "fr": "tesseract choisi (ANONYMAT_READER=tesseract)",
        "en": "tesseract chosen (ANONYMAT_READER=tesseract)",
    },
    "doctor.no_rapidocr": {"fr": "rapidocr n'est pas installé", "en": "rapidocr is not installed"},
    "doctor.no_model": {"fr": "fichier du modèle absent : {path}", "en": "model file missing: {path}"},
    "learn.done": {
        "fr": "modèle {output} appris sur {pages} pages ; aperçu {preview} ({how})",
        "en": "learned {output} from {pages} pages; preview {preview} ({how})",
    },
    "learn.not_found": {"fr": "non trouvé : {what}", "en": "not found: {what}"},
    "learn.next": {
        "fr": "vérifiez l'aperçu, puis : anonymat process SCANS -o SORTIE --template {output}",
        "en": "check the preview, then: anonymat process SCANS -o OUTDIR --template {output}",
    },
    "learn.no_barcode": {
        "fr": "aucune page avec un code-barres lisible parmi les scans : donnez des scans de copies remplies",
        "en": "no page with a readable barcode among the scans: give scans of filled-in copies",
    },
    "learn.no_identity": {
        "fr": "la zone d'identité est introuvable : ni les intitulés d'identité (NOM, Prénom...) ni "
        "l'impression PARTIE A du rabat n'ont été lus ; donnez des scans plus nets (300 dpi) ou écrivez "
        "zones_mm.identity à la main",
        "en": "the identity zone could not be found: no identity labels (NOM, Prénom...) nor the flap's "
        "PARTIE A print were read; give clearer scans (300 dpi) or write zones_mm.identity by hand",
    },
    "learn.no_open_flap": {
        "fr": "aucun scan avec le rabat ouvert : les intitulés d'identité n'ont pas été vus ; la zone "
        "d'identité est celle où se trouve le rabat plié. Donnez un scan avec le rabat ouvert pour "
        "l'apprendre exactement",
        "en": "no scan with the flap open: the identity labels were not seen; the identity zone is where "
        "the folded flap lies. Give one scan with an open flap to learn it exactly",
    },
    "learn.no_flap_area": {
        "fr": "zone du rabat ouvert : aucun scan avec le rabat ouvert n'a montré son impression ; l'état du "
        "rabat sera « inconnu » (la zone d'identité est masquée dans tous les cas)",
        "en": "flap open area: no scan with the flap open showed its print; flap states will be "
        "'unknown' (the identity zone is masked either way)",
    },
    "learn.no_rules": {
        "fr": "aucun long filet imprimé dans l'en-tête : les pages sont placées sur le code-barres et les "
        "intitulés imprimés seulement",
        "en": "no long printed rule in the header: pages are placed on the barcode and the printed labels only",
    },
    "learn.few_labels": {
        "fr": "moins de deux intitulés imprimés ont été lus : une page au code-barres illisible ne pourra "
        "pas être placée",
        "en": "fewer than two printed labels were read: a page whose barcode is unreadable cannot be placed",
    },
    "learn.no_scan": {"fr": "aucun scan parmi les entrées", "en": "no scan found among the inputs"},
    "learn.no_scan_in": {"fr": "{path} : aucun scan trouvé", "en": "{path}: no scan found"},
    "learn.page_count": {"fr": "{path} : il a {n} page(s)", "en": "{path}: it has {n} pages"},
    "learn.blank": {
        "fr": "la page {n} de {file} est blanche : donnez une page écrite",
        "en": "{file} page {n} is blank: give a written page",
    },
    "learn.cannot_encode": {
        "fr": "{path} : impossible d'encoder l'aperçu",
        "en": "{path}: could not encode the preview",
    },
    "show.placed": {
        "fr": "placé sur {cues} (écart résiduel {mm} mm)",
        "en": "placed on {cues} (residual {mm} mm)",
    },
    "show.not_placed": {
        "fr": "NON placé (deux repères ne concordent pas ; vus : {seen}) : {policy} masqué",
        "en": "NOT placed (no two cues agree; seen: {seen}): {policy} masked",
    },
    "show.none": {"fr": "aucun", "en": "none"},
    "show.done": {"fr": "{output} écrit : {how}", "en": "wrote {output}: {how}"},
    "evaluate.not_found": {"fr": "copie absente des sorties", "en": "copy not found in the outputs"},
    "evaluate.lost": {"fr": "{n} page(s) perdue(s) : {pages}", "en": "{n} page(s) lost: {pages}"},
    "evaluate.in_other": {
        "fr": "{n} page(s) dans une autre copie : {pages}",
        "en": "{n} page(s) in another copy: {pages}",
    },
    "evaluate.foreign": {
        "fr": "{n} page(s) d'une autre copie : {pages}",
        "en": "{n} page(s) of another copy: {pages}",
    },
    "evaluate.disordered_flagged": {
        "fr": "pages hors de l'ordre de lecture (la copie a été envoyée à vérifier)",
        "en": "pages not in reading order (the copy was sent to review)",
    },
    "evaluate.disordered": {
        "fr": "pages hors de l'ordre de lecture (et non signalé)",
        "en": "pages not in reading order (and not flagged)",
    },
    "evaluate.not_upright": {"fr": "{n} page(s) pas à l'endroit", "en": "{n} page(s) not upright"},
    "evaluate.leak": {
        "fr": "chaîne d'identité lisible sur la page de sortie {pages}",
        "en": "identity string legible on output page {pages}",
    },
    "evaluate.fail_line": {"fr": "ÉCHEC copie {number} : {problem}", "en": "FAIL copy {number}: {problem}"},
    "evaluate.pass": {"fr": "RÉUSSI", "en": "PASS"},
    "evaluate.fail": {"fr": "ÉCHEC", "en": "FAIL"},
    "evaluate.truth_unreadable": {
        "fr": "{path} : impossible de lire le fichier de vérité ({why})",
        "en": "{path}: cannot read the truth file ({why})",
    },
    "evaluate.truth_not_json": {
        "fr": "{path} : ce n'est pas un fichier JSON ({error}) : voir docs/truth-file.md",
        "en": "{path}: not a JSON file ({error}): see docs/truth-file.md",
    },
    "evaluate.truth_no_copies": {
        "fr": '{path} : pas de liste "copies" : voir docs/truth-file.md',
        "en": '{path}: no "copies" list: see docs/truth-file.md',
    },
    "evaluate.truth_no_number": {
        "fr": "{path} : la copie {i} n'a pas de \"number\" (son numéro d'anonymat, en chaîne de caractères)",
        "en": '{path}: copy {i} has no "number" (its anonymity number, as a string)',
    },
    "evaluate.truth_order": {
        "fr": '{path} : copie {number} : "order" doit lister ses pages écrites sous la forme '
        '{{"file", "page"}}',
        "en": '{path}: copy {number}: "order" must list its written pages as {{"file", "page"}}',
    },
    "evaluate.no_batch": {
        "fr": "{outdir} : pas de batch.json : donnez le dossier de sortie d'un `anonymat process` terminé",
        "en": "{outdir}: no batch.json: give the output folder of a finished `anonymat process`",
    },
    "fix.help": {
        "fr": "Corrige à la main l'ordre des pages d'une copie, déplace ou retire une page ; "
        "seules ces copies sont refaites. La commande exacte pour chaque copie est dans report.html.",
        "en": "Reorder, move or drop pages of copies by hand; rebuilds only those copies. "
        "The exact command for each copy is in report.html.",
    },
    "fix.outdir": {
        "fr": "Un dossier écrit par `anonymat process`.",
        "en": "A folder written by `anonymat process`.",
    },
    "fix.number": {
        "fr": "La copie à corriger (son numéro d'anonymat).",
        "en": "The copy to fix (its anonymity number).",
    },
    "fix.order": {
        "fr": "Nouvel ordre des pages : numéros de page du rapport (3,1,2) ou FICHIER:PAGE.",
        "en": "New page order: page numbers as the report shows them (3,1,2) or FILE:PAGE.",
    },
    "fix.move": {
        "fr": "PAGE:AUTRENUMERO : mettre la page PAGE à la fin de la copie AUTRENUMERO.",
        "en": "PAGE:OTHERNUMBER: move page PAGE to the end of copy OTHERNUMBER.",
    },
    "fix.drop": {
        "fr": "Retirer la page PAGE (ou PAGE,PAGE) de la copie.",
        "en": "Remove page PAGE (or PAGE,PAGE) from the copy.",
    },
    "fix.add": {
        "fr": "FICHIER:PAGE[@POSITION] : rattacher une page non rattachée (à la fin, ou à POSITION).",
        "en": "FILE:PAGE[@POSITION]: attach an unassigned page (last, or at POSITION).",
    },
    "fix.template": {
        "fr": "Avec --add : le FICHIER de modèle donné à `process`, s'il y en avait un.",
        "en": "With --add: the template FILE `process` was given, if any.",
    },
    "fix.csv": {
        "fr": "CSV avec un en-tête `number,order` : réordonner plusieurs copies.",
        "en": "CSV with a `number,order` header: reorder many copies.",
    },
    "fix.resolved": {
        "fr": "Copie vérifiée : effacer toutes ses raisons de vérification.",
        "en": "Checked: clear all the copy's review reasons.",
    },
    "fix.done": {"fr": "corrigé : {numbers} ; rapport : {report}", "en": "fixed {numbers}; report: {report}"},
    "report.scanned_among": {"fr": "scannée à côté des copies", "en": "scanned next to copies"},
    "fix.nothing": {
        "fr": "rien à changer : c'est déjà ainsi (aucun fichier écrit)",
        "en": "nothing to change: already as asked (no file written)",
    },
    "fix.csv_and_number": {
        "fr": "--csv remplace NUMERO et --order/--move/--drop/--add : donnez l'un ou l'autre",
        "en": "--csv replaces NUMBER and --order/--move/--drop/--add: give one or the other",
    },
    "fix.no_number": {
        "fr": "donnez le NUMERO de la copie (ou --csv FICHIER)",
        "en": "give the copy's NUMBER (or --csv FILE)",
    },
    # anonymat fix: what it refuses, and why
    "fix.arg_number": {"fr": "NUMERO", "en": "NUMBER"},
    "fix.bad_positions": {
        "fr": "{what} : numéros de page attendus, tels que les montre le rapport (3,1,2), ou pages sources "
        "(FICHIER:PAGE, par exemple scans/lot1.pdf:5), et non {text!r}",
        "en": "{what}: expected page numbers as the report shows them (3,1,2) or source pages "
        "(FILE:PAGE, e.g. scans/lot1.pdf:5), not {text!r}",
    },
    "fix.bad_move": {
        "fr": "--move : PAGE:NUMERO attendu, par exemple 2:1234567890, et non {text!r}",
        "en": "--move: expected PAGE:NUMBER like 2:1234567890, not {text!r}",
    },
    "fix.bad_add": {
        "fr": "--add : FICHIER:PAGE[@POSITION] attendu, par exemple scans/lot1.pdf:5@2, et non {text!r}",
        "en": "--add: expected FILE:PAGE[@POSITION] like scans/lot1.pdf:5@2, not {text!r}",
    },
    "fix.csv_unreadable": {
        "fr": "{path} : impossible de lire le fichier CSV ({why})",
        "en": "{path}: cannot read the CSV file ({why})",
    },
    "fix.csv_not_utf8": {
        "fr": "{path} : ce n'est pas un fichier texte UTF-8 ; enregistrez le CSV en UTF-8",
        "en": "{path}: not a UTF-8 text file; save the CSV as UTF-8",
    },
    "fix.csv_header": {
        "fr": "{path} : la première ligne doit être l'en-tête `number,order`",
        "en": "{path}: the first line must be the header `number,order`",
    },
    "fix.csv_line": {"fr": "{path} ligne {line}", "en": "{path} line {line}"},
    "fix.csv_row": {
        "fr": "{where} : un numéro et un ordre sont attendus",
        "en": "{where}: expected a number and an order",
    },
    "fix.csv_empty": {
        "fr": "{path} : aucune copie à corriger (rien que l'en-tête ?)",
        "en": "{path}: no copy to fix (only a header?)",
    },
    "fix.one_action": {
        "fr": "une seule action par appel : --order, --move, --drop ou --add",
        "en": "give one of --order, --move, --drop, --add per call",
    },
    "fix.no_action": {
        "fr": "rien à faire : donnez --order, --move, --drop, --add ou --resolved",
        "en": "nothing to do: give --order, --move, --drop, --add or --resolved",
    },
    "fix.no_copy": {
        "fr": "{given_as} : pas de copie {number!r} dans {outdir} (son manifeste {number}.json est absent)",
        "en": "{given_as}: no copy {number!r} in {outdir} (its manifest {number}.json is missing)",
    },
    "fix.no_page": {
        "fr": "{what} : la copie {number} n'a pas de page {page} (ses pages, numérotées comme dans le "
        "rapport : {ids} ; ou désignez une page par FICHIER:PAGE)",
        "en": "{what}: copy {number} has no page {page} (its pages, as the report numbers them: {ids}; "
        "or name a page FILE:PAGE)",
    },
    "fix.order_each_once": {
        "fr": "--order : la copie {number} a {n} pages ({ids} dans le rapport) : donnez chacune exactement "
        "une fois (reçu : {got})",
        "en": "--order: copy {number} has {n} pages ({ids} in the report), give each exactly once "
        "(got {got})",
    },
    "fix.move_same": {
        "fr": "--move : la page {page} est déjà dans la copie {number} ; pour la déplacer dans la copie, "
        "utilisez --order",
        "en": "--move: page {page} is already in copy {number}; use --order to move it within the copy",
    },
    "fix.move_last": {
        "fr": "--move : la copie {number} n'a que cette page ; une copie ne peut pas rester vide",
        "en": "--move: copy {number} has only this page; a copy cannot be left empty",
    },
    "fix.drop_twice": {
        "fr": "--drop : page donnée deux fois ({pages})",
        "en": "--drop: page given twice ({pages})",
    },
    "fix.drop_all": {
        "fr": "--drop : il ne resterait aucune page dans la copie {number}",
        "en": "--drop: copy {number} would have no page left",
    },
    "fix.add_not_unassigned": {
        "fr": "--add : {ref} n'est pas une page non rattachée de ce traitement (voir `unassigned` dans "
        "batch.json, ou la liste du rapport) ; une page d'une autre copie se déplace avec --move",
        "en": "--add: {ref} is not an unassigned page of this batch (see batch.json `unassigned` or the "
        "report's list); a page of another copy moves with --move",
    },
    "fix.add_no_path": {
        "fr": "--add : batch.json ne dit pas où se trouve {file} (écrit par une version plus ancienne "
        "d'anonymat) : relancez `anonymat process`",
        "en": "--add: batch.json does not say where {file} is (made by an older anonymat): run `anonymat "
        "process` again",
    },
    "fix.add_error": {"fr": "--add : {error}", "en": "--add: {error}"},
    "fix.add_blank": {
        "fr": "--add : {ref} est une page blanche : rien à rattacher",
        "en": "--add: {ref} is a blank page: nothing to attach",
    },
    "fix.add_barcode": {
        "fr": "--add : le code-barres de {ref} donne {read}, et non {number}",
        "en": "--add: the barcode of {ref} reads {read}, not {number}",
    },
    "fix.add_position": {
        "fr": "--add : la position {at} n'est pas comprise entre 1 et {last}",
        "en": "--add: position {at} is not one of 1..{last}",
    },
    "fix.add_template": {
        "fr": "--add : impossible de charger le modèle {name!r} ({error}) : donnez --template FICHIER",
        "en": "--add: cannot load the template {name!r} ({error}): give --template FILE",
    },
    "fix.add_other_template": {
        "fr": "--add : les copies ont été faites avec un autre modèle que le modèle intégré {name!r} : "
        "donnez le même --template FICHIER qu'à `anonymat process`",
        "en": "--add: the copies were made with another template than the built-in {name!r}: "
        "give the same --template FILE as `anonymat process`",
    },
    "fix.source_unknown": {
        "fr": "{file} : le manifeste ne dit pas où se trouve ce scan ; relancez `anonymat process --force`",
        "en": "{file}: the manifest does not say where this scan is; run `anonymat process --force` again",
    },
    "fix.source_missing": {
        "fr": "{path} : scan source introuvable ({why}) ; remettez-le en place pour refaire la copie",
        "en": "{path}: source scan not found ({why}); put it back to rebuild the copy",
    },
    "fix.source_changed": {
        "fr": "{path} : le scan source a changé depuis son traitement ; remettez l'original en place",
        "en": "{path}: source scan changed since it was processed; put the original back",
    },
    "fix.unreadable": {
        "fr": "{path} : illisible ({error}) ; relancez `anonymat process`",
        "en": "{path}: cannot read it ({error}); run `anonymat process` again",
    },
    "fix.bad_manifest": {
        "fr": "{path} : {error} ; relancez `anonymat process`",
        "en": "{path}: {error}; run `anonymat process` again",
    },
    "fix.not_manifest": {
        "fr": "{path} : ce n'est pas un manifeste d'anonymat",
        "en": "{path}: not an anonymat manifest",
    },
    "template.help": {
        "fr": "Ajouter un nouveau formulaire : apprendre son modèle, le vérifier sur un scan.",
        "en": "Onboard a new form: learn its template, check it on a scan.",
    },
    "learn.help": {
        "fr": "Apprend le modèle d'un formulaire à partir de quelques scans ; écrit le modèle et un aperçu.",
        "en": "Learn the template of a form from a few scans; write it and a preview with every zone drawn.",
    },
    "learn.scans": {
        "fr": "Scans de copies remplies (certaines avec le rabat ouvert).",
        "en": "Scans of filled-in copies (some with the flap open).",
    },
    "learn.output": {"fr": "Le fichier JSON du modèle à écrire.", "en": "The template JSON to write."},
    "learn.preview": {
        "fr": "L'aperçu PNG (par défaut : à côté du modèle, .png).",
        "en": "The preview PNG (default: next to the template, .png).",
    },
    "learn.name": {
        "fr": "Le nom du modèle (par défaut : le nom du fichier).",
        "en": "The template's name (default: the file name).",
    },
    "show.help": {
        "fr": "Dessine les zones d'un modèle sur un scan, placées comme `process` les placerait.",
        "en": "Draw a template's zones over a scan, placed as `process` would place them.",
    },
    "show.template": {
        "fr": "Un modèle intégré ou un fichier JSON de modèle.",
        "en": "A built-in template name or a template JSON file.",
    },
    "show.scan": {
        "fr": "Une page scannée (PDF, TIFF, JPEG ou PNG).",
        "en": "A scanned page (PDF, TIFF, JPEG or PNG).",
    },
    "show.output": {"fr": "L'image PNG à écrire.", "en": "The preview PNG to write."},
    "show.page": {
        "fr": "Quelle page du scan (1 = la première).",
        "en": "Which page of the scan (1 = the first).",
    },
    "template.unreadable": {
        "fr": "{path} : impossible de lire le modèle ({error}) ; voir le README, section 'Templates'",
        "en": "{path}: cannot read the template ({error}); see README 'Templates'",
    },
    "template.unknown": {
        "fr": "modèle inconnu {name!r} : donnez l'un des modèles intégrés ({names}) ou un fichier JSON",
        "en": "unknown template {name!r}: use one of {names} or a JSON file",
    },
    "template.box": {
        "fr": "{origin} : {what} doit être [x0, y0, x1, y1] en millimètres",
        "en": "{origin}: {what} must be [x0, y0, x1, y1] in millimetres",
    },
    "template.box_order": {
        "fr": "{origin} : {what} a x1 <= x0 ou y1 <= y0",
        "en": "{origin}: {what} has x1 <= x0 or y1 <= y0",
    },
    "template.zone_missing": {
        "fr": "{origin} : zones_mm.{zone} manque",
        "en": "{origin}: zones_mm.{zone} is missing",
    },
    "template.zone_undefined": {
        "fr": "{origin} : la zone {zone!r} est nommée mais n'est pas définie dans zones_mm",
        "en": "{origin}: zone {zone!r} is named but not defined in zones_mm",
    },
    "template.key_missing": {
        "fr": "{origin} : il manque au modèle la clé {missing} ; voir le README, section 'Templates'",
        "en": "{origin}: the template lacks the key {missing}; see README 'Templates'",
    },
    "template.bad_pattern": {
        "fr": "{origin} : number.pattern n'est pas une expression régulière valide ({error})",
        "en": "{origin}: number.pattern is not a valid regular expression ({error})",
    },
    "template.rules": {
        "fr": "{origin} : rules_mm doit être une liste de [x0, y, x1] en millimètres",
        "en": "{origin}: rules_mm must be a list of [x0, y, x1] in millimetres",
    },
    "template.labels": {
        "fr": "{origin} : labels_mm doit être une liste de {{key, at: [x, y], flap}}",
        "en": "{origin}: labels_mm must be a list of {{key, at: [x, y], flap}}",
    },
    "template.label_entry": {
        "fr": "{origin} : l'entrée {item!r} de labels_mm n'a pas la forme {{key, at: [x, y], flap}}",
        "en": "{origin}: labels_mm entry {item!r} is not {{key, at: [x, y], flap}}",
    },
    "watch.help": {
        "fr": "Dossier surveillé : traite chaque scan déposé dans ENTREE dès qu'il ne grossit plus.",
        "en": "Hot folder: process each scan dropped into IN once it has stopped growing.",
    },
    "watch.epilog": {
        "fr": "Exemple : anonymat watch /partage/scanner -o /partage/copies --log /partage/journal.txt\n\n"
        "Arrêt propre : Ctrl-C ou SIGTERM (systemctl stop). Un fichier déjà traité n'est pas refait ; "
        "un fichier illisible est signalé et la surveillance continue.",
        "en": "Example: anonymat watch /share/scanner -o /share/copies --log /share/log.txt\n\n"
        "Stops cleanly on Ctrl-C or SIGTERM (systemctl stop). A file already done is not redone; "
        "an unreadable file is reported and the watch goes on.",
    },
    "watch.indir": {
        "fr": "Le dossier où le scanner dépose ses fichiers.",
        "en": "The folder the scanner drops files into.",
    },
    "watch.interval": {
        "fr": "Secondes entre deux regards sur le dossier.",
        "en": "Seconds between two looks at the folder.",
    },
    "watch.settle": {
        "fr": "Un fichier est pris quand sa taille n'a pas changé depuis ce nombre de secondes.",
        "en": "A file is taken once its size has not changed for this many seconds.",
    },
    "watch.once": {
        "fr": "Traiter ce qui est déjà là puis s'arrêter.",
        "en": "Process what is already there, then stop.",
    },
    "watch.started": {
        "fr": "surveille {indir} (Ctrl-C pour arrêter) ; copies dans {outdir}",
        "en": "watching {indir} (Ctrl-C to stop); copies in {outdir}",
    },
    "watch.new": {"fr": "nouveaux fichiers prêts : {files}", "en": "new files ready: {files}"},
    "watch.file_failed": {
        "fr": "{files} : non traité ({error}) ; la surveillance continue",
        "en": "{files}: not processed ({error}); the watch goes on",
    },
    "watch.stopped": {
        "fr": "surveillance arrêtée après {runs} traitement(s) ; rapport : {report}",
        "en": "watch stopped after {runs} run(s); report: {report}",
    },
    # a page or an input file that cannot be used (batch.json `errors`, unassigned pages, stderr)
    "page.where": {"fr": "page {n} de {file}", "en": "page {n} of {file}"},
    "page.error": {"fr": "{where} : {error}", "en": "{where}: {error}"},
    "page.gone": {
        "fr": "le fichier a disparu depuis le début du traitement",
        "en": "the file has disappeared since the batch started",
    },
    "page.no_memory": {
        "fr": "pas assez de mémoire pour la décoder : relancez avec moins de --jobs",
        "en": "not enough memory to decode it: run with fewer --jobs",
    },
    "page.cannot_decode": {
        "fr": "impossible de la décoder ({error}) : scannez-la ou exportez-la à nouveau",
        "en": "cannot decode it ({error}): rescan or export it again",
    },
    "page.too_small": {
        "fr": "image trop petite pour une page scannée ({w}x{h} px) : scannez à 200-300 dpi",
        "en": "image too small to be a scanned page ({w}x{h} px): scan at 200-300 dpi",
    },
    "page.undecoded": {
        "fr": "son image scannée ne peut pas être décodée (données vides ou abîmées) : scannez cette feuille "
        "à nouveau",
        "en": "its scanned image cannot be decoded (empty or damaged data): scan this sheet again",
    },
    "page.vault": {
        "fr": "impossible d'écrire son extrait d'identité dans {vault} ({why})",
        "en": "cannot write its identity crop in {vault} ({why})",
    },
    "page.crashed": {
        "fr": "sa lecture a fait planter deux fois un processus de travail ; vérifiez le scan, ou exportez-le "
        "à nouveau",
        "en": "reading it crashed a worker process twice; check the scan, or export it again",
    },
    "ocr.no_language": {
        "fr": "données de langue '{lang}' de tesseract introuvables : installez tesseract-ocr-{lang}, voir "
        "`anonymat doctor`",
        "en": "tesseract language data '{lang}' not found: install tesseract-ocr-{lang}, see `anonymat doctor`",
    },
    "ocr.cannot_load": {
        "fr": "tesseract n'a pas pu charger '{lang}' depuis {folder} ({error}) : réinstallez tesseract-ocr-{lang}",
        "en": "tesseract could not load '{lang}' from {folder} ({error}): reinstall tesseract-ocr-{lang}",
    },
    "ocr.failed": {
        "fr": "tesseract a échoué sur cette page ({error}) ; la page doit être vérifiée à la main",
        "en": "tesseract failed on this page ({error}); the page needs a manual check",
    },
    "ocr.timeout": {
        "fr": "tesseract a mis plus de {seconds:.0f} s sur cette page et a été arrêté",
        "en": "tesseract took more than {seconds:.0f} s on this page and was stopped",
    },
    "ocr.no_library": {
        "fr": "ni tesserocr ni pytesseract ne peuvent être importés : lancez `make setup`",
        "en": "neither tesserocr nor pytesseract can be imported: run `make setup`",
    },
    "ocr.no_program": {
        "fr": "le programme tesseract n'est pas installé : voir `anonymat doctor`",
        "en": "the tesseract program is not installed: see `anonymat doctor`",
    },
    "handwriting.no_rapidocr": {
        "fr": "rapidocr n'est pas installé : lancez make setup",
        "en": "rapidocr is not installed: run make setup",
    },
    "handwriting.no_model": {
        "fr": "modèle de rapidocr absent : {model} ; réinstallez rapidocr (make setup)",
        "en": "rapidocr model missing: {model}; reinstall rapidocr (make setup)",
    },
    "handwriting.cannot_load": {
        "fr": "rapidocr n'a pas pu charger son modèle : {error}",
        "en": "rapidocr could not load its model: {error}",
    },
    "handwriting.failed": {
        "fr": "la reconnaissance de l'écriture manuscrite a échoué : {error}",
        "en": "handwriting recognition failed: {error}",
    },
    "output.disk_full": {
        "fr": "le disque est plein : libérez de la place",
        "en": "the disk is full: free some space",
    },
    "output.quota": {
        "fr": "le quota disque est dépassé : libérez de la place",
        "en": "the disk quota is exceeded: free some space",
    },
    "output.read_only": {
        "fr": "le dossier est en lecture seule : choisissez un autre dossier de sortie",
        "en": "the folder is read-only: choose another output folder",
    },
    "output.denied": {
        "fr": "permission refusée : choisissez un dossier où vous avez le droit d'écrire",
        "en": "permission denied: choose a folder you can write to",
    },
    "output.no_folder": {
        "fr": "le dossier n'existe pas : créez-le d'abord",
        "en": "the folder does not exist: create it first",
    },
    "run.first_line": {
        "fr": "anonymat {version} : {inputs} -> {outdir} ({jobs} tâche(s), ordre {order}, modèle {template})",
        "en": "anonymat {version}: {inputs} -> {outdir} (jobs {jobs}, order {order}, template {template})",
    },
    "output.no_temp": {
        "fr": "impossible de créer un fichier temporaire dans {folder} : trop de restes, videz le dossier",
        "en": "cannot create a temporary file in {folder}: too many leftovers, clean the folder",
    },
    "copy.crashed": {
        "fr": "l'écriture de la copie {number} a fait planter deux fois un processus de travail : relancez la "
        "commande ; si cela recommence, vérifiez ses scans ({files})",
        "en": "writing copy {number} crashed a worker process twice: run the command again; if it fails "
        "again, check its scans ({files})",
    },
    "workers.no_dask": {
        "fr": "--scheduler a besoin de Dask : lancez `.venv/bin/pip install distributed`",
        "en": "--scheduler needs Dask: run `.venv/bin/pip install distributed`",
    },
    "workers.unreachable": {
        "fr": "impossible de joindre l'ordonnanceur Dask à {scheduler} : `dask scheduler` est-il lancé ?",
        "en": "cannot reach the Dask scheduler at {scheduler}: is `dask scheduler` running?",
    },
    "output.cannot_write": {
        "fr": "impossible d'écrire {name} dans {folder} : {why}",
        "en": "cannot write {name} in {folder}: {why}",
    },
    "copy.unsafe_name": {
        "fr": "numéro de copie {number!r} refusé : il ne donne pas un nom de fichier sûr",
        "en": "refusing unsafe file name for copy number {number!r}",
    },
    "deps.missing": {
        "fr": "manquant : {names} ; lancez `anonymat doctor` pour savoir comment les installer",
        "en": "missing: {names}; run `anonymat doctor` to see how to install them",
    },
    "file.bomb": {
        "fr": "l'image annonce plus de {n} millions de pixels (bombe de décompression ?) : rescannez à 300 dpi",
        "en": "image declares more than {n} million pixels (decompression bomb?): rescan at 300 dpi",
    },
    "file.over_limit": {
        "fr": "image de {w}x{h} px, au-delà de la limite de {n} millions de pixels (bombe de décompression ?) : "
        "rescannez à 300 dpi",
        "en": "image of {w}x{h} px is over the {n} million pixel limit (decompression bomb?): rescan at 300 dpi",
    },
    "file.pages_changed": {
        "fr": "le PDF n'a plus que {n} pages : a-t-il été modifié pendant le traitement ?",
        "en": "the PDF has only {n} pages now: was it changed during the run?",
    },
    "file.encrypted_page": {
        "fr": "PDF chiffré : retirez d'abord le mot de passe, puis relancez",
        "en": "encrypted PDF: remove the password first and run again",
    },
    "file.encrypted": {
        "fr": "PDF chiffré : retirez d'abord le mot de passe "
        "(qpdf --decrypt --password=... entree.pdf sortie.pdf), puis relancez",
        "en": "encrypted PDF: remove the password first "
        "(qpdf --decrypt --password=... in.pdf out.pdf) and run again",
    },
    "file.damaged": {
        "fr": "PDF abîmé ({why}) : exportez-le ou scannez-le à nouveau",
        "en": "damaged PDF ({why}): export or scan it again",
    },
    "file.truncated": {
        "fr": "le fichier est abîmé (tronqué ?) : aucune de ses {n} pages ne peut être lue ; exportez-le ou "
        "scannez-le à nouveau",
        "en": "the file is damaged (truncated?): none of its {n} pages can be read; export or scan it again",
    },
    "file.unrenderable": {
        "fr": "le PDF ne peut pas être affiché ({why}) : exportez-le ou scannez-le à nouveau",
        "en": "PDF cannot be rendered ({why}): export or scan it again",
    },
    "file.page_too_large": {
        "fr": "page de {w}x{h} pouces, bien plus grande qu'une page d'examen : vérifiez le format des pages "
        "du PDF",
        "en": "page of {w}x{h} in is far larger than an exam page: check the PDF's page size",
    },
    "file.no_pages": {
        "fr": "le PDF n'a aucune page : exportez-le ou scannez-le à nouveau",
        "en": "PDF has no pages: export or scan it again",
    },
    "file.unreadable_image": {
        "fr": "{kind} illisible ({why}) : exportez-le ou scannez-le à nouveau",
        "en": "unreadable {kind} ({why}): export or scan it again",
    },
    "file.no_image": {
        "fr": "le {kind} ne contient aucune image : exportez-le ou scannez-le à nouveau",
        "en": "{kind} has no image: export or scan it again",
    },
    "file.folder_unreadable": {
        "fr": "impossible de lire le dossier : {why}",
        "en": "cannot read folder: {why}",
    },
    "file.unreadable": {"fr": "impossible de lire le fichier : {why}", "en": "cannot read file: {why}"},
    "file.not_regular": {
        "fr": "pas un fichier ordinaire : donnez un fichier PDF, TIFF, JPEG ou PNG",
        "en": "not a regular file: give a PDF, TIFF, JPEG or PNG file",
    },
    "file.empty": {
        "fr": "fichier vide (0 octet) : copiez-le ou exportez-le à nouveau",
        "en": "empty file (0 bytes): copy or export it again",
    },
    "file.misnamed": {
        "fr": "nommé {suffix} mais son contenu n'est ni PDF, ni TIFF, ni JPEG, ni PNG : exportez le scan "
        "à nouveau",
        "en": "named {suffix} but its content is not a PDF, TIFF, JPEG or PNG: export the scan again",
    },
    "file.unsupported": {
        "fr": "le format {format} n'est pas pris en charge : convertissez-le en PDF, TIFF, PNG ou JPEG",
        "en": "{format} is not supported: convert it to PDF, TIFF, PNG or JPEG",
    },
    "file.not_scan": {
        "fr": "ni PDF, ni TIFF, ni JPEG, ni PNG (reconnu à son contenu) : donnez une copie scannée",
        "en": "not a PDF, TIFF, JPEG or PNG file (recognised by content): give a scanned copy",
    },
    "at": {"fr": "{where} : {what}", "en": "{where}: {what}"},
    "input.no_such": {
        "fr": "aucun fichier ni dossier de ce nom : vérifiez le chemin",
        "en": "no such file or folder: check the path",
    },
    "input.none_of": {"fr": "aucune des {n} entrées", "en": "none of the {n} inputs"},
    "input.same_file": {
        "fr": "{file} : même contenu que {same} (octets identiques) : utilisé une fois",
        "en": "{file}: same content as {same} (identical bytes): used once",
    },
    "input.same_page": {
        "fr": "{file} page {n} : la même image de page que {same} page {same_n} (scannée deux fois ?) : "
        "utilisée une fois",
        "en": "{file} page {n}: the same page image as {same} page {same_n} (scanned twice?): used once",
    },
    "input.own_outputs": {
        "fr": "{folder} : {n} {files} écrit(s) par anonymat (copies, manifestes, batch.json, report.html, "
        "thumbs/) passé(s) : les sorties ne sont pas relues comme des scans",
        "en": "{folder}: {n} {files} written by anonymat (copies, manifests, batch.json, report.html, "
        "thumbs/) skipped: outputs are not read back as scans",
    },
    "input.skipped": {
        "fr": "{n} {files} passé(s), ni PDF, ni TIFF, ni JPEG, ni PNG{named}",
        "en": "{n} {files} skipped, not a PDF, TIFF, JPEG or PNG scan{named}",
    },
    "input.files.one": {"fr": "fichier", "en": "file"},
    "input.files.many": {"fr": "fichiers", "en": "files"},
    "input.skipped_hint": {"fr": " (-v les nomme)", "en": " (-v names them)"},
    "input.the_input": {"fr": "l'entrée", "en": "the input"},
    "input.no_file": {
        "fr": "{given} : aucun fichier trouvé (dossier vide ?) : donnez le dossier ou les fichiers des copies "
        "scannées",
        "en": "{given}: no file found (empty folder?): give the folder or files of the scanned copies",
    },
    "input.nothing": {
        "fr": "{given} : aucune page scannée à traiter ({n} {files} : {parts}) : donnez le dossier ou les "
        "fichiers des copies scannées",
        "en": "{given}: no scanned page to work on ({n} {files}: {parts}): give the folder or files of the "
        "scanned copies",
    },
    "input.part_not_scan": {
        "fr": "{n} ni PDF, ni TIFF, ni JPEG, ni PNG",
        "en": "{n} not a PDF, TIFF, JPEG or PNG scan",
    },
    "input.part_own": {"fr": "{n} écrit(s) par anonymat", "en": "{n} written by anonymat"},
    "input.part_rejected": {"fr": "{n} refusé(s) (nommés plus haut)", "en": "{n} rejected (named above)"},
    "input.part_duplicates": {"fr": "doublons", "en": "duplicates"},
    "grouping.folder": {"fr": "{folder} (dossier d'images)", "en": "{folder} (folder of images)"},
    "grouping.cut_short": {
        "fr": "{unit} : le fichier n'est plus lisible après la page {n} sur {total} (tronqué ?) : {span} "
        "illisible(s) ; exportez-le ou scannez-le à nouveau",
        "en": "{unit}: the file stops being readable after page {n} of {total} (cut short?): {span} cannot "
        "be read; export or scan it again",
    },
    "grouping.span_one": {"fr": "page {first}", "en": "page {first}"},
    "grouping.span_many": {"fr": "pages {first} à {last}", "en": "pages {first} to {last}"},
    # the command line: what a run says
    "cli.unexpected": {
        "fr": "erreur interne : {kind}: {error} (relancez avec -v pour le détail, et signalez-la)",
        "en": "internal error: {kind}: {error} (run again with -v for details, and please report it)",
    },
    "cli.disk_full": {
        "fr": "disque plein en écrivant dans {where} : libérez de la place puis relancez la même commande "
        "(les copies déjà écrites sont gardées)",
        "en": "disk full while writing to {where}: free some space, then run the same command again "
        "(the copies already written are kept)",
    },
    "cli.rerun": {
        "fr": "puis relancez la même commande (les copies déjà écrites sont gardées)",
        "en": "then run the same command again (the copies already written are kept)",
    },
    "cli.jobs_capped": {
        "fr": "--jobs {asked} ramené à {cores} : cette machine a {cores} cœur(s)",
        "en": "--jobs {asked} reduced to {cores}: this machine has {cores} core(s)",
    },
    "cli.bad_lang": {"fr": "--lang : fr ou en, pas {value!r}", "en": "--lang: fr or en, not {value!r}"},
    "run.skipped": {
        "fr": "{n} copie(s) déjà faites dans {outdir}, passées (--force les refait)",
        "en": "{n} copies already done in {outdir}, skipped (--force redoes them)",
    },
    "run.copy_ok": {"fr": "copie {number} : ok ({pages} p.)", "en": "copy {number}: ok ({pages} p.)"},
    "run.copy_review": {
        "fr": "copie {number} : à vérifier ({pages} p.) : {reason}",
        "en": "copy {number}: to check ({pages} p.): {reason}",
    },
    "run.copy_failed": {"fr": "copie {number} : échec : {error}", "en": "copy {number}: failed: {error}"},
    "run.summary": {
        "fr": "{copies} copies ({review} à vérifier), {pages_in} pages lues, {pages_out} écrites, "
        "{unassigned} non rattachées, {errors} erreurs, {seconds:.1f} s",
        "en": "{copies} copies ({review} to review), {pages_in} pages in, {pages_out} out, "
        "{unassigned} unassigned, {errors} errors, {seconds:.1f} s",
    },
    "run.report": {"fr": "rapport : {report}", "en": "report: {report}"},
    "run.report_check": {
        "fr": "rapport : {report} ; copies à vérifier : {numbers}",
        "en": "report: {report}; copies to check: {numbers}",
    },
    "run.interrupted": {
        "fr": "interrompu : {copies} copie(s) écrite(s) dans {outdir} ; relancez la même commande pour finir "
        "(les copies faites sont gardées)",
        "en": "interrupted: {copies} copies written to {outdir}; run the same command again to finish "
        "(the copies done are kept)",
    },
    # review reasons said again in plain French (see REASONS)
    "reason.order_uncertain": {
        "fr": "Ordre des pages incertain (confiance {c}) : regardez les raccords entre les pages, "
        "la fin de chaque page et le début de la suivante.",
        "en": "reading order uncertain (confidence {c}): check the page order",
    },
    "reason.order_unread": {
        "fr": "Le texte d'une page n'a pas pu être lu : les pages sont dans l'ordre du scan ; vérifiez l'ordre.",
        "en": "the text of some page could not be read: pages kept in scan order",
    },
    "reason.orientation": {
        "fr": "{page} : le sens de la page n'est confirmé ni par le code-barres ni par l'en-tête ; "
        "vérifiez qu'elle est à l'endroit et que l'identité est masquée.",
        "en": "{page}: orientation not confirmed by the barcode or the printed header",
    },
    "reason.fail_closed": {
        "fr": "{page} : le modèle du formulaire n'a pas pu être placé ; tout l'en-tête a été masqué. "
        "Vérifiez qu'aucune identité n'apparaît et qu'aucune réponse n'est cachée.",
        "en": "{page}: the template could not be placed on the page (the barcode, printed rules and printed "
        "labels seen, {seen}, do not agree on where the flap and identity zone are): the whole {zone} "
        "was masked instead; check that no identity shows and no writing was hidden, or learn this "
        "form's template (anonymat template learn)",
    },
    "reason.flap_unclear": {
        "fr": "{page} : impossible de dire si le rabat est plié ou ouvert ; vérifiez que l'identité est masquée.",
        "en": "{page}: flap state unclear",
    },
    "reason.barcode_digits": {
        "fr": "{page} : code-barres illisible ; numéro lu sur les chiffres imprimés dessous. "
        "Vérifiez que la page est bien de cette copie.",
        "en": "{page}: barcode unreadable; number read from the printed digits under it",
    },
    "reason.barcode_neighbours": {
        "fr": "{page} : code-barres illisible ; page rattachée d'après les pages scannées avant et après. "
        "Vérifiez qu'elle est bien de cette copie.",
        "en": "{page}: barcode unreadable; assigned by the pages scanned around it",
    },
    "reason.barcode_file": {
        "fr": "{page} : code-barres illisible ; page rattachée car son fichier ne contient que cette copie.",
        "en": "{page}: barcode unreadable; assigned because its file (or folder of images) holds only this "
        "copy",
    },
    "reason.interleaved": {
        "fr": "Les pages de cette copie sont mêlées à celles de la copie {others} dans le scan : "
        "vérifiez qu'aucune feuille n'a été mal rangée.",
        "en": "the pages of this copy are interleaved with those of copy {others} in the scan: check that "
        "no sheet was misplaced",
    },
    "reason.roster_name": {
        "fr": "Page {n} ({page}) : un nom de la liste des candidats apparaît ligne {line} "
        "(à environ {mm} mm du haut) : signe distinctif possible, à vérifier.",
        "en": "page {n} ({page}): a name from the roster appears on written line {line} (about {mm} mm from "
        "the top of the page): possible signe distinctif, check it",
    },
    "reason.signature": {
        "fr": "Page {n} ({page}) : une marque qui ressemble à une signature hors de la zone d'identité "
        "(à environ {mm} mm du haut) : signe distinctif possible, à vérifier.",
        "en": "page {n} ({page}): a signature-like mark outside the identity zone (about {mm} mm from the "
        "top of the page): possible signe distinctif, check it",
    },
    "reason.roster_unread": {
        "fr": "Page {n} ({page}) : texte illisible pour la recherche des noms des candidats : à vérifier.",
        "en": "page {n} ({page}): its text could not be read to look for roster names: check it",
    },
    "reason.stray_unread": {
        "fr": "Copie peut-être incomplète : {stray}, illisible, a été scannée {side} sa page {page} et en est "
        "peut-être une page. Scannez ou exportez à nouveau cette page, puis relancez `anonymat process`.",
        "en": "may be incomplete: {stray} cannot be read, scanned {side} its page {page}, may be one of its "
        "pages; rescan or export that page again, then run `anonymat process` again",
    },
    "reason.stray": {
        "fr": "Copie peut-être incomplète : la page non rattachée {stray} ({reason}), scannée {side} sa page "
        "{page}, en est peut-être une page. Si elle en fait partie : {command}",
        "en": "may be incomplete: the unassigned page {stray} ({reason}), scanned {side} its page {page}, "
        "may be one of its pages; if it belongs here: {command}",
    },
    "reason.no_back": {
        "fr": "Copie peut-être incomplète : sa feuille {page} n'a pas de verso dans le scan, alors que {k} des "
        "{n} feuilles de ce scan recto verso en ont un. Vérifiez que le verso de cette feuille n'a pas été "
        "perdu (rescannez la feuille s'il était écrit).",
        "en": "may be incomplete: its sheet {page} has no back in the scan, though {k} of the {n} sheets of "
        "this duplex scan have one: check that the back of that sheet was not lost (rescan the sheet "
        "if it was written on)",
    },
    "reason.no_start": {
        "fr": "Copie peut-être incomplète : sa première page ({page}) ne ressemble pas au début du devoir "
        "(elle commence au milieu d'une phrase ; indice {score}). Vérifiez qu'aucune page ne manque "
        "avant elle{candidates}.",
        "en": "may be incomplete: its first page ({page}) does not look like the start of the memo (it "
        "starts mid-sentence; evidence {score}): check that no page is missing before it{candidates}",
    },
    "reason.outline_start": {
        "fr": "Copie peut-être incomplète : sa première page ({page}) ne ressemble pas au début du devoir "
        "(son plan commence à {section}, sans I) avant). Vérifiez qu'aucune page ne manque "
        "avant elle{candidates}.",
        "en": "may be incomplete: its first page ({page}) does not look like the start of the memo (its "
        "outline starts at {section}, with no I) before it): check that no page is missing before "
        "it{candidates}",
    },
    "reason.no_end": {
        "fr": "Copie peut-être incomplète : sa dernière page ({page}) ne ressemble pas à la fin du devoir "
        "(s'arrête au milieu d'une phrase sur une page pleine ; score {score}). Vérifiez qu'aucune page ne "
        "manque après elle{candidates}.",
        "en": "may be incomplete: its last page ({page}) does not look like the end of the memo (stops "
        "mid-sentence on a full page; score {score}): check that no page is missing after "
        "it{candidates}",
    },
    "part.side_after": {"fr": "juste après", "en": "right after"},
    "part.side_before": {"fr": "juste avant", "en": "right before"},
    "part.candidates": {
        "fr": " ; pages non rattachées candidates : {pages}",
        "en": "; candidates among the unassigned pages: {pages}",
    },
    "unassigned.between_copies": {
        "fr": "code-barres illisible, et les pages voisines sont de copies différentes",
        "en": "barcode unreadable and the pages around it belong to different copies",
    },
    "unassigned.blank": {
        "fr": "page blanche rattachée à aucune copie",
        "en": "blank page that belongs to no copy",
    },
    "unassigned.two_numbers": {
        "fr": "deux numéros d'anonymat différents lus sur cette page : à vérifier à la main",
        "en": "two different anonymity numbers were read on this page: check it by hand",
    },
    "unassigned.no_barcode": {
        "fr": "aucun code-barres d'anonymat sur aucune de ses {n} pages : est-ce bien un scan d'examen ?",
        "en": "no anonymity barcode on any of its {n} pages: is this an exam scan?",
    },
    "unassigned.no_readable_barcode": {
        "fr": "aucune de ses {n} pages n'a de code-barres d'anonymat lisible, alors que {k} ressemblent à des "
        "copies : vérifiez les étiquettes, puis rattachez les pages avec "
        "`anonymat fix SORTIE NUMERO --add FICHIER:PAGE`",
        "en": "none of its {n} pages has a readable anonymity barcode, though {k} look like answer sheets: "
        "check the stickers, then attach the pages with `anonymat fix OUTDIR NUMBER --add FILE:PAGE`",
    },
    "unassigned.cut_short": {
        "fr": "le fichier n'est plus lisible après la page {n} (tronqué ?) : exportez-le ou scannez-le à nouveau",
        "en": "the file stops being readable after page {n} (cut short?): export or scan it again",
    },
    "unassigned.barcode_unreadable": {"fr": "code-barres illisible", "en": "barcode unreadable"},
    # the review page (report.html)
    "report.title": {"fr": "anonymat : rapport de vérification", "en": "anonymat review report"},
    "report.run": {
        "fr": "Lancé le {date} · anonymat {version} · {jobs} tâche(s) en parallèle",
        "en": "Run on {date} · anonymat {version} · {jobs} parallel job(s)",
    },
    "report.inputs": {"fr": "Entrées", "en": "Inputs"},
    "report.settings": {"fr": "Réglages", "en": "Settings"},
    "report.incomplete": {
        "fr": "Traitement interrompu : ce rapport est incomplet. Relancez la même commande pour finir.",
        "en": "The run was interrupted: this report is incomplete. Run the same command again to finish.",
    },
    "report.n_copies": {"fr": "copies", "en": "copies"},
    "report.n_ok": {"fr": "bonnes", "en": "ok"},
    "report.n_review": {"fr": "à vérifier", "en": "to check"},
    "report.n_unassigned": {"fr": "pages non rattachées", "en": "unassigned pages"},
    "report.n_errors": {"fr": "fichiers refusés", "en": "rejected files"},
    "report.pages_out": {"fr": "pages écrites", "en": "pages out"},
    "report.pages_in": {"fr": "sur {n} scannées", "en": "of {n} scanned"},
    "report.filter": {"fr": "seulement les copies à vérifier", "en": "copies to check only"},
    "report.shown": {"fr": "{n} copies affichées sur {total}", "en": "{n} of {total} copies shown"},
    "report.print": {"fr": "Imprimer le résumé", "en": "Print the summary"},
    "report.to_check": {"fr": "À vérifier :", "en": "To check:"},
    "report.how": {
        "fr": "Pour chaque copie à vérifier : lisez la raison, regardez les images, puis copiez la commande "
        "proposée (ou marquez la copie vérifiée). Cliquez sur une page pour l'ouvrir en grand. "
        "Cadres roses : les zones masquées.",
        "en": "For each copy to check: read the reason, look at the pictures, then copy the command shown "
        "(or mark the copy checked). Click a page to open it full size. Pink frames: the masked zones.",
    },
    "report.status.ok": {"fr": "bonne", "en": "ok"},
    "report.status.needs_review": {"fr": "à vérifier", "en": "to check"},
    "report.pages": {"fr": "{n} page(s)", "en": "{n} page(s)"},
    "report.order": {
        "fr": "ordre : {method} (confiance {confidence})",
        "en": "order: {method} (confidence {confidence})",
    },
    "report.dropped_n": {"fr": "{n} page(s) blanche(s) retirée(s)", "en": "{n} blank page(s) dropped"},
    "report.manual": {"fr": "corrigée à la main : {what}", "en": "fixed by hand: {what}"},
    "report.joins": {
        "fr": "Raccords entre les pages (fin d'une page, à gauche ; début de la suivante, à droite). "
        "Si un raccord ne se lit pas, cherchez parmi ces images la page qui continue la phrase :",
        "en": "Page joins (end of one page, left; start of the next, right). "
        "If a join does not read on, find among these pictures the page that continues the sentence:",
    },
    "report.joins_doubtful": {
        "fr": "Raccords douteux : {k} sur {n}, à vérifier d'abord (les autres sont probables).",
        "en": "Doubtful joins: {k} of {n}, to check first (the others are likely).",
    },
    "report.join": {
        "fr": "fin de la page {a} → début de la page {b}",
        "en": "end of page {a} → start of page {b}",
    },
    "report.numbers": {
        "fr": "Numéro d'anonymat de chaque page : vérifiez que c'est le même partout.",
        "en": "Anonymity number on each page: check it is the same on all of them.",
    },
    "report.copy_start": {
        "fr": "début de la page 1 (le début de la copie ?)",
        "en": "start of page 1 (the start of the copy?)",
    },
    "report.copy_end": {
        "fr": "fin de la page {n} (la fin de la copie ?)",
        "en": "end of page {n} (the end of the copy?)",
    },
    "report.join_score": {"fr": "score du raccord {score}", "en": "join score {score}"},
    "report.join_probability": {"fr": "raccord probable à {p} %", "en": "join probability {p}%"},
    "report.join_weak": {"fr": "raccord douteux", "en": "doubtful join"},
    "report.fix_order": {
        "fr": "Si l'ordre est faux, donnez le bon ordre des pages (numéros ci-dessous) :",
        "en": "If the order is wrong, give the right order of the pages (numbers below):",
    },
    "report.fix_resolved": {
        "fr": "Si tout est bon, marquez la copie vérifiée :",
        "en": "If all is well, mark the copy checked:",
    },
    "report.copy_cmd": {"fr": "Copier", "en": "Copy"},
    "report.copied": {"fr": "Copié", "en": "Copied"},
    "report.dropped": {
        "fr": "Pages blanches retirées de cette copie",
        "en": "Blank pages dropped from this copy",
    },
    "report.page": {"fr": "page {n}", "en": "page {n}"},
    "report.page_missing": {"fr": "image indisponible", "en": "page image unavailable"},
    "report.rotated": {"fr": "tournée de {deg}°", "en": "rotated {deg}°"},
    "report.blank": {"fr": "blanche", "en": "blank"},
    "report.flap": {"fr": "rabat {state}", "en": "flap {state}"},
    "report.rejected": {"fr": "Fichiers refusés", "en": "Rejected files"},
    "report.unassigned": {"fr": "Pages non rattachées à une copie", "en": "Pages not assigned to a copy"},
    "report.unassigned_fix": {
        "fr": "Rescannez la page ou ajoutez-la à sa copie à la main.",
        "en": "Scan the page again or add it to its copy by hand.",
    },
    "report.source_page": {"fr": "{file} page {n}", "en": "{file} page {n}"},
    "report.summary": {"fr": "Résumé du lot", "en": "Batch summary"},
    "report.summary_checks": {"fr": "Copies à vérifier", "en": "Copies to check"},
    "report.none": {"fr": "aucune", "en": "none"},
    "report.col_copy": {"fr": "Copie", "en": "Copy"},
    "report.col_reason": {"fr": "Raison", "en": "Reason"},
    "report.col_done": {"fr": "Vu", "en": "Done"},
    "report.sign": {
        "fr": "Vérifié par : ____________________   le : ____ / ____ / ______   Signature :",
        "en": "Checked by: ____________________   on: ____ / ____ / ______   Signature:",
    },
    "report.all_copies": {"fr": "Toutes les copies", "en": "All copies"},
    "report.flap.folded": {"fr": "plié", "en": "folded"},
    "report.flap.unknown": {"fr": "incertain", "en": "unclear"},
    "report.method.continuity": {"fr": "d'après le texte", "en": "from the text"},
    "report.method.scan": {"fr": "ordre du scan", "en": "scan order"},
    "report.method.single": {"fr": "une seule page", "en": "single page"},
    "report.method.manual": {"fr": "à la main", "en": "by hand"},
}
