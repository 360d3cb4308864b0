"""Simulated survey exports with known planted effects, written exactly as LimeSurvey or Forms would.

Data-generating process (all parameters in `Truth`, written beside every export):

1. Units are drawn from the official register (or, without it, from a synthetic frame built from
   the committed Land x size-class margins) with probability proportional to
   population ** `selection_exponent`: larger towns answer more often, as in real self-selected
   surveys.
2. Each unit gets a Kommunentyp (Bedächtige, Optimierer, Serviceorientierte, Community Manager)
   that sets the mean profile of its priority goals (section F), plus a personal response style
   (a shift of all F answers) that within-respondent standardisation removes.
3. IT staff per 10,000 inhabitants and budget per inhabitant are log-normal. Latent digital
   maturity is
       M = beta_staff * z(log staff) + beta_budget * z(log budget) + beta_strategy * adopted
           + beta_cdo * cdo + beta_coop * institutionalised + beta_coop_small * inst. * small
           + beta_size * z(log population) + noise,   noise ~ N(0, maturity_noise_sd)
   beta_cdo and beta_coop_small are zero: those hypotheses are truly null.
4. Offering status (D01) is M minus the offering's difficulty plus noise, cut into four levels;
   the OZG share online (D03), Stellenwert (C01) and the overall effect on quality of life (G01)
   rise with M. Small municipalities (< 5,000 inhabitants) feel the IT staff shortage more.
5. Mess as in real exports: numbers typed as text, aborted responses, duplicate submissions,
   test responses, speeders, straight-liners, names as people write them, e-mail addresses and
   phone numbers in the contact field and in free text.
6. Good examples (G02) about one of the municipality's live offerings, in varied wording, some
   with a sentence on an organisational topic (strategy, CDO, cooperation...), a second offering
   or an offering not there yet; some about nothing in the dictionary.

Every row's planted role, expected cleaning outcome and example topics are written to
`<stem>.truth.csv`.
"""

from __future__ import annotations

import csv
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import __version__, codebook, config, files, names, register

#: The Kommunentypen of the codebook, each planted with the goal profile below.
TYPES = list(codebook.load().kommunentyp["types"])

#: Mean priority (1-5) of each goal by Kommunentyp; unlisted goals have mean 3.0.
TYPE_GOAL_PROFILES = {
    "Bedächtige": {"legal_duties": 4.6, "funding": 4.5, "efficiency": 2.9, "climate": 2.4},
    "Optimierer": {"efficiency": 4.7, "staff_relief": 4.5, "service_quality": 3.7, "community": 2.4},
    "Serviceorientierte": {"attractiveness": 4.6, "service_quality": 4.5, "legal_duties": 2.6},
    "Community Manager": {"public_services": 4.6, "community": 4.6, "transparency": 4.0, "efficiency": 2.5},
}

#: How hard each offering is to bring live (higher: rarer); status = M - difficulty + noise.
OFFER_DIFFICULTY = {
    "ozg_services": -0.6, "epayment": -0.3, "eid": 0.2, "service_portal": -0.5,
    "appointments": -0.5, "issue_reporter": 0.3, "chatbot": 1.3, "open_data": 1.0,
    "dashboard": 1.3, "e_file": -0.1, "participation": 0.6, "council_info": -1.3,
    "smart_city_apps": 1.4, "accessible": 0.8,
}  # fmt: skip

#: Mean obstacle rating (1-5) for a municipality of average maturity and size.
OBSTACLE_BASE = {
    "staff_shortage": 2.9, "budget": 3.7, "legacy_systems": 3.4, "law_data_protection": 3.1,
    "culture": 2.8, "provider_dependence": 3.2, "missing_standards": 3.4,
}  # fmt: skip

