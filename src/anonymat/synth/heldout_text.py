"""Held-out memo texts: written apart from the text bank (bank.json), for measuring reading order only.

The development corpus never uses them (`make_corpus(..., held_out_texts=True)` does), and no tuning may
look at what ordering does on them (tune on their development twin, dev_text.py, instead). They differ from the bank's memos on purpose:

- other structures: a report with numbered sections ("1.", "2.", "3."), a letter with no outline at all and
  an optional closing formula, an essay with "Première partie" / "Seconde partie" headings, the minutes of
  a meeting with "Point n :" items;
- other headings (or none), other lengths (a copy stops where its page count is filled, so most copies
  have no conclusion);
- breaks at paragraph ends (pages left part empty after a paragraph, more often than the bank's copies) and
  mid-word hyphenations at line ends (a long word that does not fit is cut, "adminis-" / "tration").

The sentences are plain text (no slots): a copy takes a document's blocks in order, sentence by sentence.
"""

from __future__ import annotations

import re

import numpy as np

from anonymat.synth.hand import Hand
from anonymat.synth.text import LINES_PER_PAGE, Line, paginate

# (kind, text): kind is "line" (a heading line, kept whole), "title" (an outline heading), "para" (a
# paragraph: its sentences are taken one by one), "blank", "close" (a closing paragraph, used or not)
Document = list[tuple[str, str]]

REPORT: Document = [
    ("line", "Rapport au conseil d'administration"),
    ("line", "Objet : la restauration scolaire dans les écoles de la commune"),
    ("blank", ""),
    (
        "para",
        "Le présent rapport fait le point sur la restauration scolaire après deux années de gestion "
        "directe. Il a été préparé à la demande du bureau, à partir des chiffres transmis par les écoles et "
        "des observations recueillies auprès des familles. Il ne prétend pas régler toutes les questions "
        "posées, mais il propose une méthode pour avancer.",
    ),
    ("title", "1. Ce que l'on observe aujourd'hui"),
    (
        "para",
        "Près de neuf cents repas sont servis chaque jour dans les onze restaurants scolaires. La "
        "fréquentation a augmenté d'un tiers depuis que le tarif est calculé selon le quotient familial. "
        "Les cuisines satellites reçoivent les plats préparés la veille par la cuisine centrale, qui "
        "fonctionne à la limite de ses capacités. Les agents signalent des retards de livraison plusieurs "
        "fois par mois, surtout en hiver.",
    ),
    (
        "para",
        "Le gaspillage reste important : un repas sur cinq revient presque intact en cuisine. Les "
        "enfants des petites sections mangent lentement et disposent de trop peu de temps à table. Les "
        "menus végétariens, proposés une fois par semaine, sont pourtant mieux acceptés qu'on ne le "
        "craignait au départ.",
    ),
    ("title", "2. Les difficultés rencontrées"),
    (
        "para",
        "La première difficulté tient au recrutement. Les postes d'agents de restauration sont "
        "difficiles à pourvoir, parce que les horaires sont coupés et les contrats souvent incomplets. Trois "
        "remplacements sur quatre sont assurés par des agents venus d'autres services, qui connaissent mal "
        "les règles d'hygiène propres à la cuisine collective.",
    ),
    (
        "para",
        "La deuxième difficulté est financière. Le prix des denrées a progressé plus vite que les "
        "tarifs, et l'objectif de produits issus de l'agriculture biologique oblige à revoir les marchés "
        "passés avec les fournisseurs. Les producteurs locaux répondent peu aux appels d'offres, faute de "
        "volumes suffisants ou de moyens administratifs.",
    ),
    (
        "para",
        "Enfin, les locaux vieillissent. Deux réfectoires sont bruyants au point que les enseignants "
        "évitent d'y surveiller les élèves, et la chambre froide d'une école maternelle tombe régulièrement "
        "en panne.",
    ),
    ("title", "3. Les pistes proposées"),
    (
        "para",
        "Il est proposé, en premier lieu, de titulariser une partie des agents contractuels et de leur "
        "offrir des temps complets en associant la restauration à l'entretien des bâtiments. Un plan de "
        "formation aux règles d'hygiène serait engagé dès la rentrée, avec l'appui du centre de gestion.",
    ),
    (
        "para",
        "En deuxième lieu, les marchés de denrées pourraient être découpés en lots plus petits, "
        "accessibles aux exploitations des environs. Une plateforme commune avec les communes voisines "
        "permettrait de regrouper les commandes sans imposer aux producteurs des démarches trop lourdes.",
    ),
    (
        "para",
        "En dernier lieu, un programme de travaux sur trois ans traiterait l'acoustique des "
        "réfectoires et le remplacement des équipements les plus anciens. Son coût reste à chiffrer avec "
        "précision, mais une première estimation le situe autour de quatre cent mille euros.",
    ),
]

