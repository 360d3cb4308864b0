"""A small Destatis "Auszug GV" workbook in the real layout, written by the tests themselves."""

from __future__ import annotations

from pathlib import Path

import openpyxl

HEADER = [
    ["Satz-art", "Text-kenn-zeichen", "Amtlicher Regionalschlüssel (ARS)", None, None, None, None, "Gemeindename",
     "Fläche km2 1)", "Bevölkerung auf Grundlage des Zensus 20112)", None, None, None, "Postleit-zahl3)",
     "Geografische Mittelpunktkoordinaten", None, "Reisegebiete", None, "Grad der Verstädterung", None],
    [None, None, "Land", "RB", "Kreis", "VB", "Gem", None, None, "insgesamt", "männlich", "weiblich", "je km2", None,
     "Längengrad", "Breitengrad", None, None, None, None],
    [None, None, "Gebietsstand am 31.12.2023 (4. Quartal)", None, None, None, None, None, "31.12.2022 (Jahr)",
     "am 31.12.2022 (Jahr)", None, None, None, None, "Zuordnungsstand am 31.12.2022", None, "Schlüssel",
     "Bezeichnung", "Schlüssel", "Bezeichnung"],
]  # fmt: skip
URBAN = {"1": ("01", "dicht besiedelt"), "2": ("02", "mittlere Besiedlungsdichte"), "3": ("03", "gering besiedelt")}