#: Good-example sentences (G02) about each offering, written as respondents write: full words,
#: abbreviations, inflections, and some without any of the usual terms. A sentence's topic is
#: its key; `_good_example` combines one about a live offering with optional further sentences.
OFFER_EXAMPLES = {
    "ozg_services": [
        "Über {n} Leistungen können inzwischen online beantragt werden, etwa Wohngeld und Anwohnerparkausweis.",
        "Wir haben {n} OZG-Leistungen umgesetzt, die meisten über EfA-Dienste des Landes.",
        "Bauanträge werden vollständig digital gestellt und bearbeitet.",
        "Die Hundesteuer kann man jetzt bequem vom Sofa aus anmelden.",
        "Unsere Onlinedienste für Meldebescheinigung und Führungszeugnis werden stark genutzt.",
        "Seit dem Start der Online-Anträge kommen deutlich weniger Menschen ins Rathaus.",
    ],
    "epayment": [
        "Gebühren werden seit letztem Jahr per ePayment bezahlt, die Kasse spart viel Handarbeit.",
        "Bürgerinnen und Bürger können Gebühren direkt online bezahlen, per Kreditkarte oder PayPal.",
        "Die Bezahlfunktion ist an alle Formulare angebunden, Rechnungen per Post entfallen.",
        "E-Payment über pmPayment: Parkgebühren und Verwarngelder laufen ohne Barzahlung.",
        "Seit Kartenzahlung und Zahlung per Handy möglich sind, ist das Bürgerbüro bargeldlos.",
    ],
    "eid": [
        "Mit eID und BundID können sich Bürgerinnen und Bürger sicher online ausweisen.",
        "Die Anmeldung über die BundID ist in alle Dienste eingebunden.",
        "Anträge lassen sich mit der Online-Ausweisfunktion des Personalausweises unterschreiben.",
        "Das Servicekonto mit Nutzerkonto Bund erspart doppelte Registrierungen.",
        "Der neue Personalausweis wird zur Identifizierung genutzt, so entfällt der Weg ins Amt.",
    ],
    "service_portal": [
        "Unser Serviceportal bündelt alle Leistungen an einer Stelle.",
        "Das neue Bürgerportal ist rund um die Uhr erreichbar.",
        "Im Bürgerserviceportal finden die Menschen alle Formulare und Zuständigkeiten.",
        "Wir haben ein digitales Rathaus eingerichtet, in dem alle Dienste gebündelt sind.",
        "Über das Portal des Landes bieten wir inzwischen fast alles an.",
    ],
    "appointments": [
        "Die Online-Terminvergabe im Bürgerbüro hat die Wartezeiten halbiert.",
        "Termine für Pass und Ausweis lassen sich online buchen.",
        "Mit der Terminbuchung per App gibt es kaum noch Schlangen im Einwohnermeldeamt.",
        "Seit es Onlinetermine gibt, sind die Warteschlangen verschwunden.",
    ],
    "issue_reporter": [
        "Mit dem Anliegenmelder melden Bürger Schlaglöcher und defekte Laternen direkt per App.",
        "Der Mängelmelder wird sehr gut angenommen, über {n} Meldungen im Jahr.",
        "Bürgerinnen und Bürger können Schäden im Straßenraum mit Foto und Standort melden.",
        "Über unsere Mängel-App erreichen uns viele Hinweise zu Müll und Straßenschäden.",
    ],
    "chatbot": [
        "Ein Chatbot beantwortet rund um die Uhr Fragen zu Abfall und Ummeldung.",
        "Unser KI-Assistent auf der Website beantwortet Fragen in mehreren Sprachen.",
        "Im Live-Chat helfen Mitarbeitende beim Ausfüllen von Formularen.",
        "Ein digitaler Assistent auf der Homepage entlastet die Telefonzentrale.",
    ],
    "open_data": [
        "Das Open-Data-Portal stellt Haushalts- und Verkehrsdaten frei zur Verfügung.",
        "Wir veröffentlichen offene Daten zu Kitas, Baustellen und Haushalt.",
        "Unsere Geodaten sind als Open Data frei nutzbar, Start-ups bauen darauf Apps.",
        "Über das Datenportal der Region teilen wir Umweltdaten mit der Öffentlichkeit.",
    ],
    "dashboard": [
        "Ein Dashboard zeigt der Verwaltungsspitze Bearbeitungszeiten in Echtzeit.",
        "Mit einem Kennzahlen-Cockpit steuern wir Personal und Finanzen.",
        "Das Verwaltungsdashboard macht Rückstände in den Ämtern sichtbar.",
        "Die Amtsleitung sieht auf einen Blick, wie viele Vorgänge offen sind.",
    ],
    "e_file": [
        "Die E-Akte ist in allen Ämtern eingeführt, Papierakten gibt es kaum noch.",
        "Mit der elektronischen Akte arbeiten alle Fachbereiche ortsunabhängig.",
        "Der digitale Posteingang und das DMS sparen täglich Wege und Papier.",
        "Wir arbeiten im Bauamt inzwischen papierlos.",
        "Die eAkte hat das mobile Arbeiten erst möglich gemacht.",
    ],
    "participation": [
        "Bei der Planung des Marktplatzes haben sich über {n} Menschen digital beteiligt.",
        "Unsere Beteiligungsplattform wird für jedes größere Bauprojekt genutzt.",
        "Der Bürgerhaushalt läuft online, mit über {n} Vorschlägen im letzten Jahr.",
        "Jugendliche reden über eine Online-Umfrage beim Spielplatzkonzept mit.",
    ],
    "council_info": [
        "Ratsunterlagen sind im Ratsinformationssystem für alle öffentlich einsehbar.",
        "Die Gremienarbeit läuft papierlos über das Ratsinfo-System und Tablets.",
        "Ratssitzungen werden live gestreamt und sind danach abrufbar.",
        "Alle Sitzungsunterlagen stehen im Bürgerinfoportal.",
    ],
    "smart_city_apps": [
        "Die Stadt-App zeigt freie Parkplätze und Veranstaltungen.",
        "Sensoren melden, wann Mülleimer geleert werden müssen (Smart City).",
        "Unsere Dorf-App verbindet Vereine, Nachbarschaftshilfe und Rathaus.",
        "Mit LoRaWAN-Sensoren messen wir Bodenfeuchte und bewässern Bäume gezielt.",
    ],
    "accessible": [
        "Unsere Formulare gibt es in leichter Sprache und in fünf Sprachen.",
        "Die Website ist barrierefrei und hat eine Vorlesefunktion.",
        "Unsere Website ist mehrsprachig, auch auf Ukrainisch und Arabisch.",
        "Videos in Gebärdensprache erklären die wichtigsten Leistungen.",
    ],
}
#: Sentences about what made an example work (organisational topics), added to some examples.
TOPIC_EXAMPLES = {
    "strategy": [
        "Grundlage ist unsere Digitalisierungsstrategie, die der Rat {year} beschlossen hat.",
        "Das Projekt ist Teil unserer Digitalstrategie.",
        "Ein Leitbild zur digitalen Verwaltung gibt die Richtung vor.",
    ],
    "cdo": [
        "Koordiniert wird alles von unserer CDO.",
        "Die Stabsstelle Digitalisierung hat das Projekt gesteuert.",
        "Entscheidend war die Digitalisierungsbeauftragte, die alle Ämter an einen Tisch geholt hat.",
    ],
    "cooperation": [
        "Umgesetzt haben wir das gemeinsam mit drei Nachbarkommunen.",
        "Wir nutzen die Lösung interkommunal über den Zweckverband.",
        "Die Zusammenarbeit im Landkreis hat die Kosten geteilt.",
        "Entstanden ist es in Kooperation mit dem kommunalen IT-Dienstleister.",
    ],
    "training": [
        "Vorher wurden alle Beschäftigten geschult.",
        "Digitallotsen in jedem Amt helfen den Kolleginnen und Kollegen.",
        "Eine Fortbildungsreihe hat die Akzeptanz im Haus deutlich erhöht.",
    ],
    "process": [
        "Dafür haben wir die Abläufe von Ende zu Ende neu gedacht.",
        "Medienbrüche sind weg: die Daten laufen automatisch ins Fachverfahren.",
        "Wiederkehrende Schritte erledigt jetzt eine automatisierte Schnittstelle.",
    ],
    "funding": [
        "Finanziert wurde es über ein Förderprogramm des Landes.",
        "Das Modellprojekt wurde vom Bund gefördert.",
        "Ohne Fördermittel wäre das nicht gegangen.",
    ],
}
#: Answers that name no offering or topic of the dictionary.
OTHER_EXAMPLES = [
    "Bei uns läuft vieles gut, ein einzelnes Beispiel ist schwer zu nennen.",
    "Das WLAN in allen öffentlichen Gebäuden wird sehr geschätzt.",
    "Der Glasfaserausbau ist fast abgeschlossen, davon profitieren alle.",
    "Homeoffice hat die Verwaltung als Arbeitgeber attraktiver gemacht.",
    "Siehe unsere Website.",
    "Eine digitale Sprechstunde für Seniorinnen und Senioren in der Bibliothek.",
]
#: Sentences about offerings that are not there yet: they name an offering, but it is not the
#: example's topic.
NOT_YET = {
    "e_file": "Die E-Akte kommt bei uns erst nächstes Jahr.",
    "chatbot": "Einen Chatbot haben wir noch nicht.",
    "open_data": "Open Data ist als Nächstes geplant.",
    "epayment": "ePayment fehlt leider noch.",
    "appointments": "Die Online-Terminvergabe ist in Planung.",
}
_FIRST = ["Anna", "Jan", "Petra", "Thomas", "Lena", "Mehmet", "Sabine", "Michael", "Julia", "Stefan"]
_LAST = ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Becker", "Wagner", "Klein", "Wolf", "Yilmaz"]
TEST_NAMES = ["Test", "asdf", "test test", "TEST Kommune", "xxx", "Testeingabe bitte löschen"]
FIELDWORK_START = pd.Timestamp("2027-02-01 08:00:00")
FIELDWORK_DAYS = 26


@dataclass
class Truth:
    """The parameters of the data-generating process (written as `<stem>.truth.json`)."""

    seed: int
    n: int
    export_format: str
    export_options: dict = field(default_factory=dict)
    frame: str = "margins"
    selection_exponent: float = 0.5
    type_propensity: dict = field(
        default_factory=lambda: {
            "kreisfreie Stadt": 2.0,
            "kreisangehörige Stadt oder Gemeinde": 1.0,
            "Landkreis": 0.6,
            "Gemeindeverband": 0.4,
        }
    )
    type_shares: dict = field(default_factory=lambda: dict(zip(TYPES, [0.30, 0.25, 0.25, 0.20])))
    staff_per_10k_median: float = 3.0
    staff_log_sd: float = 0.5
    budget_per_inhabitant_median_eur: float = 12.0
    budget_log_sd: float = 0.6
    staff_budget_corr: float = 0.3
    beta_staff: float = 0.35
    beta_budget: float = 0.25
    beta_strategy: float = 0.40
    beta_cdo: float = 0.0
    beta_coop: float = 0.15
    beta_coop_small: float = 0.0
    beta_size: float = 0.20
    maturity_noise_sd: float = 0.8
    qol_per_maturity: float = 0.45
    small_staff_shortage_shift: float = 0.6
    strategy_shares: dict = field(
        default_factory=lambda: {"beschlossen": 0.17, "in Vorbereitung": 0.45, "keine Strategie": 0.38}
    )
    cdo_share: float = 0.30
    share_incomplete: float = 0.08
    share_duplicate: float = 0.04
    n_test: int = 4
    share_speeder: float = 0.02
    share_straightliner: float = 0.02
    share_messy_numbers: float = 0.25
    share_pii_in_text: float = 0.08
    notes: str = (
        "Simulierte Daten: Effekte auf der latenten Reifeskala M (Standardabweichung der Prädiktoren = 1). "
        "beta_cdo und beta_coop_small sind null (wahre Nullhypothesen)."
    )


