"""The good examples for organisers: the catalogue by category (HTML and Excel) and the table of
who can learn from whom (Excel), each stating the data status. Coding, consent-safe
descriptions and the pairing of planners with peers are `analysis.examples`."""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from .. import codebook, config, examples, files, fmt, settings
from ..examples import (
    OTHER_LAND_PENALTY,
    OTHER_TYPE_PENALTY,
    PEERS_PER_PLANNER,
    SIMILAR_SIZE_FACTOR,
    categories,
    category_counts,
    exchange_summary,
    who,
)
from . import labels, status


def profile_text(unit_type, size_class, land) -> str:
    """ "kreisangehörige Stadt oder Gemeinde, 10.000 bis unter 20.000 Einwohner, Bayern"; parts
    left out (missing) are skipped."""
    parts = [unit_type, None if pd.isna(size_class) else f"{size_class} Einwohner", land]
    return ", ".join(str(p) for p in parts if p is not None and not pd.isna(p)) or "Kommune"


def category_table(coding: pd.DataFrame) -> pd.DataFrame:
    """`category_counts` for reading: German headers, counts below `settings.MIN_CELL_N` as "–"."""
    counts = category_counts(coding)
    return pd.DataFrame(
        {
            "Kategorie": counts["label"],
            "Bereich": counts["group"].replace("", "–"),
            "Beispiele (Kommunen)": [fmt.number(n) if n >= settings.MIN_CELL_N else "–" for n in counts["n"]],
        }  # fmt: skip
    )


CATALOGUE_COLUMNS = {
    "label": "Kategorie",
    "group": "Bereich",
    "name": "Kommune",
    "unit_type": "Art der Kommune",
    "size_class": "Größenklasse (Einwohner)",
    "land": "Bundesland",
    "kommunentyp": "Kommunentyp",
    "text": "Beispiel",
    "matched": "Gefundene Begriffe",
}


def catalogue(responses: pd.DataFrame, coding: pd.DataFrame, members: pd.Series, consented: frozenset,
              margins: pd.DataFrame) -> pd.DataFrame:  # fmt: skip
    """One row per example and category, categories by frequency ("other" last), named
    examples first; German column names (`CATALOGUE_COLUMNS`). Answers that name no practice
    (`examples.is_example`) are left out."""
    w = who(responses, consented, margins).assign(
        response_id=responses["response_id"].astype("string"),
        text=responses["good_example_text"].astype("string").str.strip(),
        kommunentyp=members.reindex(responses.index).astype("string"),
    )
    table = shown_coding(coding, responses).merge(w, on="response_id", how="left")
    cats = categories()
    table["label"] = table["category"].map(lambda k: cats[k].label).astype("string")
    table["group"] = table["category"].map(lambda k: cats[k].group or "–").astype("string")
    rank = {k: i for i, k in enumerate(category_counts(coding)["category"])}
    table["_rank"] = table["category"].astype(str).map(rank)
    table["_id"] = pd.to_numeric(table["response_id"], errors="coerce")
    table = table.sort_values(["_rank", "named", "name", "_id"], ascending=[True, False, True, True], kind="stable")
    return table[list(CATALOGUE_COLUMNS)].rename(columns=CATALOGUE_COLUMNS).reset_index(drop=True)


def shown_coding(coding: pd.DataFrame, responses: pd.DataFrame) -> pd.DataFrame:
    """The rows of `coding` whose answer is an example (`examples.is_example`)."""
    texts = dict(zip(responses["response_id"].astype(str), responses["good_example_text"].astype("string")))
    return coding[[examples.is_example(texts.get(str(rid))) for rid in coding["response_id"]]]


def count_text(n: int) -> str:
    """ "12 Beispiele", or "weniger als 3 Beispiele" (small counts are not shown)."""
    return f"weniger als {settings.MIN_CELL_N} Beispiele" if n < settings.MIN_CELL_N else f"{fmt.number(n)} Beispiele"