LETTER: Document = [
    ("line", "Madame la Directrice générale des services,"),
    ("blank", ""),
    (
        "para",
        "Vous m'avez demandé de vous faire part de mon analyse sur le projet de regroupement des "
        "bibliothèques du réseau intercommunal. Je me permets de vous adresser les remarques qui suivent, "
        "après avoir rencontré les responsables des six équipements concernés et plusieurs associations "
        "d'usagers.",
    ),
    (
        "para",
        "Le projet répond d'abord à une contrainte budgétaire bien réelle. Les horaires d'ouverture ont "
        "été réduits à deux reprises, et certaines bibliothèques de quartier ne sont plus ouvertes que trois "
        "demi-journées par semaine. Les collections se renouvellent lentement, tandis que les demandes de "
        "prêt se concentrent sur la médiathèque centrale.",
    ),
    (
        "para",
        "Pour autant, fermer les petits sites aurait un coût que les chiffres ne montrent pas. Les "
        "personnes âgées et les familles sans voiture y trouvent un service de proximité qu'aucune navette ne "
        "remplacera vraiment. Les enseignants des écoles voisines y conduisent leurs classes à pied, ce qui "
        "ne serait plus possible si le prêt se faisait à l'autre bout de la ville.",
    ),
    (
        "para",
        "Il me semble donc préférable de distinguer les fonctions. La médiathèque centrale garderait "
        "les collections de référence, les animations les plus lourdes et l'essentiel des achats. Les sites "
        "de quartier deviendraient des points de retrait et d'accueil, ouverts à des horaires choisis avec "
        "les habitants, et animés par des agents polyvalents formés à l'accompagnement numérique.",
    ),
    (
        "para",
        "Cette organisation suppose un système de réservation commun et une circulation régulière des "
        "documents entre les sites. Le logiciel actuel le permet déjà, moyennant un paramétrage que le "
        "service informatique estime à quelques semaines de travail. Le transport pourrait être confié à la "
        "régie qui assure déjà le courrier interne.",
    ),
    (
        "para",
        "Je souligne enfin que les agents attendent d'être associés à la réflexion. Plusieurs d'entre "
        "eux ont exprimé leur inquiétude sur l'avenir de leur poste, et une réunion d'information organisée "
        "rapidement éviterait que des rumeurs ne se répandent. Les représentants du personnel devront être "
        "consultés avant toute décision.",
    ),
    (
        "close",
        "Je reste à votre disposition pour présenter ces propositions au bureau communautaire. Je vous "
        "prie d'agréer, Madame la Directrice générale, l'expression de ma considération distinguée.",
    ),
]