#: Export formats the simulator writes (file suffix): each as the tool writes it.
FORMATS = {
    "limesurvey": ".csv",  # LimeSurvey CSV, with the export options of `LIMESURVEY_OPTIONS`
    "forms": ".xlsx",  # Microsoft Forms workbook
    "sosci": ".csv",  # SoSci Survey data download (tab-separated, UTF-16)
    "limesurvey-sav": ".sav",  # LimeSurvey's SPSS export
    "sosci-sav": ".sav",  # SoSci Survey's SPSS download
    "stata": ".dta",  # a Stata file with LimeSurvey's variables
}


def simulate(n: int, seed: int, export_format: str = "limesurvey", register_path: Path | None = None,
             options: dict | None = None, population: pd.DataFrame | None = None):  # fmt: skip
    """Simulate `n` exported rows. Returns (export frame, truth rows, Truth). `options`: the
    LimeSurvey export options (`LIMESURVEY_OPTIONS`; LimeSurvey formats only). With
    `population` (from `population()`), the units and their answers are drawn from that fixed
    finite population instead of being generated for this survey."""
    if export_format not in FORMATS:
        raise ValueError(f"unbekanntes Format {export_format!r}: möglich sind {', '.join(FORMATS)}")
    if n < 20:
        raise ValueError("n must be at least 20")
    if options and export_format != "limesurvey":
        raise ValueError("Exportoptionen gibt es nur für das Format limesurvey")
    options = {k: v for k, v in limesurvey_options(options).items() if k in (options or {})}
    rng = np.random.default_rng(seed)
    cb = codebook.load()
    truth = Truth(seed=seed, n=n, export_format=export_format, export_options=options)
    n_test = truth.n_test
    n_dup = int(round(truth.share_duplicate * n))
    n_units = n - n_test - n_dup
    if population is None:
        frame = _frame(rng, register_path)
        truth.frame = "register" if register_path else "margins"
        units = _draw_units(frame, n_units, truth, rng)
        answers = _answers(units, truth, cb, rng)
    else:
        truth.frame = "population"
        drawn = _draw_index(population["population_true"], population["unit_type"], n_units, truth, rng)
        answers = population.iloc[drawn].reset_index(drop=True)
    answers = _plant_record_mess(answers, truth, cb, rng, n_dup)
    answers = answers.sample(frac=1, random_state=rng.integers(1 << 31)).reset_index(drop=True)
    answers["id"] = np.arange(1, len(answers) + 1)
    if export_format == "forms":
        export = _to_forms(answers, cb)
    elif export_format.startswith("sosci"):
        export = _to_sosci(answers, cb)
    else:
        export = _to_limesurvey(answers, cb, options)
    truth_rows = answers[
        [
            "id",
            "unit_key",
            "official_name",
            "planted_type",
            "maturity_latent",
            "role",
            "duplicate_group",
            "expected_outcome",
            "planted_example_topics",
        ]
    ].rename(columns={"id": "response_id"})
    if export_format.startswith("sosci"):  # SoSci's case numbers
        truth_rows["response_id"] = export["CASE"].astype(int)
    if export_format == "forms":  # Forms records submitted responses only
        keep = answers["submitdate"].notna().to_numpy()
        export, truth_rows = export[keep].reset_index(drop=True), truth_rows[keep].reset_index(drop=True)
    return export, truth_rows, truth


# --- units ---------------------------------------------------------------------------------
def _frame(rng: np.random.Generator, register_path: Path | None) -> pd.DataFrame:
    """Units to draw from: the real register when given, else synthetic units from the margins."""
    if register_path:
        units = register.read_units(register_path)
    else:
        m = register.read_margins()
        bins = [*codebook.load().size_class["bins"], 3_700_000]
        labels = codebook.load().size_class["labels"]
        rows = []
        for r in m.itertuples():
            i = labels.index(r.size_class)
            lo, hi = max(bins[i], 50), bins[i + 1]
            pops = np.exp(rng.uniform(np.log(lo), np.log(hi), r.n_units)).astype(int)
            rows.append(pd.DataFrame({"land_code": r.land_code, "unit_type": r.unit_type, "population": pops}))
        units = pd.concat(rows, ignore_index=True)
        units["key"] = [f"SYN{i:05d}" for i in range(len(units))]
        units["official_name"] = _synthetic_names(len(units), units["unit_type"], rng)
    units = units[units["population"] > 0].copy()
    # one unit per dedup key, so that planted duplicates are exactly the records sharing a key
    units["_dedup"] = (
        units["land_code"]
        + "|"
        + units["unit_type"]
        + "|"
        + units["official_name"].map(lambda s: names.municipality_key(names.split_official(s)[0]))
    )
    return units.drop_duplicates("_dedup").drop(columns="_dedup").reset_index(drop=True)


def _synthetic_names(n: int, unit_type: pd.Series, rng: np.random.Generator) -> list[str]:
    stems = ["Alt", "Neu", "Ober", "Nieder", "Hohen", "Schön", "Kirch", "Wald", "Berg", "Lind", "Eich",
             "Rosen", "Mühl", "Stein", "Buch", "Hasel", "Wies", "Sonnen", "Birken", "Fels"]  # fmt: skip
    ends = ["dorf", "hausen", "heim", "bach", "feld", "burg", "au", "stedt", "ingen", "rode", "beck",
            "hagen", "born", "weiler", "kirchen", "brück", "tal", "furt", "wald", "leben"]  # fmt: skip
    places = ["am See", "an der Aue", "im Tal", "bei Rosenberg"]
    pick = lambda words: words[rng.integers(len(words))]  # noqa: E731 (rng.choice's draw, without its overhead)
    out, seen = [], set()
    for t in unit_type:
        while True:
            name = pick(stems) + pick(ends)
            if rng.random() < 0.3:
                name = f"{name} {pick(places)}"
            if name not in seen or len(seen) > 0.9 * len(stems) * len(ends) * 5:
                break
        seen.add(name)
        suffix = {"kreisfreie Stadt": ", Stadt", "Landkreis": "", "Gemeindeverband": ""}.get(t, "")
        prefix = {"Landkreis": "", "Gemeindeverband": "Amt "}.get(t, "")
        out.append(f"{prefix}{name}{suffix}")
    return out


def _draw_units(frame: pd.DataFrame, n: int, t: Truth, rng: np.random.Generator) -> pd.DataFrame:
    return frame.iloc[_draw_index(frame["population"], frame["unit_type"], n, t, rng)].reset_index(drop=True)


def selection_size(inhabitants: pd.Series, unit_type: pd.Series, t: Truth) -> np.ndarray:
    """Each unit's size measure for the draw: population ** exponent x propensity of its type."""
    return inhabitants.to_numpy(float) ** t.selection_exponent * unit_type.map(t.type_propensity).to_numpy()


def _draw_index(inhabitants: pd.Series, unit_type: pd.Series, n: int, t: Truth, rng: np.random.Generator):
    """Positions of `n` units drawn without replacement with probability proportional to size."""
    p = selection_size(inhabitants, unit_type, t)
    return np.sort(rng.choice(len(p), size=min(n, len(p)), replace=False, p=p / p.sum()))


