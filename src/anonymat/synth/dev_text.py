"""Development twin of the held-out memo texts: four documents of the same kinds, for tuning reading order.

heldout_text.py holds documents that no tuning may look at. These four are written apart from them and from
the text bank (bank.json), with the same kinds of variety, so that reading-order code may be developed and
calibrated on them (`make_corpus(..., texts="dev-apart")`, bench/evaluate_devtext.py):

- other structures: a service note with "A." / "B." / "C." headings, an answer to a complaint with no
  outline ("Madame, Monsieur," and an optional closing formula), a dissertation with an introduction and
  "I." / "II." headings, the report of a site visit with "1)" ... "4)" points;
- paragraphs of one to six sentences, some opening on a connector ("D'abord", "Ensuite", "Cependant"...),
  some not; other topics (library opening hours, waste collection, teleworking in a prefecture, the repair
  of a bridge).

They are laid out by heldout_text.layout_held_out (documents=DOCUMENTS): breaks at paragraph ends, words
cut with a hyphen at line ends, copies stopping where their pages are filled.
"""

from __future__ import annotations

from anonymat.synth.heldout_text import Document

NOTE: Document = [
    ("line", "Note de service n° 14 du 3 mars"),
    ("line", "Objet : nouveaux horaires d'ouverture de la médiathèque municipale"),
    ("blank", ""),
    (
        "para",
        "À compter du premier avril, la médiathèque municipale adoptera de nouveaux horaires d'ouverture au "
        "public. Cette note en précise les raisons, le détail et les conséquences pour l'organisation du "
        "service.",
    ),
    ("title", "A. Les raisons du changement"),
    (
        "para",
        "D'abord, l'enquête menée l'automne dernier auprès de huit cents usagers a montré une forte demande "
        "d'ouverture le soir et le dimanche matin. Les créneaux du mardi après-midi, en revanche, restent très "
        "peu fréquentés. Ensuite, le départ à la retraite de deux agents oblige à revoir la répartition des "
        "présences. Il paraît donc raisonnable de déplacer une partie des heures d'accueil vers les moments où "
        "le public vient réellement.",
    ),
    (
        "para",
        "Par ailleurs, la commune souhaite rapprocher les horaires de la médiathèque de ceux des écoles et du "
        "conservatoire.",
    ),
    ("title", "B. Les horaires retenus"),
    (
        "para",
        "La médiathèque sera ouverte le mardi de quatorze heures à dix-neuf heures, le mercredi et le samedi "
        "de dix heures à dix-huit heures sans interruption. Le jeudi et le vendredi, l'ouverture aura lieu de "
        "seize heures à vingt heures. Le dimanche, une permanence sera assurée de dix heures à treize heures, "
        "d'octobre à mai. Le lundi reste consacré au travail interne, au catalogage et à l'accueil des classes "
        "sur rendez-vous.",
    ),
    (
        "para",
        "La salle numérique suivra les mêmes horaires que les espaces de lecture. Les postes informatiques "
        "pourront être réservés en ligne ou sur place, pour une durée d'une heure renouvelable si personne "
        "n'attend. L'aide aux démarches administratives, très demandée par les personnes âgées, sera proposée "
        "le jeudi soir et le samedi matin par un agent formé.",
    ),
    (
        "para",
        "Au total, l'amplitude hebdomadaire passe de trente et une à trente-six heures, sans recrutement "
        "supplémentaire.",
    ),
    (
        "para",
        "Cependant, les horaires d'été demeurent inchangés. Du quinze juillet au quinze août, l'établissement "
        "n'ouvrira que le mercredi, le vendredi et le samedi.",
    ),
    ("title", "C. L'organisation du personnel"),
    (
        "para",
        "Chaque agent recevra avant le quinze mars un planning individuel établi pour le trimestre. Les "
        "permanences du dimanche seront assurées à tour de rôle, à raison d'une matinée par mois et par agent "
        "au maximum. Elles ouvriront droit à une récupération majorée, conformément au règlement intérieur. "
        "Les agents qui souhaitent échanger un créneau devront en informer la responsable au moins une semaine "
        "à l'avance.",
    ),
    (
        "para",
        "En outre, une formation courte à l'accueil des publics en soirée sera proposée à tous. Elle portera "
        "notamment sur la sécurité des locaux et la fermeture du bâtiment.",
    ),
    (
        "para",
        "Enfin, un premier bilan de fréquentation sera présenté au comité technique à la fin du mois de juin. "
        "Les horaires pourront alors être ajustés si certains créneaux se révèlent inutiles ou, au contraire, "
        "saturés. Je remercie chacun pour sa disponibilité et pour les propositions déjà formulées lors des "
        "réunions d'équipe.",
    ),
    ("close", "La directrice des affaires culturelles."),
]