def catalogue_html(table: pd.DataFrame, *, title: str, status: str, left_out: int = 0) -> str:
    """The catalogue as a self-contained German HTML page, grouped by category, with pick
    lists to filter by category and Land (an inline script; the page requests nothing);
    `left_out`: answers that are no example, said on the page."""
    e = html.escape
    sections, toc = [], []
    for i, (cat, rows) in enumerate(table.groupby("Kategorie", sort=False), 1):
        n = len(rows)
        toc.append(f'<li><a href="#k{i}">{e(cat)}</a> ({e(count_text(n))})</li>')
        items = []
        for r in rows.to_dict("records"):
            meta = profile_text(r["Art der Kommune"], r["Größenklasse (Einwohner)"], r["Bundesland"])
            kt = "" if pd.isna(r["Kommunentyp"]) else f" · Kommunentyp {e(r['Kommunentyp'])}"
            found = f'<p class="terms">Gefunden: {e(r["Gefundene Begriffe"])}</p>' if r["Gefundene Begriffe"] else ""
            land = "" if pd.isna(r["Bundesland"]) else r["Bundesland"]
            items.append(
                f'<li data-land="{e(land)}"><blockquote><p>{e(r["Beispiel"])}</p></blockquote><p class="who">'
                f"<strong>{e(r['Kommune'])}</strong> · {e(meta)}{kt}</p>{found}</li>"
            )
        sections.append(f'<section data-category="k{i}">\n<h2 id="k{i}">{e(cat)} <small>({e(count_text(n))})</small></h2>\n'
                        '<ul class="examples">\n' + "\n".join(items) + "\n</ul>\n</section>")  # fmt: skip
    categories = "".join(f'<option value="k{i}">{e(c)}</option>' for i, c in enumerate(table["Kategorie"].unique(), 1))
    laender = [land for land in codebook.load().scales["land"].codes.values() if (table["Bundesland"] == land).any()]
    lands = "".join(f'<option value="{e(land)}">{e(land)}</option>' for land in laender)
    skipped = (f" {fmt.number(left_out)} Antworten nennen kein Beispiel (etwa „Siehe unsere Website.“ oder nur ein "
               "Kontaktangebot) und stehen nicht im Katalog." if left_out else "")  # fmt: skip
    return f"""<!DOCTYPE html>
<html lang="de">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<meta name="robots" content="noindex" />
<title>{e(title)}</title>
<style>
body {{ font-family: "Source Sans Pro", Helvetica, Arial, sans-serif; font-size: 18px; color: #1a1a1a; background: #fff; max-width: 60em; margin: 2em auto; padding: 0 1em; line-height: 1.4; }}
a {{ color: #0b4f9c; }}
.notice {{ border-left: 0.4em solid #b3261e; background: #fde8e6; padding: 0.4em 0.8em; font-weight: 600; }}
ul.examples {{ list-style: none; padding: 0; }}
ul.examples li {{ border-bottom: 1px solid #8c8c8c; padding: 0.4em 0; }}
blockquote {{ margin: 0 0 0.2em 0; font-style: italic; }}
.who, .terms {{ margin: 0; font-size: 0.9em; }}
.terms {{ color: #444; }}
form.filter {{ background: #f2f2f2; padding: 0.6em 0.8em; margin: 1em 0; }}
form.filter label {{ font-weight: 600; margin-right: 0.3em; }}
form.filter select {{ font-size: 1em; margin: 0.2em 1em 0.2em 0; max-width: 100%; }}
</style>
</head>
<body>
<main>
<h1>{e(title)}</h1>
<p class="notice">{e(status)}</p>
<p>{e(CATALOGUE_RULES + skipped)}</p>
<form class="filter" aria-label="Beispiele filtern" onsubmit="return false">
<label for="filter-category">Kategorie</label>
<select id="filter-category"><option value="">alle Kategorien</option>{categories}</select>
<label for="filter-land">Land</label>
<select id="filter-land"><option value="">alle Länder</option>{lands}</select>
<p id="filter-count" aria-live="polite"></p>
<p class="terms">Beispiele, deren Land nicht genannt wird (zu wenige Kommunen dieser Art im Land), erscheinen nur ohne Land-Filter.</p>
</form>
<h2>Kategorien</h2>
<ul>
{chr(10).join(toc)}
</ul>
{chr(10).join(sections)}
</main>
<script>
(function () {{
  var category = document.getElementById("filter-category"), land = document.getElementById("filter-land");
  var count = document.getElementById("filter-count");
  function apply() {{
    var shown = 0;
    document.querySelectorAll("section[data-category]").forEach(function (section) {{
      var visible = 0;
      section.querySelectorAll("li[data-land]").forEach(function (item) {{
        var ok = !land.value || item.dataset.land === land.value;
        item.hidden = !ok;
        if (ok) {{ visible += 1; }}
      }});
      section.hidden = (category.value && section.dataset.category !== category.value) || visible === 0;
      if (!section.hidden) {{ shown += visible; }}
    }});
    count.textContent = shown + " Einträge angezeigt";
  }}
  category.addEventListener("change", apply);
  land.addEventListener("change", apply);
  apply();
}})();
</script>
</body>
</html>
"""


CATALOGUE_RULES = (
    "Gute Beispiele aus der Umfrage, nach Kategorien eines Wörterbuchs geordnet (Angebote aus Abschnitt D "
    "und organisatorische Themen; ein Beispiel kann in mehreren Kategorien stehen, „Gefunden“ nennt die "
    "Begriffe, die zur Zuordnung führten). Personenbezogene Angaben sind entfernt. Kommunen sind nur "
    "namentlich genannt, wenn die Antwortenden zugestimmt haben; sonst sind Art, Größenklasse und Land "
    f"nur so genau angegeben, dass mindestens {settings.MIN_CELL_N} Kommunen laut Gemeindeverzeichnis "
    f"darauf passen. Anzahlen unter {settings.MIN_CELL_N} werden nicht ausgewiesen."
)