ESSAY: Document = [
    ("line", "Sujet : la commune peut-elle encore agir seule ?"),
    ("blank", ""),
    (
        "para",
        "Depuis une trentaine d'années, les lois successives ont confié aux intercommunalités une part "
        "croissante des compétences autrefois exercées par les communes. L'eau, les déchets, le "
        "développement économique et bientôt l'urbanisme se décident désormais à une autre échelle. On peut "
        "dès lors se demander si la commune garde une capacité d'action propre, ou si elle n'est plus qu'un "
        "guichet de proximité.",
    ),
    ("title", "Première partie : une commune dépossédée de ses leviers"),
    (
        "para",
        "Les transferts de compétences ont souvent été obligatoires. Le législateur a fixé des "
        "calendriers, des seuils de population et des listes de compétences qui laissaient peu de marge aux "
        "conseils municipaux. Dans bien des territoires, les maires ont vécu ces transferts comme une perte "
        "d'autorité, d'autant que les ressources fiscales ont suivi le même chemin.",
    ),
    (
        "para",
        "À cette évolution institutionnelle s'ajoute une contrainte financière. La suppression de la "
        "taxe d'habitation a réduit l'autonomie fiscale des communes, devenues dépendantes de compensations "
        "versées par l'État. Les petites communes, qui disposent rarement de services techniques étoffés, "
        "peinent à monter seules des projets d'investissement et à répondre aux appels à projets.",
    ),
    ("title", "Seconde partie : une commune qui reste le premier échelon de la démocratie locale"),
    (
        "para",
        "La commune conserve pourtant des missions que nul autre échelon ne peut assumer à sa place. "
        "L'état civil, les élections, la police du maire et l'action sociale de proximité reposent sur elle. "
        "Les habitants continuent de s'adresser d'abord à la mairie, y compris pour des questions qui ne "
        "relèvent plus d'elle, et le maire demeure l'élu auquel ils font le plus confiance.",
    ),
    (
        "para",
        "Surtout, l'intercommunalité n'a de sens que si les communes y pèsent. Les conférences des "
        "maires, les pactes de gouvernance et la mutualisation des services permettent aux conseils "
        "municipaux d'orienter les décisions communautaires. La commune agit alors moins seule que par "
        "l'intermédiaire d'un ensemble plus vaste, dont elle reste la pièce de base.",
    ),
    (
        "para",
        "Il faut enfin rappeler que la coopération entre communes est ancienne. Les syndicats "
        "d'électrification ou d'adduction d'eau ont précédé de plusieurs décennies les communautés de "
        "communes, et ils ont montré que la mise en commun des moyens n'efface pas l'identité des villages.",
    ),
    (
        "close",
        "En définitive, la commune n'agit plus seule, mais elle n'a sans doute jamais agi seule. Son "
        "avenir dépend de sa capacité à peser dans les instances où se prennent désormais les décisions.",
    ),
]

MINUTES: Document = [
    ("line", "Compte rendu de la réunion du comité de suivi"),
    ("line", "Présents : les représentants des services techniques, de la police municipale et des écoles"),
    ("blank", ""),
    ("title", "Point 1 : la sécurité aux abords des écoles"),
    (
        "para",
        "Les parents d'élèves ont de nouveau signalé des vitesses excessives rue des Tilleuls, aux "
        "heures d'entrée et de sortie. La police municipale a effectué quatre contrôles depuis la dernière "
        "réunion et relevé une dizaine d'infractions. Le comité retient l'installation d'un plateau "
        "surélevé avant l'été, sous réserve de l'accord du département, gestionnaire de la voie.",
    ),
    (
        "para",
        "Le dépose-minute situé devant l'école élémentaire reste encombré. Les agents observent que "
        "beaucoup de conducteurs y stationnent plusieurs minutes, moteur allumé. Une campagne "
        "d'information sera conduite avec les directeurs d'école, avant toute verbalisation.",
    ),
    ("title", "Point 2 : l'éclairage public"),
    (
        "para",
        "L'extinction nocturne entre une heure et cinq heures du matin est en place depuis six mois "
        "dans les quartiers résidentiels. Les économies d'énergie atteignent le quart de la consommation "
        "antérieure. Aucune hausse des cambriolages n'a été constatée, contrairement aux craintes exprimées "
        "lors de la réunion publique.",
    ),
    (
        "para",
        "Quelques habitants demandent toutefois le maintien de l'éclairage près de la gare, où des "
        "voyageurs rentrent tard. Les services techniques étudieront un allumage commandé par détecteur de "
        "présence, dont le coût paraît raisonnable.",
    ),
    ("title", "Point 3 : les travaux de voirie"),
    (
        "para",
        "La réfection de l'avenue de la République commencera à la mi-septembre et durera environ "
        "trois mois. Une déviation sera mise en place par les rues voisines, et les commerçants seront "
        "réunis pour organiser les livraisons. Le chantier du réseau d'assainissement, prévu au même "
        "endroit, sera conduit en même temps afin de ne pas rouvrir la chaussée l'année suivante.",
    ),
    (
        "para",
        "Le comité souhaite qu'un point d'étape soit présenté à chaque réunion, avec le calendrier "
        "mis à jour et les réclamations reçues par la mairie.",
    ),
    ("close", "La prochaine réunion aura lieu dans deux mois, à la même heure, dans la salle du conseil."),
]