REPLY: Document = [
    ("line", "Service de gestion des déchets"),
    ("line", "Objet : réponse à votre réclamation du 12 janvier"),
    ("blank", ""),
    ("line", "Madame, Monsieur,"),
    (
        "para",
        "Nous avons bien reçu votre courrier relatif à la collecte des emballages dans votre rue, et nous vous "
        "remercions d'avoir pris le temps de nous écrire. Vous signalez que les bacs jaunes n'ont pas été "
        "vidés à trois reprises en décembre. Vous indiquez également que certains sacs ont été laissés sur le "
        "trottoir plusieurs jours. Nous comprenons votre mécontentement et vous prions d'accepter nos excuses "
        "pour ces désagréments.",
    ),
    (
        "para",
        "Après vérification auprès de notre prestataire, il apparaît que deux tournées ont effectivement été "
        "annulées pendant les fêtes.",
    ),
    (
        "para",
        "La première annulation est due à une panne du camion de collecte, qui n'a pas pu être remplacé le "
        "jour même. La seconde résulte du verglas, qui rendait dangereuse la circulation des véhicules lourds "
        "dans les rues en pente de votre quartier. Les riverains auraient dû en être informés par un affichage "
        "en mairie et par un message sur le site de la communauté de communes. Nous reconnaissons que cette "
        "information n'a pas été assez visible. Un rattrapage était prévu le samedi suivant, mais il n'a "
        "concerné qu'une partie du secteur.",
    ),
    (
        "para",
        "Quant à la troisième tournée que vous mentionnez, le prestataire affirme que vos bacs contenaient des "
        "déchets non recyclables. Dans ce cas, les agents apposent normalement un autocollant rouge expliquant "
        "le refus.",
    ),
    (
        "para",
        "Nous vous rappelons que seuls les emballages en plastique, en métal, en carton et les papiers doivent "
        "être déposés dans le bac jaune. Le verre se dépose dans les colonnes prévues à cet effet, dont la plus "
        "proche se trouve sur le parking de la salle des fêtes. Les déchets alimentaires peuvent être "
        "compostés ; un composteur vous sera remis gratuitement si vous en faites la demande. Les encombrants, "
        "enfin, sont collectés sur rendez-vous une fois par mois.",
    ),
    (
        "para",
        "Vous demandez aussi une réduction de la redevance pour les semaines sans collecte. Le règlement du "
        "service ne prévoit malheureusement aucun remboursement dans ce cas, car le montant est calculé sur "
        "l'année entière et non par passage.",
    ),
    (
        "para",
        "Par ailleurs, votre remarque sur la fréquence des collectes a retenu toute notre attention. Le conseil "
        "communautaire examinera au printemps un nouveau calendrier qui prévoit un passage chaque semaine dans "
        "les rues les plus denses. Votre quartier devrait en faire partie. Nous vous tiendrons informé de la "
        "décision prise.",
    ),
    (
        "para",
        "Enfin, afin d'éviter de nouveaux oublis, nous vous invitons à signaler tout bac non collecté sur la "
        "plateforme en ligne ou par téléphone, dans les quarante-huit heures. Un agent se déplacera alors dans "
        "la semaine.",
    ),
    (
        "para",
        "Nous avons également transmis votre courrier au maire de votre commune, qui suit de près ces "
        "questions. Il pourra, s'il le juge utile, réunir les habitants du quartier avec les responsables de "
        "la collecte.",
    ),
    ("para", "Nous restons à votre disposition pour tout renseignement complémentaire."),
    ("close", "Veuillez agréer, Madame, Monsieur, l'expression de nos salutations distinguées."),
]