def population(seed: int, register_path: Path | None = None) -> pd.DataFrame:
    """A fixed finite population: every unit of the frame with its answers, generated once by
    the same process as a survey's (effects, standardisation and shares at the population
    level), to draw surveys from (`simulate(..., population=...)`) and to fit the census."""
    rng = np.random.default_rng([seed, 3])
    truth = Truth(seed=seed, n=0, export_format="limesurvey")
    return _answers(_frame(rng, register_path), truth, codebook.load(), rng)


def write_population(population: pd.DataFrame, seed: int, out: Path) -> list[Path]:
    """The whole population as one LimeSurvey export without record mess (a census)."""
    answers = population.assign(id=np.arange(1, len(population) + 1))
    export = _to_limesurvey(answers, codebook.load())
    truth_rows = answers[["id", "unit_key", "official_name", "planted_type", "maturity_latent", "role",
                          "duplicate_group", "expected_outcome", "planted_example_topics"]]  # fmt: skip
    truth = Truth(seed=seed, n=len(answers), export_format="limesurvey", frame="population")
    return write_export(export, truth_rows.rename(columns={"id": "response_id"}), truth, out)


# --- answers -------------------------------------------------------------------------------
def _z(x: np.ndarray) -> np.ndarray:
    return (x - x.mean()) / x.std()


def _likert(x: np.ndarray, lo: int = 1, hi: int = 5) -> np.ndarray:
    return np.clip(np.rint(x), lo, hi).astype(int)


def _answers(units: pd.DataFrame, t: Truth, cb: codebook.Codebook, rng: np.random.Generator) -> pd.DataFrame:
    n = len(units)
    pop = units["population"].to_numpy(float)
    z_size = _z(np.log(pop))
    small = pop < 5000
    a = pd.DataFrame(
        {
            "unit_key": units["key"],
            "official_name": units["official_name"],
            "land_code": units["land_code"],
            "unit_type": units["unit_type"],
            "population_true": pop.astype(int),
            "planted_type": rng.choice(TYPES, size=n, p=list(t.type_shares.values())),
        }
    )
    cov = [[1, t.staff_budget_corr], [t.staff_budget_corr, 1]]
    e = rng.multivariate_normal([0, 0], cov, size=n)
    log_staff = np.log(t.staff_per_10k_median) + t.staff_log_sd * e[:, 0]
    log_budget = np.log(t.budget_per_inhabitant_median_eur) + t.budget_log_sd * e[:, 1]
    a["it_staff_fte"] = np.round(np.exp(log_staff) * pop / 10_000, 1)
    a["digital_budget_eur"] = np.round(np.exp(log_budget) * pop, -3)

    def by_quantile(latent, shares):  # ordinal answer with exact marginal shares
        cuts = np.quantile(latent, np.cumsum(shares)[:-1])
        return np.searchsorted(cuts, latent) + 1

    strategy = by_quantile(0.5 * z_size + rng.normal(size=n), [0.38, 0.45, 0.17])  # 1 none .. 3 adopted
    cdo = rng.random(n) < np.clip(t.cdo_share + 0.12 * z_size, 0.02, 0.95)
    coop = by_quantile(rng.normal(size=n), [0.25, 0.45, 0.30])
    a["strategy_status"], a["has_cdo"], a["cooperation_level"] = strategy, np.where(cdo, 1, 2), coop
    inst = coop == 3
    m = (
        t.beta_staff * _z(log_staff)
        + t.beta_budget * _z(log_budget)
        + t.beta_strategy * (strategy == 3)
        + t.beta_cdo * cdo
        + t.beta_coop * inst
        + t.beta_coop_small * (inst & small)
        + t.beta_size * z_size
        + rng.normal(0, t.maturity_noise_sd, n)
    )
    a["maturity_latent"] = np.round(m, 4)
    a["staff_trained_pct"] = np.round(100 * rng.beta(2 + 0.5 * (m > 0), 4, n))
    a["population"] = a["population_true"]
    a["respondent_role"] = rng.choice(["1", "2", "3", "4", "5", "6"], size=n, p=[0.12, 0.25, 0.2, 0.25, 0.12, 0.06])
    a.loc[(a["respondent_role"] == "3") & ~cdo, "respondent_role"] = "2"
    a["digital_importance"] = _likert(3.4 + 0.5 * m + rng.normal(0, 0.8, n))
    for key, diff in OFFER_DIFFICULTY.items():
        status = np.searchsorted([-0.9, -0.1, 0.6], m - diff + rng.normal(0, 0.7, n)) + 1
        a[f"offer_status_{key}"] = status
        effect = _likert(3.1 + 0.3 * m + rng.normal(0, 0.8, n))
        a[f"offer_effect_{key}"] = np.where(status == 4, effect, 0)  # 0: not asked
    a["ozg_online_pct"] = np.round(100 / (1 + np.exp(-(0.9 * m - 0.3 + rng.normal(0, 0.5, n)))) / 5) * 5
    for key, base in OBSTACLE_BASE.items():
        shift = t.small_staff_shortage_shift * small if key == "staff_shortage" else 0.0
        drag = 0.25 * m if key in ("staff_shortage", "budget", "legacy_systems") else 0.0
        a[f"obstacle_{key}"] = _likert(base + shift - drag + rng.normal(0, 1.0, n))
    style = rng.normal(0, 0.5, n)
    goal_keys = [v.item_key for v in cb.question("F01")]
    for key in goal_keys:
        mean = np.array([TYPE_GOAL_PROFILES[tp].get(key, 3.0) for tp in a["planted_type"]])
        a[f"goal_{key}"] = _likert(mean + style + rng.normal(0, 0.6, n))
    a["qol_effect_overall"] = _likert(3.0 + t.qol_per_maturity * m + rng.normal(0, 0.8, n))
    for v in cb.question("G03"):
        p = {"funding": 0.7, "staff": 0.65, "standards": 0.45}.get(v.item_key, 0.3)
        a[v.name] = rng.random(n) < p
    text_rng = np.random.default_rng([t.seed, 2])  # wording only: the other answers keep their draws
    examples = [_good_example(row, rng, text_rng) for _, row in a.iterrows()]
    a["good_example_text"] = [text for text, _ in examples]
    a["planted_example_topics"] = [topics for _, topics in examples]
    has_contact = rng.random(n) < 0.6
    a["contact_email"] = [_email(name, rng) if c else "" for name, c in zip(a["official_name"], has_contact)]
    a["consent_named"] = np.where(a["good_example_text"] != "", np.where(rng.random(n) < 0.55, "1", "2"), "")
    start = FIELDWORK_START + pd.to_timedelta(rng.uniform(0, FIELDWORK_DAYS * 86400, n), unit="s")
    a["interviewtime"] = np.round(np.exp(rng.normal(np.log(900), 0.3, n)).clip(450, 4000), 2)
    a["startdate"] = start.floor("s")
    a["submitdate"] = (a["startdate"] + pd.to_timedelta(a["interviewtime"], unit="s")).dt.floor("s")
    a["lastpage"] = cb.pages
    a["role"] = "respondent"
    a["duplicate_group"] = ""
    a["expected_outcome"] = "kept"
    a["messy"] = [dict() for _ in range(n)]
    _plant_value_mess(a, t, rng)
    _answer_other_questions(a, cb, np.random.default_rng([t.seed, 3]))
    return a