# (Satzart, TK, Land, RB, Kreis, VB, Gem, name, area, population, postcode, urbanisation)
RECORDS = [
    ("10", None, "01", None, None, None, None, "Schleswig-Holstein"),
    ("40", "41", "01", "0", "02", None, None, "Kiel, Landeshauptstadt"),
    ("50", "50", "01", "0", "02", "0000", None, "Kiel, Landeshauptstadt"),
    ("60", "61", "01", "0", "02", "0000", "000", "Kiel, Landeshauptstadt", "118.65", "248873", "24103", "1"),
    ("40", "44", "01", "0", "51", None, None, "Dithmarschen"),
    ("50", "51", "01", "0", "51", "5163", None, "Burg-St. Michaelisdonn"),
    ("60", "64", "01", "0", "51", "5163", "011", "Burg (Dithmarschen)", "17.5", "4100", "25712", "3"),
    ("60", "64", "01", "0", "51", "5163", "060", "Kleve", "12.1", "520", "25554", "3"),
    ("60", "66", "01", "0", "51", "5163", "105", "Sachsenwald (Forstgutsbez.),gemfr.Geb.", "58.49", "0", "21521", "3"),
    ("40", "44", "01", "0", "61", None, None, "Steinburg"),
    ("50", "50", "01", "0", "61", "0052", None, "Kleve"),
    ("60", "64", "01", "0", "61", "0052", "052", "Kleve", "9.0", "1450", "25554", "3"),
    ("10", None, "03", None, None, None, None, "Niedersachsen"),
    ("40", "44", "03", "3", "51", None, None, "Celle"),
    ("50", "50", "03", "3", "51", "0005", None, "Bergen, Stadt"),
    ("60", "63", "03", "3", "51", "0005", "005", "Bergen, Stadt", "163.0", "13100", "29303", "2"),
    ("10", None, "05", None, None, None, None, "Nordrhein-Westfalen"),
    ("40", "44", "05", "7", "54", None, None, "Gütersloh"),
    ("50", "50", "05", "7", "54", "0016", None, "Halle (Westf.), Stadt"),
    ("60", "63", "05", "7", "54", "0016", "016", "Halle (Westf.), Stadt", "69.1", "21700", "33790", "2"),
    ("10", None, "06", None, None, None, None, "Hessen"),
    ("40", "41", "06", "4", "12", None, None, "Frankfurt am Main, Stadt"),
    ("50", "50", "06", "4", "12", "0000", None, "Frankfurt am Main, Stadt"),
    ("60", "61", "06", "4", "12", "0000", "000", "Frankfurt am Main, Stadt", "248.31", "773068", "60311", "1"),
    ("40", "44", "06", "6", "33", None, None, "Kassel"),
    ("50", "50", "06", "6", "33", "0001", None, "Ahnatal"),
    ("60", "64", "06", "6", "33", "0001", "001", "Ahnatal", "18.4", "8000", "34292", "2"),
    ("40", "41", "06", "6", "11", None, None, "Kassel, documenta-Stadt"),
    ("50", "50", "06", "6", "11", "0000", None, "Kassel, documenta-Stadt"),
    ("60", "61", "06", "6", "11", "0000", "000", "Kassel, documenta-Stadt", "106.8", "204687", "34117", "1"),
    ("10", None, "09", None, None, None, None, "Bayern"),
    ("40", "44", "09", "5", "75", None, None, "Neustadt a.d.Aisch-Bad Windsheim"),
    ("50", "50", "09", "5", "75", "0153", None, "Neustadt a.d.Aisch, St"),
    ("60", "63", "09", "5", "75", "0153", "153", "Neustadt a.d.Aisch, St", "61.0", "13300", "91413", "2"),
    ("40", "44", "09", "1", "89", None, None, "Traunstein"),
    ("50", "50", "09", "1", "89", "0111", None, "Bergen"),
    ("60", "64", "09", "1", "89", "0111", "111", "Bergen", "39.0", "5000", "83346", "3"),
    ("40", "44", "09", "3", "74", None, None, "Neustadt a.d.Waldnaab"),
    ("50", "54", "09", "3", "74", "5432", None, "Neustadt a.d.Waldnaab (VGem)"),
    ("60", "63", "09", "3", "74", "5432", "147", "Neustadt a.d.Waldnaab, St", "22.0", "5800", "92660", "3"),
    ("40", "44", "09", "7", "73", None, None, "Dillingen a.d.Donau"),
    ("50", "50", "09", "7", "73", "0125", None, "Dillingen a.d.Donau, GKSt"),
    ("60", "67", "09", "7", "73", "0125", "125", "Dillingen a.d.Donau, GKSt", "75.5", "19200", "89407", "2"),
    ("10", None, "10", None, None, None, None, "Saarland"),
    ("40", "44", "10", "0", "45", None, None, "Saarpfalz-Kreis"),
    ("50", "50", "10", "0", "45", "0116", None, "St. Ingbert, Stadt"),
    ("60", "63", "10", "0", "45", "0116", "116", "St. Ingbert, Stadt", "49.9", "35400", "66386", "2"),
    ("10", None, "12", None, None, None, None, "Brandenburg"),
    ("40", "41", "12", "0", "53", None, None, "Frankfurt (Oder), Stadt"),
    ("50", "50", "12", "0", "53", "0000", None, "Frankfurt (Oder), Stadt"),
    ("60", "61", "12", "0", "53", "0000", "000", "Frankfurt (Oder), Stadt", "147.85", "57015", "15230", "2"),
    ("10", None, "13", None, None, None, None, "Mecklenburg-Vorpommern"),
    ("40", "44", "13", "0", "73", None, None, "Vorpommern-Rügen"),
    ("50", "50", "13", "0", "73", "0011", None, "Bergen auf Rügen, Stadt"),
    ("60", "63", "13", "0", "73", "0011", "011", "Bergen auf Rügen, Stadt", "40.0", "13300", "18528", "2"),
    ("10", None, "15", None, None, None, None, "Sachsen-Anhalt"),
    ("40", "41", "15", "0", "02", None, None, "Halle (Saale), Stadt"),
    ("50", "50", "15", "0", "02", "0000", None, "Halle (Saale), Stadt"),
    ("60", "61", "15", "0", "02", "0000", "000", "Halle (Saale), Stadt", "135.0", "242172", "06108", "1"),
]  # fmt: skip
N_GEMEINDEN = 17  # Satzart 60 without the gemeindefreies Gebiet


def write(path: Path, sheet: str = "Onlineprodukt_Gemeinden31122023") -> Path:
    book = openpyxl.Workbook()
    book.active.title = "Inhalt"
    book.active["A1"] = "Gemeindeverzeichnis (Testauszug)"
    ws = book.create_sheet(sheet)
    ws.append(["Gemeinden in Deutschland nach Fläche, Bevölkerung und Postleitzahl am 31.12.2023 (4. Quartal)"])
    ws.append([])
    for row in HEADER:
        ws.append(row)
    ws.append([])
    for rec in RECORDS:
        sa, tk, land, rb, kreis, vb, gem, name, *rest = rec
        row = [sa, tk, land, rb, kreis, vb, gem, name] + [None] * 12
        if rest:
            area, pop, plz, urb = rest
            row[8], row[9], row[13] = float(area), int(pop), plz
            row[18], row[19] = URBAN[urb]
        ws.append(row)
    ws.append([])
    ws.append(["© Daten (im Auftrag der Herausgebergemeinschaft Statistische Ämter des Bundes und der Länder)"])
    book.save(path)
    return path
