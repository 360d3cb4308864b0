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

TYPES = ["Bedächtige", "Optimierer", "Serviceorientierte", "Community Manager"]

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


def simulate(
    n: int,
    seed: int,
    export_format: str = "limesurvey",
    register_path: Path | None = None,
    population: pd.DataFrame | None = None,
):
    """Simulate `n` exported rows. Returns (export frame, truth rows, Truth). With `population`
    (from `population()`), the units and their answers are drawn from that fixed finite
    population instead of being generated for this survey."""
    if export_format not in ("limesurvey", "forms"):
        raise ValueError(f"unknown format {export_format!r}")
    if n < 20:
        raise ValueError("n must be at least 20")
    rng = np.random.default_rng(seed)
    cb = codebook.load()
    truth = Truth(seed=seed, n=n, export_format=export_format)
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
    export = _to_limesurvey(answers, cb) if export_format == "limesurvey" else _to_forms(answers, cb)
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
    out, seen = [], set()
    for t in unit_type:
        while True:
            name = rng.choice(stems) + rng.choice(ends)
            if rng.random() < 0.3:
                name = f"{name} {rng.choice(['am See', 'an der Aue', 'im Tal', 'bei Rosenberg'])}"
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
    return a


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


def _to_limesurvey(a: pd.DataFrame, cb: codebook.Codebook) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "id": a["id"].astype(str),
            "submitdate": a["submitdate"].dt.strftime("%Y-%m-%d %H:%M:%S").fillna(""),
            "lastpage": a["lastpage"].astype(int).astype(str),
            "startlanguage": "de",
            "seed": [str(1_000_000 + 7919 * i % 9_000_000) for i in a["id"]],
            "startdate": a["startdate"].dt.strftime("%Y-%m-%d %H:%M:%S"),
            "datestamp": a["submitdate"].fillna(a["startdate"]).dt.strftime("%Y-%m-%d %H:%M:%S"),
        }
    )
    src = a
    for v in cb.variables:
        out[v.limesurvey_column] = [_cell(v, val, last >= v.page) for val, last in zip(src[v.name], src["lastpage"])]
    out["interviewtime"] = a["interviewtime"].map(lambda x: f"{x:.2f}")
    return out


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
            out[vs[0].forms_column] = [
                "".join(f"{lab};" for lab, col in zip(labels, vs) if row[col.name]) for _, row in src.iterrows()
            ]
            continue
        for v in vs:
            codes = [_cell(v, val, True) for val in src[v.name]]
            lab = cb.value_labels(v.name)
            out[v.forms_column] = [lab.get(c, c) if v.scale else c for c in codes]
    return out


def write_export(export: pd.DataFrame, truth_rows: pd.DataFrame, truth: Truth, out: Path) -> list[Path]:
    """Write the export as the survey tool would, plus truth and provenance sidecars."""
    out = Path(out)
    if truth.export_format == "limesurvey":
        files.write_with(
            out,
            lambda tmp: export.to_csv(
                tmp, sep=";", index=False, quoting=csv.QUOTE_ALL, lineterminator="\r\n", encoding="utf-8-sig"
            ),
        )
    else:
        files.write_with(out, lambda tmp: export.to_excel(tmp, sheet_name="Form1", index=False, engine="openpyxl"))
    stem = out.with_name(out.name.split(".")[0])
    truth_csv = files.write_csv(truth_rows, truth_path(out))
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
        "frame": truth.frame,
        "file": out.name,
        "sha256": files.sha256(out),
        "truth": [truth_csv.name, truth_json.name],
    }
    prov = files.write_text(provenance_path(out), json.dumps(provenance, ensure_ascii=False, indent=2) + "\n")
    return [out, truth_csv, truth_json, prov]


def truth_path(export: Path) -> Path:
    """Where `write_export` puts the per-row truth of an export."""
    export = Path(export)
    return export.with_name(export.name.split(".")[0] + ".truth.csv")


def provenance_path(export: Path) -> Path:
    """The provenance sidecar of an export: `<file>.provenance.json`."""
    export = Path(export)
    return export.with_name(export.name + ".provenance.json")


def default_register() -> Path | None:
    """The shared register when it lies beside the project, else None (synthetic frame)."""
    return config.SHARED_REGISTER if config.SHARED_REGISTER.is_file() else None