def _answer_other_questions(a: pd.DataFrame, cb: codebook.Codebook, rng: np.random.Generator) -> None:
    """Answers to codebook questions the data-generating process above does not model (a
    question added to the codebook): drawn at random from their scale or range, with a stream
    of their own so that every modelled answer stays as it was."""
    for v in cb.variables:
        if v.name in a:
            continue
        n = len(a)
        if v.scale and v.type != "multi":
            codes = list(cb.scales[v.scale].codes)
            a[v.name] = [int(c) if v.type == "likert" else c for c in rng.choice(codes, size=n)]
        elif v.type == "multi":
            a[v.name] = rng.random(n) < 0.3
        elif v.type == "number":
            a[v.name] = np.round(rng.uniform(v.min, v.min + (v.max - v.min) / 10, n), 1)
        else:  # free text and personal data: left empty
            a[v.name] = ""


def _good_example(row: pd.Series, rng: np.random.Generator, text_rng: np.random.Generator) -> tuple[str, str]:
    """An example answer about one of the municipality's live offerings, or none, and its
    planted topics ("|"-separated; "other" for answers about none). Whether there is an
    example and its offering come from `rng`; the wording from `text_rng`."""
    live = [k for k in OFFER_DIFFICULTY if row[f"offer_status_{k}"] == 4]
    if not live or rng.random() < 0.45:
        return "", ""
    focus = str(rng.choice(live))
    r = text_rng.random(4)
    if r[0] < 0.08:
        return str(text_rng.choice(OTHER_EXAMPLES)), "other"

    def say(options: list[str]) -> str:
        return str(text_rng.choice(options)).format(
            n=int(text_rng.integers(3, 40)) * 10, year=int(text_rng.integers(2019, 2026))
        )

    topics, sentences = [focus], [say(OFFER_EXAMPLES[focus])]
    others = [k for k in live if k != focus]
    if others and r[1] < 0.15:
        second = str(text_rng.choice(others))
        topics.append(second)
        sentences.append(say(OFFER_EXAMPLES[second]))
    if r[2] < 0.4:
        topic = str(text_rng.choice(list(TOPIC_EXAMPLES)))
        topics.append(topic)
        sentences.append(say(TOPIC_EXAMPLES[topic]))
    missing = [k for k in NOT_YET if row[f"offer_status_{k}"] != 4]
    if missing and r[3] < 0.08:
        sentences.append(NOT_YET[str(text_rng.choice(missing))])
    text = " ".join(sentences)
    if text_rng.random() < 0.05:  # typed without capitals
        text = text.lower()
    return text, "|".join(dict.fromkeys(topics))


def _email(official_name: str, rng: np.random.Generator) -> str:
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    domain = names.municipality_key(names.split_official(official_name)[0]).replace(" ", "-") or "kommune"
    return f"{names.fold(first)}.{names.fold(last)}@{domain}.de"


#: Register abbreviations of unit words, written out as respondents write them.
_SUFFIX_WORDS = {"M": "Markt", "St": "Stadt", "GKSt": "Große Kreisstadt"}
#: Unit words respondents put in front of the name ("Hansestadt Lübeck").
_PREFIXED = {
    "Stadt",
    "Markt",
    "Hansestadt",
    "Landeshauptstadt",
    "Große Kreisstadt",
    "Kreisstadt",
    "Universitätsstadt",
    "Flecken",
}


def _written_name(official: str, unit_type: str, rng: np.random.Generator) -> str:
    """The official name as a respondent writes it."""
    base, suffix = names.split_official(official)
    suffix = _SUFFIX_WORDS.get(suffix, suffix)
    suffix = suffix if suffix in _PREFIXED else ""
    r = rng.random()
    if unit_type == "Landkreis":
        name = (
            base
            if "kreis" in base.lower() or "verband" in base.lower()
            else (rng.choice(["Landkreis ", "Kreis ", "Landkreis ", ""]) + base)
        )
    elif unit_type == "Gemeindeverband":
        name = base
    elif r < 0.35:
        name = base
    elif r < 0.65 and suffix:
        name = f"{suffix} {base}"
    elif r < 0.75:
        name = f"{base}, {suffix}" if suffix else base
    else:
        name = f"{'Stadt' if unit_type == 'kreisfreie Stadt' or suffix == 'Stadt' else 'Gemeinde'} {base}"
    if rng.random() < 0.15:
        name = name.replace(" am Main", " a.M.").replace("Sankt ", "St. ").replace(" an der ", " a.d. ")
    if rng.random() < 0.08:
        name = names.fold(name).title() if rng.random() < 0.5 else name.lower()
    return name + (" " if rng.random() < 0.05 else "")


def _typo(name: str, rng: np.random.Generator) -> str:
    letters = [i for i, c in enumerate(name[1:-1], 1) if c.isalpha()]
    if len(letters) < 4:
        return name
    i = int(rng.choice(letters[:-1]))
    return name[:i] + name[i + 1] + name[i] + name[i + 2 :]


def _plant_value_mess(a: pd.DataFrame, t: Truth, rng: np.random.Generator) -> None:
    """Names as people write them; numbers as text; personal data inside free text."""
    written = [_written_name(o, u, rng) for o, u in zip(a["official_name"], a["unit_type"])]
    a["municipality_name"] = [_typo(w, rng) if rng.random() < 0.06 else w for w in written]
    a["municipality_name_clean"] = written  # the typo-free spelling, reused by duplicates

    def fmt(x: float, decimals: int) -> str:
        s = f"{x:,.{decimals}f}".replace(",", "X").replace(".", ",").replace("X", ".")
        return s[: -decimals - 1] if decimals and s.endswith("," + "0" * decimals) else s

    messy = {
        "it_staff_fte": [lambda x: f"ca. {fmt(x, 1)}", lambda x: f"{int(x)}-{int(x) + 1}" if x >= 1 else "k.A.",
                         lambda x: f"{fmt(x, 1)} VZÄ", lambda x: "weiß nicht"],
        "digital_budget_eur": [lambda x: f"{fmt(x, 0)} €", lambda x: f"{fmt(x / 1e6, 1)} Mio." if x >= 1e5 else f"{fmt(x, 0)} EUR",
                               lambda x: f"ca. {fmt(x / 1e3, 0)} Tsd. €", lambda x: "k.A."],
        "population": [lambda x: fmt(x, 0), lambda x: f"ca. {fmt(round(x, -2), 0)}", lambda x: f"{fmt(x, 0)} Einwohner"],
        "staff_trained_pct": [lambda x: f"{int(x)} %", lambda x: f"ca. {int(x)}%"],
        "ozg_online_pct": [lambda x: f"{int(x)} %", lambda x: "k.A."],
    }  # fmt: skip
    for col, variants in messy.items():
        plain = a[col].astype(float)
        text = [fmt(x, 1) if col == "it_staff_fte" else str(int(x)) for x in plain]
        pick = rng.random(len(a)) < t.share_messy_numbers
        for i in np.flatnonzero(pick):
            text[i] = variants[rng.integers(len(variants))](plain.iloc[i])
        a[col] = text
    for i in np.flatnonzero(rng.random(len(a)) < t.share_pii_in_text):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        pii = rng.choice(
            [f" Kontakt: {names.fold(first)}.{names.fold(last)}@rathaus-beispiel.de",
             f" Ansprechpartnerin ist Frau {last}, Tel. 0{rng.integers(200, 999)} {rng.integers(100000, 999999)}.",
             f" Fragen gerne an {first} {last} ({names.fold(last)}@kommune-mail.de)."]
        )  # fmt: skip
        if not a.loc[i, "good_example_text"]:
            a.loc[i, ["good_example_text", "planted_example_topics"]] = ["Wir sind gerne Ansprechpartner.", "other"]
        a.loc[i, "good_example_text"] += pii


