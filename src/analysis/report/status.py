"""The data status every output states (simulated or real), and the register the weights come from."""

from __future__ import annotations

import pandas as pd

from .. import fmt

SIMULATED = "SIMULIERTE DATEN – keine echten Antworten von Kommunen; alle Zahlen dienen nur der Erprobung."
REAL = "Datenstand: echte Antworten der Umfrage."
#: Short forms: in captions and axis notes, in the footer of every slide.
SIMULATED_SHORT = "simulierte Daten"
FOOTER_SIMULATED = "SIMULIERTE DATEN"


#: Said loudly by a run without the official register.
NO_REGISTER = (
    "ACHTUNG: ohne Gemeindeverzeichnis – Namen werden nicht abgeglichen, die Gewichte kommen aus den Eckwerten "
    "im Projekt (data/reference). Verzeichnis angeben mit --register PFAD, make briefing REGISTER=PFAD oder "
    "ANALYSIS_REGISTER=PFAD."
)


def is_simulated(provenance: dict) -> bool:
    return bool(provenance.get("simulated"))


def status_text(provenance: dict) -> str:
    return SIMULATED if is_simulated(provenance) else REAL


def register_vintage(provenance: dict) -> str:
    reg = provenance.get("register", {})
    return fmt.date(pd.Timestamp(reg["vintage"]).date()) if reg.get("vintage") else "unbekannt"


def register_note(provenance: dict) -> str:
    """Which register the weights come from, with its source line."""
    reg = provenance.get("register", {})
    how = "Gemeindeverzeichnis" if reg.get("register_file") else "Eckwerte des Gemeindeverzeichnisses (im Projekt)"
    return f"Gewichtung: {how}, Gebietsstand {register_vintage(provenance)}. Quelle: {reg.get('source', '')}"


def fieldwork(responses: pd.DataFrame) -> str:
    started = responses["started_at"].dropna()
    return f"{fmt.date(started.min())} bis {fmt.date(started.max())}" if len(started) else "unbekannt"
