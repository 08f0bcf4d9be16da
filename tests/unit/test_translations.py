"""Every translatable string has an English translation, and the compiled catalogue is current."""

from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "app/translations/en/LC_MESSAGES/messages.po"
MO = PO.with_suffix(".mo")


def test_english_catalogue_is_complete():
    catalog = read_po(PO.open("rb"))
    untranslated = [m.id for m in catalog if m.id and not m.string]
    assert untranslated == [], "run `make translations` and translate these"


def test_compiled_catalogue_matches():
    po = {m.id: m.string for m in read_po(PO.open("rb")) if m.id}
    mo = {m.id: m.string for m in read_mo(MO.open("rb")) if m.id}
    assert po == mo, "run `pybabel compile -d app/translations`"