def _plant_record_mess(
    a: pd.DataFrame, t: Truth, cb: codebook.Codebook, rng: np.random.Generator, n_dup: int
) -> pd.DataFrame:
    """Aborted responses, speeders, straight-liners, duplicate submissions and test responses."""
    a = a.astype({v.name: object for v in cb.variables})  # answers may become empty
    n = len(a)
    order = rng.permutation(n)
    n_inc, n_speed, n_straight = (
        int(round(s * t.n)) for s in (t.share_incomplete, t.share_speeder, t.share_straightliner)
    )
    inc, speed, straight, dup = np.split(
        order[: n_inc + n_speed + n_straight + n_dup], np.cumsum([n_inc, n_speed, n_straight])
    )
    pages = {v.name: v.page for v in cb.variables}
    for i in inc:
        last = int(rng.integers(1, cb.pages))
        _abort(a, i, last, pages)
        a.loc[i, "expected_outcome"] = "empty" if last <= 1 else "kept"
    a.loc[speed, "interviewtime"] = np.round(rng.uniform(60, 180, len(speed)), 2)
    a.loc[speed, "submitdate"] = a.loc[speed, "startdate"] + pd.to_timedelta(
        a.loc[speed, "interviewtime"], unit="s"
    ).dt.floor("s")
    a.loc[speed, "role"], a.loc[speed, "expected_outcome"] = "speeder", "speeder"
    grid = [v.name for v in cb.question("E01") + cb.question("F01")]
    for i in straight:
        a.loc[i, grid] = int(rng.integers(3, 6))
    a.loc[straight, "role"], a.loc[straight, "expected_outcome"] = "straightliner", "straightliner"

    copies = []
    for k, i in enumerate(dup):
        first, second = a.loc[i].copy(), a.loc[i].copy()
        group = f"D{k + 1:03d}"
        second["startdate"] = first["submitdate"] + pd.Timedelta(hours=float(rng.uniform(2, 96)))
        second["startdate"] = second["startdate"].floor("s")
        second["submitdate"] = second["startdate"] + pd.Timedelta(seconds=float(second["interviewtime"]))
        second["submitdate"] = second["submitdate"].floor("s")
        # both spell the name without typos, perhaps in another variant ("Stadt X" vs "X")
        a.loc[i, "municipality_name"] = first["municipality_name_clean"]
        second["municipality_name"] = _written_name(first["official_name"], first["unit_type"], rng)
        second["digital_importance"] = int(np.clip(second["digital_importance"] + rng.choice([-1, 0, 1]), 1, 5))
        second["contact_email"] = second["contact_email"] or _email(second["official_name"], rng)
        copies.append(second)
        a.loc[i, "duplicate_group"] = group
        second["duplicate_group"] = group
        if rng.random() < 0.6:  # aborted first attempt, then complete: the first goes
            _abort(a, i, int(rng.integers(2, cb.pages)), pages)
            a.loc[i, "role"], a.loc[i, "expected_outcome"] = "duplicate", "duplicate"
            second["role"], second["expected_outcome"] = "respondent", "kept"
        else:  # two complete submissions: the later one is kept
            a.loc[i, "role"], a.loc[i, "expected_outcome"] = "duplicate", "duplicate"
            second["role"], second["expected_outcome"] = "respondent", "kept"
    dups = pd.DataFrame(copies)

    tests = a.sample(t.n_test, random_state=int(rng.integers(1 << 31))).copy()
    tests["municipality_name"] = rng.choice(TEST_NAMES, size=t.n_test, replace=False)
    tests["unit_key"], tests["official_name"], tests["planted_type"] = "", "", ""
    tests["contact_email"], tests["good_example_text"] = "", rng.choice(["test", "", "asdf asdf"], size=t.n_test)
    tests["planted_example_topics"] = ""
    tests["role"], tests["expected_outcome"], tests["duplicate_group"] = "test", "test", ""
    return pd.concat([a, dups, tests], ignore_index=True)


def _abort(a: pd.DataFrame, i: int, last_page: int, pages: dict[str, int]) -> None:
    after = [c for c, p in pages.items() if p > last_page and c in a.columns]
    for c in after:
        a.at[i, c] = None
    a.at[i, "lastpage"] = last_page
    a.at[i, "submitdate"] = pd.NaT
    a.at[i, "interviewtime"] = round(float(a.at[i, "interviewtime"]) * last_page / 8, 2)


# --- writers -------------------------------------------------------------------------------
def _cell(v: codebook.Variable, value, answered: bool) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or not answered:
        return ""
    if v.type == "multi":
        return "Y" if bool(value) else ""
    if v.type in ("likert", "single"):
        if v.name.startswith("offer_effect_") and int(value) == 0:
            return ""
        if v.name == "unit_type":
            return register.UNIT_TYPE_CODE[value]
        return str(int(value)) if isinstance(value, (int, float, np.number)) else str(value)
    return str(value)


#: LimeSurvey's export options the simulator can apply (see `readers.limesurvey` for what each
#: writes): heading style, answers as codes or full answers, "Convert Y/N to", timings, date
#: stamps, participant columns, field separator. The defaults are this project's plain export.
LIMESURVEY_OPTIONS = {
    "headings": ("code", "abbreviated", "full", "codetext"),
    "answers": ("codes", "full"),
    "convert": ("off", "1/2", "1/0"),
    "timings": ("yes", "no"),
    "datestamp": ("yes", "no"),
    "participants": ("no", "yes"),
    "separator": (";", ","),
}
_META_TEXT = {"id": "Response ID", "submitdate": "Date submitted", "lastpage": "Last page",
              "startlanguage": "Start language", "seed": "Seed", "token": "Token", "startdate": "Date started",
              "datestamp": "Date last action", "interviewtime": "Total time"}  # fmt: skip
_ABBREVIATION = 15


def limesurvey_options(options: dict | None) -> dict:
    """The export options, each checked against `LIMESURVEY_OPTIONS` (first value: default)."""
    chosen = {k: v[0] for k, v in LIMESURVEY_OPTIONS.items()} | (options or {})
    for k, v in chosen.items():
        if k not in LIMESURVEY_OPTIONS or v not in LIMESURVEY_OPTIONS[k]:
            allowed = ", ".join(f"{key}={'|'.join(vals)}" for key, vals in LIMESURVEY_OPTIONS.items())
            raise ValueError(f"unbekannte LimeSurvey-Option {k}={v}: möglich sind {allowed}")
    return chosen


def _to_limesurvey(a: pd.DataFrame, cb: codebook.Codebook, options: dict | None = None) -> pd.DataFrame:
    """The export as LimeSurvey's CSV writer writes it with `options` (`LIMESURVEY_OPTIONS`)."""
    o = limesurvey_options(options)
    stamp = "%Y-%m-%d %H:%M:%S"
    submitted = a["submitdate"].dt.strftime(stamp)
    if o["datestamp"] == "no":  # anonymised surveys without date stamps: a conventional date
        submitted = submitted.where(a["submitdate"].isna(), "1980-01-01 00:00:00")
    meta = {
        "id": a["id"].astype(str),
        "submitdate": submitted.fillna(""),
        "lastpage": a["lastpage"].astype(int).astype(str),
        "startlanguage": "de",
        "seed": [str(1_000_000 + 7919 * i % 9_000_000) for i in a["id"]],
    }
    if o["participants"] == "yes":
        meta["token"] = [f"tok{7907 * i % 100000:05d}" for i in a["id"]]
    if o["datestamp"] == "yes":
        meta["startdate"] = a["startdate"].dt.strftime(stamp)
        meta["datestamp"] = a["submitdate"].fillna(a["startdate"]).dt.strftime(stamp)
    out = pd.DataFrame(meta)
    for v in cb.variables:
        cells = [_limesurvey_cell(v, val, last >= v.page, o) for val, last in zip(a[v.name], a["lastpage"])]
        out[v.column("limesurvey")] = cells
    if o["timings"] == "yes":
        out["interviewtime"] = a["interviewtime"].map(lambda x: f"{x:.2f}")
        for page in range(1, cb.pages + 1):  # time per group (page), in proportion
            out[f"groupTime{page}"] = [f"{t / cb.pages:.2f}" if last >= page else ""
                                       for t, last in zip(a["interviewtime"], a["lastpage"])]  # fmt: skip
    if o["participants"] == "yes":
        out["firstname"] = [_FIRST[i % len(_FIRST)] for i in a["id"]]
        out["lastname"] = [_LAST[i % len(_LAST)] for i in a["id"]]
        out["email"] = [f"{names.fold(f)}.{names.fold(la)}@rathaus-beispiel.de".lower()
                        for f, la in zip(out["firstname"], out["lastname"])]  # fmt: skip
        out["attribute_1"] = "Verwaltungsleitung"
    out.columns = [_limesurvey_heading(c, cb, o) for c in out.columns]
    return out