ESSAY: Document = [
    ("line", "Sujet : le télétravail peut-il améliorer le fonctionnement d'une préfecture ?"),
    ("blank", ""),
    (
        "para",
        "Longtemps réservé à quelques métiers, le télétravail s'est imposé dans les administrations depuis la "
        "crise sanitaire. Dans une préfecture, où l'accueil du public et la continuité de l'État occupent une "
        "place centrale, cette évolution suscite à la fois des espoirs et des inquiétudes. On peut donc se "
        "demander si le travail à distance améliore réellement le fonctionnement du service, ou s'il en "
        "fragilise les missions essentielles. Nous verrons d'abord les bénéfices qu'il apporte, puis les "
        "limites qui imposent de l'encadrer.",
    ),
    ("title", "I. Un outil de modernisation et de qualité de vie"),
    (
        "para",
        "D'abord, le télétravail permet aux agents de gagner un temps précieux. Beaucoup d'entre eux habitent "
        "loin du chef-lieu et passent plus d'une heure par jour dans les transports. Supprimer ces trajets deux "
        "jours par semaine réduit la fatigue, les dépenses et les émissions de gaz à effet de serre. Les "
        "enquêtes internes montrent d'ailleurs une nette baisse des absences pour maladie dans les services "
        "concernés.",
    ),
    (
        "para",
        "Ensuite, le travail à distance favorise la concentration. L'instruction d'un dossier de "
        "naturalisation ou la rédaction d'un arrêté demandent du calme, que les bureaux partagés offrent "
        "rarement.",
    ),
    (
        "para",
        "En outre, la préfecture devient plus attractive. Les jeunes diplômés comparent désormais les "
        "conditions de travail avant de choisir un poste, et une administration qui refuse toute souplesse "
        "peine à recruter. La numérisation des procédures, qu'il s'agisse des titres de séjour ou des cartes "
        "grises, rend possible le traitement des demandes hors des locaux. Le télétravail accompagne ainsi un "
        "mouvement plus large de dématérialisation.",
    ),
    ("title", "II. Des limites qui appellent un encadrement"),
    (
        "para",
        "Cependant, toutes les missions ne se prêtent pas au travail à distance. L'accueil des usagers, la "
        "gestion des crises ou la délivrance de certains documents sécurisés exigent une présence physique. Il "
        "en résulte une inégalité entre les agents, que certains vivent comme une injustice. Les agents "
        "d'accueil, souvent les moins bien rémunérés, sont justement ceux qui ne peuvent pas en bénéficier.",
    ),
    (
        "para",
        "Par ailleurs, l'éloignement peut affaiblir le collectif de travail. Les échanges informels, qui "
        "permettent de résoudre rapidement une difficulté, se raréfient. Les nouveaux arrivants, privés de ces "
        "conversations de couloir, apprennent moins vite leur métier. Les chefs de service, de leur côté, "
        "doivent apprendre à encadrer par objectifs plutôt que par la présence. Ce changement de culture ne va "
        "pas de soi. Il demande du temps, de la formation et une confiance réciproque.",
    ),
    ("para", "La question de la sécurité informatique mérite enfin d'être posée."),
    (
        "para",
        "Une préfecture traite des données sensibles, relatives à l'ordre public ou à la situation personnelle "
        "des étrangers. Le travail à domicile suppose des équipements sûrs, des connexions chiffrées et une "
        "vigilance constante des agents.",
    ),
    (
        "para",
        "En conclusion, le télétravail peut améliorer le fonctionnement d'une préfecture, à condition de ne "
        "pas le considérer comme une fin en soi. Bien organisé, il rend les agents plus disponibles et le "
        "service plus attractif. Mal encadré, il isole les équipes et creuse les écarts entre les métiers. "
        "Tout dépend donc de la manière dont il est négocié et accompagné.",
    ),
]

