"""Personal data in free text: find and remove e-mail addresses, phone numbers and names."""

from __future__ import annotations

import re
from functools import lru_cache

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
PHONE = re.compile(r"(?:(?:Tel|Telefon|Fon|Mobil)\.?:?\s*)?(?<![\d-])(?:\+49|0)[\d /()-]{5,}\d")  # not inside dates
URL_PERSONAL = re.compile(r"https?://\S*(?:xing|linkedin|facebook|instagram)\.\S+", re.IGNORECASE)
SALUTATION_NAME = re.compile(
    r"\b(?:Frau|Herr|Herrn)\s+(?:(?:Dr|Prof)\.\s+)*[A-ZÄÖÜ][\wäöüß-]+(?:\s+[A-ZÄÖÜ][\wäöüß-]+)?"
)
#: Common German first names; "<first name> <Capitalised word>" is taken for a person's name.
FIRST_NAMES = frozenset(
    """Alexander Andrea Andreas Anja Anna Birgit Christian Christina Claudia Daniel Daniela David
    Dirk Elena Emma Frank Gabriele Heike Jan Jana Jens Jörg Julia Jürgen Karin Katharina Klaus
    Lara Laura Lena Leon Lisa Lukas Maria Marie Markus Martin Martina Matthias Max Mehmet Michael
    Monika Nicole Nina Oliver Paul Peter Petra Ralf Sabine Sandra Sarah Sebastian Simone Sophie
    Stefan Stefanie Susanne Sven Thomas Tim Tobias Ulrike Ute Uwe Wolfgang Yvonne""".split()
)
_FIRST_LAST = re.compile(r"\b(" + "|".join(sorted(FIRST_NAMES)) + r")\s+[A-ZÄÖÜ][\wäöüß-]+")

PLACEHOLDERS = [
    (EMAIL, "[E-Mail entfernt]", "E-Mail-Adresse"),
    (URL_PERSONAL, "[Profil-Link entfernt]", "persönlicher Link"),
    (PHONE, "[Telefon entfernt]", "Telefonnummer"),
    (SALUTATION_NAME, "[Name entfernt]", "Personenname"),
    (_FIRST_LAST, "[Name entfernt]", "Personenname"),
]


def scrub(text: str) -> tuple[str, list[str]]:
    """Text with personal data replaced by placeholders, and the kinds of data found."""
    found = []
    for pattern, placeholder, kind in PLACEHOLDERS:
        text, n = pattern.subn(placeholder, text)
        if n:
            found.append(kind)
    return text, found


@lru_cache(maxsize=65536)
def scrubbed(text: str) -> str:
    """`text` with personal data replaced (cached: logged values repeat)."""
    return scrub(text)[0]