def shown_counts(summary: pd.DataFrame) -> pd.DataFrame:
    """`exchange_summary` for reading: German headers (`labels.EXCHANGE_SUMMARY`), counts below
    `settings.MIN_CELL_N` as "–"."""
    out = summary.rename(columns=labels.EXCHANGE_SUMMARY)[list(labels.EXCHANGE_SUMMARY.values())]
    for col in list(labels.EXCHANGE_SUMMARY.values())[1:]:
        out[col] = [fmt.number(n) if n >= settings.MIN_CELL_N else "–" for n in out[col]]
    return out


def peer_column(rank: int) -> str:
    """Header of the exchange table's `rank`-th peer column."""
    return f"Vorbild {rank}: betreibt das Angebot (Name: Profil)"


def exchange_table(pairs: pd.DataFrame, responses: pd.DataFrame, consented: frozenset,
                   margins: pd.DataFrame) -> pd.DataFrame:  # fmt: skip
    """The organisers' table: one row per offering and planner, with up to
    `PEERS_PER_PLANNER` peers. Planners are named only with consent; the others are given by
    response id (to be looked up in the personal contacts for an invitation) and a coarsened
    profile. Peers are named (they consented)."""
    w = who(responses, consented, margins)
    w.index = responses["response_id"].astype(str)
    profile = pd.Series([profile_text(k.unit_type, k.size_class, k.land) for k in w.itertuples()], index=w.index)
    offer_labels = {v.item_key: v.item_label_de for v in codebook.load().question("D01")}
    rows: dict[tuple[str, str], dict] = {}
    for t in pairs.itertuples(index=False):
        row = rows.setdefault((t.offer, t.planner_id), {
            "Angebot": offer_labels[t.offer], "Stand bei der planenden Kommune": t.planner_status,
            "Antwort-ID": t.planner_id, "Planende Kommune": w.at[t.planner_id, "name"],
            "Profil der planenden Kommune": profile[t.planner_id],
            **{peer_column(k): "" for k in range(1, PEERS_PER_PLANNER + 1)},
        })  # fmt: skip
        if not pd.isna(t.peer_id):
            similar = " (ähnliche Größe)" if t.similar_size else ""
            row[peer_column(t.rank)] = f"{w.at[t.peer_id, 'name']}: {profile[t.peer_id]}{similar}"  # consented: full
    return pd.DataFrame(list(rows.values()))


EXCHANGE_RULES = (
    "Für jede Kommune, die ein Angebot plant oder umsetzt: bis zu "
    f"{PEERS_PER_PLANNER} Kommunen derselben Art (Gemeinde/Stadt, Landkreis, Gemeindeverband), die es schon "
    "betreiben und der Nennung zugestimmt haben, die ähnlichsten zuerst (Abstand = Unterschied der "
    f"Einwohnerzahl in Verdopplungen + {fmt.number(OTHER_LAND_PENALTY, 1)} für ein anderes Land + "
    f"{fmt.number(OTHER_TYPE_PENALTY, 1)} für einen anderen Kommunentyp). „Ähnliche Größe“: höchstens "
    f"{fmt.number(SIMILAR_SIZE_FACTOR, 0)}-mal so groß oder halb so groß. Planende Kommunen ohne Einverständnis "
    "stehen nur mit Antwort-ID und grobem Profil in der Tabelle; die Antwort-ID führt zu den Kontaktdaten, "
    "die getrennt von den Analysedaten liegen."
)


def write_outputs(responses: pd.DataFrame, coding: pd.DataFrame, pairs: pd.DataFrame, members: pd.Series,
                  consented: frozenset, margins: pd.DataFrame, reports: Path, status: str) -> list[Path]:  # fmt: skip
    """The catalogue (HTML and Excel) and the exchange table (Excel) for organisers, in
    `reports/config.EXAMPLES_DIR`."""
    folder = Path(reports) / config.EXAMPLES_DIR
    when = files.data_time(responses)
    title = f"Gute Beispiele: {codebook.load().title_de}"
    table = catalogue(responses, coding, members, consented, margins)
    shown = shown_coding(coding, responses)
    left_out = coding["response_id"].nunique() - shown["response_id"].nunique()
    notes = pd.DataFrame({"Hinweis": [status, CATALOGUE_RULES, EXCHANGE_RULES]})
    summary = shown_counts(exchange_summary(pairs, responses, consented))
    return [
        files.write_text(
            folder / config.CATALOGUE_HTML, catalogue_html(table, title=title, status=status, left_out=left_out)
        ),
        files.write_workbook(
            {"Katalog": table, "Kategorien": category_table(shown), "Hinweise": notes},
            folder / config.CATALOGUE_XLSX,
            when,
        ),
        files.write_workbook(
            {
                "Je Angebot": summary,
                "Austausch": exchange_table(pairs, responses, consented, margins),
                "Hinweise": notes,
            },
            folder / config.EXCHANGE_XLSX,
            when,
        ),
    ]


def write(result: examples.Result, reports: Path | None) -> list[Path]:
    """`write_outputs` for the result of `examples.run`, stating its data status.
    `None` (a notebook run in the lab, `config.lab_output`): nothing is written."""
    if reports is None:
        return []
    r = result
    return write_outputs(r.responses, r.coding, r.pairs, r.members, r.consented, r.margins, reports,
                         status.status_text(r.provenance))  # fmt: skip