VISIT: Document = [
    ("line", "Compte rendu de la visite du chantier du pont de la Sarre"),
    ("line", "Visite du 18 octobre, en présence du maître d'ouvrage et des entreprises"),
    ("blank", ""),
    (
        "para",
        "La visite avait pour objet de constater l'avancement des travaux de réparation du pont et d'arrêter "
        "le calendrier des prochaines semaines. Elle a commencé à neuf heures sur la rive gauche et s'est "
        "achevée vers midi dans le bureau de chantier.",
    ),
    ("title", "1) État d'avancement des travaux"),
    (
        "para",
        "Le remplacement des appareils d'appui est terminé sur la première pile. Les vérins ont été retirés et "
        "le tablier repose désormais sur ses nouveaux appuis. Sur la seconde pile, les travaux ont pris "
        "environ dix jours de retard en raison de la crue de septembre, qui a empêché l'accès à "
        "l'échafaudage. L'entreprise estime pouvoir rattraper une partie de ce retard en travaillant le "
        "samedi.",
    ),
    ("para", "La reprise des bétons dégradés sous le tablier est réalisée aux deux tiers."),
    (
        "para",
        "Les garde-corps définitifs ont été livrés et stockés sur la rive gauche. Leur pose ne pourra commencer "
        "qu'après la mise en peinture des poutres métalliques. Le peintre a indiqué que l'humidité de "
        "l'automne risquait de ralentir le séchage. Il propose de chauffer les zones traitées sous des bâches, "
        "ce que le maître d'ouvrage accepte à titre d'essai.",
    ),
    ("title", "2) Qualité et sécurité"),
    (
        "para",
        "Le contrôleur technique a relevé plusieurs épaufrures mal purgées avant la projection du mortier. Il "
        "demande qu'elles soient reprises avant la fin du mois. Les résultats des essais sur les éprouvettes "
        "de béton sont conformes aux exigences du marché.",
    ),
    (
        "para",
        "En matière de sécurité, les garde-corps provisoires sont en bon état, mais l'éclairage de la "
        "passerelle piétonne reste insuffisant le soir. Ensuite, le coordonnateur a rappelé l'obligation du "
        "port du harnais au-dessus de l'eau. Un ouvrier a été vu sans protection la semaine précédente. "
        "L'entreprise s'est engagée à renforcer les contrôles et à organiser un nouveau quart d'heure de "
        "sécurité dès lundi.",
    ),
    ("title", "3) Circulation et riverains"),
    (
        "para",
        "La circulation alternée fonctionne correctement en journée, malgré des files d'attente aux heures de "
        "pointe. Les commerçants de la rive droite se plaignent toutefois d'une baisse de fréquentation. La "
        "mairie propose d'installer des panneaux indiquant que les magasins restent accessibles. Par ailleurs, "
        "la fermeture complète du pont, prévue pour la pose de l'enrobé, sera programmée pendant les vacances "
        "scolaires afin de limiter la gêne. Les transports scolaires emprunteront alors la déviation par le "
        "pont de Rémilly. Un courrier sera distribué dans toutes les boîtes aux lettres du quartier deux "
        "semaines avant.",
    ),
    ("title", "4) Calendrier et prochaines étapes"),
    (
        "para",
        "D'abord, la réparation de la seconde pile devra être achevée pour le quinze novembre. Ensuite "
        "viendront l'étanchéité du tablier et la pose des nouveaux joints de chaussée. La réception des "
        "travaux reste fixée à la fin du mois de février, sous réserve des conditions météorologiques.",
    ),
    (
        "para",
        "Enfin, le maître d'ouvrage demande que chaque entreprise transmette un planning détaillé avant la "
        "prochaine réunion.",
    ),
    ("para", "La prochaine visite aura lieu le huit novembre à neuf heures, sur la rive droite."),
    ("close", "Compte rendu établi par le conducteur d'opération et diffusé à tous les participants."),
]

DOCUMENTS: dict[str, Document] = {"note": NOTE, "reply": REPLY, "essay": ESSAY, "visit": VISIT}