DOCUMENTS: dict[str, Document] = {"report": REPORT, "letter": LETTER, "essay": ESSAY, "minutes": MINUTES}
HYPHEN_SHARE = 0.6  # share of long words that are cut at a line end instead of going to the next line
PAGE_HYPHEN = 0.5  # share of mid-sentence page ends on a word cut with a hyphen (when it can be cut)
FORCED_BREAK = 0.12  # share of paragraph ends (8+ lines down a page) after which the writer turns the page


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]


def blocks_for(document: Document, used: int, close: bool) -> list[tuple[str, list[tuple[str, int]]]]:
    """The document's blocks with only its first `used` sentences of running text, the closing paragraph
    (when `close`) after them; tokens carry a stable jitter index as in text.Memo.blocks."""
    out: list[tuple[str, list[tuple[str, int]]]] = []
    left = used
    for b, (kind, text) in enumerate(document):
        base = 1000 * (b + 1)
        if kind == "close":
            if close and left > 0:
                out.append(("para", [(w, base + j) for j, w in enumerate(text.split())]))
            continue
        if kind == "para":
            if left <= 0:
                break
            taken = sentences(text)[:left]
            left -= len(taken)
            out.append(("para", [(w, base + j) for j, w in enumerate(" ".join(taken).split())]))
        elif left > 0:  # a heading is written only when text follows it
            out.append((kind, [(w, base + j) for j, w in enumerate(text.split())]))
    while out and out[-1][0] in ("title", "blank"):
        out.pop()
    return out


def total_sentences(document: Document) -> int:
    return sum(len(sentences(text)) for kind, text in document if kind == "para")


def hyphen_splits(word: str) -> list[tuple[str, str]]:
    """Where a French writer may cut `word` at a line end, shortest first part first: between two
    consonants, or after a vowel before a consonant and a vowel, leaving at least 3 letters on each side
    (no cut in a word with an apostrophe or a hyphen)."""
    core = word.rstrip(".,;:!?»)")
    if len(core) < 7 or not core.isalpha():
        return []
    vowels = set("aeiouyàâäéèêëîïôöùûüœ")
    cuts = []
    for i in range(3, len(core) - 2):
        a, b = core[i - 1].lower(), core[i].lower()
        if (a not in vowels and b not in vowels and a != b and b not in "hlr") or (
            a in vowels and b not in vowels and core[i + 1].lower() in vowels
        ):
            cuts.append(i)
    return [(word[:i] + "-", word[i:]) for i in cuts]