def _limesurvey_cell(v: codebook.Variable, value, shown: bool, o: dict) -> str:
    """One answer as LimeSurvey exports it: codes or full answers, Y/N converted."""
    code = _cell(v, value, shown)
    if v.type == "multi":
        if o["answers"] == "full":  # German survey, German export: "Ja"/"Nein", never shown "N/A"
            return "N/A" if not shown or value is None else ("Ja" if code == "Y" else "Nein")
        if o["convert"] != "off" and shown and value is not None:
            yes, no = o["convert"].split("/")
            return yes if code == "Y" else no
        return code
    if o["answers"] == "full" and v.scale and code:
        return codebook.load().value_labels(v.name).get(code, code)
    return code


def _limesurvey_heading(column: str, cb: codebook.Codebook, o: dict) -> str:
    """A column heading in the chosen style (question code, full or abbreviated question text,
    code and text)."""
    if o["headings"] == "code":
        return column
    v = next((v for v in cb.variables if v.column("limesurvey") == column), None)
    if v is not None:
        question, item = v.question_text_de or v.question_label_de, v.item_label_de
    elif column in _META_TEXT:
        question, item = _META_TEXT[column], None
    elif column.startswith("groupTime"):
        question, item = f"Group time: {cb.sections[int(column.removeprefix('groupTime'))]}", None
    else:  # participant columns keep their names
        return column
    if o["headings"] == "abbreviated":
        cut = lambda t: t if len(t) <= _ABBREVIATION else t[:_ABBREVIATION] + ".. "  # noqa: E731
        return cut(question) + (f" [{cut(item)}]" if item else "")
    text = question + (f" [{item}]" if item else "")
    return text if o["headings"] == "full" else f"{column}. {text}"


def _to_forms(a: pd.DataFrame, cb: codebook.Codebook) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "ID": a["id"].astype(int),
            "Start time": a["startdate"],
            "Completion time": a["submitdate"],
            "Email": "anonymous",
            "Name": "",
        }
    )
    src = a
    for q in dict.fromkeys(v.question_id for v in cb.variables):
        vs = cb.question(q)
        if vs[0].type == "multi":
            labels = [v.item_label_de for v in vs]
            out[vs[0].column("forms")] = [
                "".join(f"{lab};" for lab, col in zip(labels, vs) if row[col.name]) for _, row in src.iterrows()
            ]
            continue
        for v in vs:
            codes = [_cell(v, val, True) for val in src[v.name]]
            lab = cb.value_labels(v.name)
            out[v.column("forms")] = [lab.get(c, c) if v.scale else c for c in codes]
    return out


def _to_sosci(a: pd.DataFrame, cb: codebook.Codebook) -> pd.DataFrame:
    """The export as SoSci Survey's data download holds it: system variables, answers as codes
    (options by number, multiple choice 1 = not ticked, 2 = ticked, and a count variable),
    empty where a page was not reached, page times TIME001.. and TIME_SUM."""
    stamp = "%Y-%m-%d %H:%M:%S"
    finished = a["submitdate"].notna()
    out = pd.DataFrame(
        {
            "CASE": (a["id"] + 100).astype(str),  # SoSci's case numbers do not start at 1
            "SERIAL": "",
            "REF": "",
            "QUESTNNR": "kommunen",
            "MODE": "interview",
            "STARTED": a["startdate"].dt.strftime(stamp),
        }
    )
    for q in dict.fromkeys(v.question_id for v in cb.variables):
        vs = cb.question(q)
        if vs[0].type == "multi":
            ticked = pd.DataFrame({v.name: a[v.name] for v in vs})
            reached = a["lastpage"] >= vs[0].page
            out[vs[0].column("sosci").rsplit("_", 1)[0]] = np.where(
                reached, ticked.fillna(False).astype(bool).sum(axis=1).astype(str), ""
            )
        for v in vs:
            cells = [_cell(v, val, last >= v.page) for val, last in zip(a[v.name], a["lastpage"])]
            if v.type == "multi":
                cells = ["2" if c == "Y" else ("1" if last >= v.page else "") for c, last in zip(cells, a["lastpage"])]
            elif v.type in ("single", "likert") or v.scale:
                cells = [str(int(c)) if c.isdigit() else c for c in cells]  # options numbered from 1
            out[v.column("sosci")] = cells
    for page in range(1, cb.pages + 1):
        out[f"TIME{page:03d}"] = [str(round(t / cb.pages)) if last >= page else ""
                                  for t, last in zip(a["interviewtime"], a["lastpage"])]  # fmt: skip
    last_data = a["submitdate"].fillna(a["startdate"] + pd.to_timedelta(a["interviewtime"], unit="s")).dt.floor("s")
    out["TIME_SUM"] = a["interviewtime"].round().astype(int).astype(str)
    out["MAILSENT"] = ""
    out["LASTDATA"] = last_data.dt.strftime(stamp)
    out["FINISHED"] = np.where(finished, "1", "0")
    out["Q_VIEWER"] = "0"
    out["LASTPAGE"] = a["lastpage"].astype(int).astype(str)
    out["MAXPAGE"] = a["lastpage"].astype(int).astype(str)
    answered = out[[v.column("sosci") for v in cb.variables]].ne("")
    out["MISSING"] = (100 - 100 * answered.mean(axis=1)).round().astype(int).astype(str)
    out["MISSREL"] = out["MISSING"]
    out["TIME_RSI"] = (a["interviewtime"].median() / a["interviewtime"]).round(2).map(lambda x: f"{x:.2f}")
    out["DEG_TIME"] = "0"
    return out


def _labelled_frame(export: pd.DataFrame, cb: codebook.Codebook, tool: str):
    """An export table as a labelled SPSS/Stata data set the way `tool` writes one: answers as
    numbers with value labels, texts as strings, times as datetimes; variable labels from the
    questions. Returns (frame, variable labels, value labels, user-missing ranges)."""
    by_column = {v.column(tool): v for v in cb.variables}
    frame, var_labels, val_labels, missing = pd.DataFrame(index=export.index), {}, {}, {}
    for col in export.columns:
        name = col.replace("[", "_").replace("]", "")
        cells = export[col]
        v = by_column.get(col)
        if col in ("submitdate", "startdate", "datestamp", "STARTED", "LASTDATA"):
            frame[name] = pd.to_datetime(cells.replace("", None))
            continue
        numeric = pd.to_numeric(cells.replace("", None), errors="coerce")
        coded = v is not None and (v.scale or v.type == "multi")
        if coded and numeric.notna().sum() == (cells != "").sum():
            frame[name] = numeric.astype(float)
            if v.type == "multi":
                val_labels[name] = ({1: "nicht gewählt", 2: "ausgewählt", -9: "nicht beantwortet"} if tool == "sosci"
                                    else {1: "Yes", 0: "Not Selected"})  # fmt: skip
            else:
                val_labels[name] = {float(k): lab for k, lab in cb.scales[v.scale].codes.items() if k.isdigit()}
            if tool == "sosci":
                val_labels[name] |= {-9.0: "nicht beantwortet"}
                missing[name] = [{"lo": -9.0, "hi": -9.0}]
        elif v is None and numeric.notna().sum() == (cells != "").sum() and (cells != "").any():
            frame[name] = numeric.astype(float)  # meta numbers
        else:
            frame[name] = cells.astype(str)
        if v is not None:
            var_labels[name] = (f"[{v.item_label_de}] " if v.item_key else "") + v.question_label_de
    if tool == "limesurvey":  # LimeSurvey writes multiple choice as 1 (Yes) and 0 (Not Selected)
        for v in cb.of_type("multi"):
            name = v.column(tool).replace("[", "_").replace("]", "")
            frame[name] = frame[name].replace(2.0, 0.0) if frame[name].dtype == float else frame[name]
    return frame, var_labels, val_labels, missing


def write_export(export: pd.DataFrame, truth_rows: pd.DataFrame, truth: Truth, out: Path) -> list[Path]:
    """Write the export as the survey tool would, plus truth and provenance sidecars."""
    out = Path(out)
    fmt = truth.export_format
    if fmt == "limesurvey":
        sep = limesurvey_options(truth.export_options)["separator"]
        files.write_with(
            out,
            lambda tmp: export.to_csv(
                tmp, sep=sep, index=False, quoting=csv.QUOTE_ALL, lineterminator="\r\n", encoding="utf-8-sig"
            ),
        )
    elif fmt == "sosci":  # tab-separated UTF-16 with byte-order mark
        files.write_with(out, lambda tmp: export.to_csv(tmp, sep="\t", index=False, lineterminator="\r\n",
                                                         encoding="utf-16"))  # fmt: skip
    elif fmt in ("limesurvey-sav", "sosci-sav", "stata"):
        import pyreadstat

        tool = "sosci" if fmt == "sosci-sav" else "limesurvey"
        frame, var_labels, val_labels, missing = _labelled_frame(export, codebook.load(), tool)
        if fmt == "stata":
            files.write_with(out, lambda tmp: pyreadstat.write_dta(
                frame, str(tmp), column_labels={k: v[:80] for k, v in var_labels.items()},
                variable_value_labels={k: {int(c): lab for c, lab in m.items()} for k, m in val_labels.items()},
                version=15))  # fmt: skip
        else:
            files.write_with(out, lambda tmp: pyreadstat.write_sav(
                frame, str(tmp), column_labels=var_labels, variable_value_labels=val_labels,
                missing_ranges=missing))  # fmt: skip
    else:
        files.write_with(out, lambda tmp: export.to_excel(tmp, sheet_name="Form1", index=False, engine="openpyxl"))
    stem = out.with_name(out.name.split(".")[0])
    truth_csv = files.write_csv(truth_rows, config.truth_path(out))
    truth_json = files.write_text(
        stem.with_name(stem.name + ".truth.json"), json.dumps(asdict(truth), ensure_ascii=False, indent=2) + "\n"
    )
    provenance = {
        "simulated": True,
        "statement_de": "Simulierte Daten: keine echten Antworten von Kommunen.",
        "generator": "analysis.simulate",
        "version": __version__,
        "seed": truth.seed,
        "n": truth.n,
        "format": truth.export_format,
        "export_options": truth.export_options,
        "frame": truth.frame,
        "file": out.name,
        "sha256": files.sha256(out),
        "truth": [truth_csv.name, truth_json.name],
    }
    prov = files.write_text(config.provenance_path(out), json.dumps(provenance, ensure_ascii=False, indent=2) + "\n")
    return [out, truth_csv, truth_json, prov]


#: LimeSurvey question types the codebook's questions become in a survey structure file.
_LSS_TYPE = {"single": "L", "likert": "L", "multi": "M", "number": "S", "free_text": "T", "personal": "S"}


def write_lss(path: Path, cb: codebook.Codebook | None = None, sid: int = 123456) -> Path:
    """The codebook's questionnaire as LimeSurvey 5/6 exports its survey structure (.lss, XML
    with `*_l10ns` tables; German only): groups per page, questions, subquestions, answers."""
    import xml.etree.ElementTree as ET

    cb = cb or codebook.load()
    tables: dict[str, list[dict]] = {k: [] for k in ("answers", "answer_l10ns", "groups", "group_l10ns", "questions",
                                                     "subquestions", "question_l10ns", "surveys")}  # fmt: skip
    tables["surveys"].append({"sid": sid, "language": "de", "additional_languages": "", "anonymized": "Y"})
    for page, title in cb.sections.items():
        tables["groups"].append({"gid": page, "sid": sid, "group_order": page - 1})
        tables["group_l10ns"].append({"id": page, "gid": page, "group_name": title, "language": "de"})
    qid = aid = 0
    for order, q in enumerate(cb.raw["questions"], 1):
        qid += 1
        kind = ("F" if q.get("items") and q["type"] in ("single", "likert") else
                _LSS_TYPE["single" if q["type"] == "personal" and q.get("scale") else q["type"]])  # fmt: skip
        tables["questions"].append({"qid": qid, "parent_qid": 0, "sid": sid, "gid": q["page"], "type": kind,
                                    "title": q["id"], "other": "N", "mandatory": "Y" if q.get("required") else "N",
                                    "question_order": order, "scale_id": 0})  # fmt: skip
        tables["question_l10ns"].append(
            {"id": qid, "qid": qid, "question": q.get("text_de", q["label_de"]), "language": "de"}
        )
        parent = qid
        for n, it in enumerate(q.get("items", []), 1):
            qid += 1
            tables["subquestions"].append({"qid": qid, "parent_qid": parent, "sid": sid, "gid": q["page"], "type": "T",
                                           "title": it["sq"], "question_order": n, "scale_id": 0})  # fmt: skip
            tables["question_l10ns"].append({"id": qid, "qid": qid, "question": it["label_de"], "language": "de"})
        if q.get("scale") and q["type"] != "multi":
            for n, (code, label) in enumerate(cb.scales[q["scale"]].codes.items(), 1):
                aid += 1
                tables["answers"].append({"aid": aid, "qid": parent, "code": code, "sortorder": n, "scale_id": 0})
                tables["answer_l10ns"].append({"id": aid, "aid": aid, "answer": label, "language": "de"})
    doc = ET.Element("document")
    ET.SubElement(doc, "LimeSurveyDocType").text = "Survey"
    ET.SubElement(doc, "DBVersion").text = "496"
    ET.SubElement(ET.SubElement(doc, "languages"), "language").text = "de"
    for name, rows in tables.items():
        if not rows:
            continue
        section = ET.SubElement(doc, name)
        fields = ET.SubElement(section, "fields")
        for key in rows[0]:
            ET.SubElement(fields, "fieldname").text = key
        body = ET.SubElement(section, "rows")
        for row in rows:
            element = ET.SubElement(body, "row")
            for key, value in row.items():
                ET.SubElement(element, key).text = str(value)
    ET.indent(doc, space=" ")
    return files.write_text(
        path, '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(doc, encoding="unicode") + "\n"
    )