def hyphen_split(word: str) -> tuple[str, str] | None:
    """The middle one of `hyphen_splits`, or None."""
    splits = hyphen_splits(word)
    return splits[len(splits) // 2] if splits else None


def wrap_hyphenated(
    blocks: list[tuple[str, list[tuple[str, int]]]],
    hand: Hand,
    width_mm: float,
    indent_mm: float,
    cut: np.ndarray,
    must_cut: frozenset[int] = frozenset(),
) -> list[Line]:
    """text.wrap, except that a long word that does not fit is cut with a hyphen (cut[k] < HYPHEN_SHARE,
    or always at the end of the lines numbered in must_cut) when its first part fits."""
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
        queue = list(tokens)
        while queue:
            word, k = queue.pop(0)
            w = hand.word_width(word, k)
            gap = hand.gap_width(k) if current else 0.0
            if current and x + gap + w > limit:
                wanted = cut[k % len(cut)] < HYPHEN_SHARE or len(lines) in must_cut
                fitting = [
                    part
                    for part in (hyphen_splits(word) if kind == "para" and wanted else [])
                    if x + gap + hand.word_width(part[0], k) <= limit
                ]
                split = fitting[-1] if fitting else None  # the longest first part that fits
                if split:
                    current.append((split[0], k))
                    queue.insert(0, (split[1], k))
                    lines.append(Line(current, indent if first else 0.0, block=b, kind=kind))
                    current, x, first = [], 0.0, False
                    continue
                lines.append(Line(current, indent if first else 0.0, block=b, kind=kind))
                current, x, gap, first = [], 0.0, 0.0, False
            current.append((word, k))
            x += gap + w
        lines.append(Line(current, indent if first else 0.0, block_end=True, block=b, kind=kind))
    return lines


def layout_held_out(
    hand: Hand,
    n_pages: int,
    rng: np.random.Generator,
    lines_per_page: int = LINES_PER_PAGE,
    width_mm: float = 195.0 - 32.0 - 2.0,
    documents: dict[str, Document] | None = None,
) -> list[list[Line]]:
    """Pick one of `documents` (the held-out DOCUMENTS when None; dev_text.DOCUMENTS for the development
    twin), followed by the others in turn when it is too short, and grow it sentence by sentence until it
    fills n_pages (the last one at least partly); it stops where the pages are full, so the copy often has
    no conclusion."""
    documents = DOCUMENTS if documents is None else documents
    names = sorted(documents)
    first = int(rng.integers(len(names)))
    # one document, then the next ones when it cannot fill the pages (a copy answering several questions)
    document = [block for k in range(len(names)) for block in documents[names[(first + k) % len(names)]]]
    close = bool(rng.random() < 0.5)
    indent = float(rng.choice([0.0, 6.0, 12.0]))
    breaks = rng.random(256)
    cut = rng.random(4096)
    target_fill = int(rng.integers(4, lines_per_page + 1))
    force = FORCED_BREAK

    def lines_for(used: int, must: frozenset[int] = frozenset()) -> list[Line]:
        return wrap_hyphenated(blocks_for(document, used, close), hand, width_mm, indent, cut, must)

    def pages_for(used: int, must: frozenset[int] = frozenset()) -> list[list[Line]]:
        return paginate(lines_for(used, must), breaks, force, lines_per_page)

    if len(pages_for(total_sentences(document) + 1)) < n_pages:
        force = 0.0  # too little text for the pages with early page turns: fill every page
    best, best_used = pages_for(1), 1
    for used in range(2, total_sentences(document) + 2):
        if len(best) > n_pages or (len(best) == n_pages and len(best[-1]) >= target_fill):
            break
        pages = pages_for(used)
        if len(pages) > n_pages:
            break
        best, best_used = pages, used
    # a page that ends mid-sentence ends, one time in PAGE_HYPHEN, on a word cut with a hyphen ("adminis-"
    # at the foot of the page, "tration" at the top of the next) when the word there can be cut
    turn = rng.random(len(best))
    must: frozenset[int] = frozenset()
    for b in range(len(best) - 1):
        lines = lines_for(best_used, must)
        pages = paginate(lines, breaks, force, lines_per_page)
        if b >= len(pages) - 1 or pages[b][-1].block_end or turn[b] >= PAGE_HYPHEN:
            continue
        index = next(i for i, line in enumerate(lines) if line is pages[b][-1])
        trial = must | {index}
        changed = pages_for(best_used, trial)
        end = changed[b][-1].words if len(changed) == len(pages) else []
        if end and end[-1][0].endswith("-"):
            must = trial
    return pages_for(best_used, must) if must else best
