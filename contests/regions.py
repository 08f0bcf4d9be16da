"""National province / prefecture / county table and the poverty-area flags derived from a county code.

The CSV files live in contests/data (sources in contests/data/README.md). They are read once per process
(functools.cache) and kept in memory: about 3,300 rows.

The flags are meant for the contestant's *home county* as chosen from this table, not for the first six
digits of the ID number: an ID keeps the code of the place where it was first issued, which may be old.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources

# Names of the placeholder "prefectures" of municipalities and of counties directly under a province:
# they are not place names and are left out of a displayed address.
_PLACEHOLDER_CITY_NAMES = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})


@dataclass(frozen=True)
class Province:
    code: str  # 2 digits
    name: str


@dataclass(frozen=True)
class City:
    code: str  # 4 digits
    name: str
    province_code: str


@dataclass(frozen=True)
class County:
    code: str  # 6 digits
    name: str
    city_code: str
    province_code: str


@dataclass(frozen=True)
class RegionNames:
    province: str
    city: str
    county: str

    @property
    def has_real_city(self) -> bool:
        """False for municipalities (市辖区) and counties directly under a province: no prefecture name."""
        return self.city not in _PLACEHOLDER_CITY_NAMES

    @property
    def prefecture(self) -> str:
        """The prefecture's name, or the province's where there is no real prefecture ('北京市')."""
        return self.city if self.has_real_city else self.province

    @property
    def display(self) -> str:
        """'北京市东城区', '四川省凉山彝族自治州昭觉县': skips placeholder prefectures such as 市辖区,
        and says a prefecture-level city without counties once ('广东省东莞市', not '东莞市东莞市')."""
        city = self.city if self.has_real_city and self.city != self.county else ""
        return f"{self.province}{city}{self.county}"


@dataclass(frozen=True)
class SanquUnit:
    """One row of sanqu_sanzhou.csv: a province, prefecture or county of the 三区三州."""

    group: str  # e.g. '三区:西藏自治区', '三区:四省藏区', '三州'
    province: str
    unit: str
    level: str  # 'province' | 'prefecture' | 'county'
    code: str  # 2, 4 or 6 digits


@dataclass(frozen=True)
class _Table:
    provinces: dict[str, Province]
    cities: dict[str, City]
    counties: dict[str, County]
    cities_by_province: dict[str, tuple[City, ...]]
    counties_by_city: dict[str, tuple[County, ...]]
    unlifted_52: frozenset[str]
    sanqu_units: tuple[SanquUnit, ...]


def _rows(*parts: str) -> list[dict[str, str]]:
    text = resources.files(__package__).joinpath("data", *parts).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


@cache
def _table() -> _Table:
    provinces = {r["code"]: Province(r["code"], r["name"]) for r in _rows("regions", "provinces.csv")}
    cities = {
        r["code"]: City(r["code"], r["name"], r["provinceCode"]) for r in _rows("regions", "cities.csv")
    }
    counties = {
        r["code"]: County(r["code"], r["name"], r["cityCode"], r["provinceCode"])
        for r in _rows("regions", "areas.csv")
    }
    by_province: dict[str, list[City]] = {}
    for c in cities.values():
        by_province.setdefault(c.province_code, []).append(c)
    by_city: dict[str, list[County]] = {}
    for a in counties.values():
        by_city.setdefault(a.city_code, []).append(a)
    sanqu = tuple(
        SanquUnit(r["group"], r["province"], r["unit"], r["level"], r["code"])
        for r in _rows("sanqu_sanzhou.csv")
    )
    return _Table(
        provinces=provinces,
        cities=cities,
        counties=counties,
        cities_by_province={k: tuple(v) for k, v in by_province.items()},
        counties_by_city={k: tuple(v) for k, v in by_city.items()},
        unlifted_52=frozenset(r["code"] for r in _rows("unlifted_counties_2020.csv")),
        sanqu_units=sanqu,
    )


def provinces() -> tuple[Province, ...]:
    """The 31 mainland provincial units, in code order."""
    return tuple(_table().provinces.values())


def cities_of(province_code: str) -> tuple[City, ...]:
    return _table().cities_by_province.get(province_code, ())


def counties_of(city_code: str) -> tuple[County, ...]:
    return _table().counties_by_city.get(city_code, ())


def province(code: str) -> Province | None:
    return _table().provinces.get(code[:2])


def county(code: str) -> County | None:
    return _table().counties.get(code)


def county_exists(code: str) -> bool:
    """True for a 6-digit code in the 2023 table (usable as `region_exists` for check_id_number)."""
    return code in _table().counties


def lookup(code: str) -> RegionNames | None:
    """Province, prefecture and county names of a 6-digit county code, or None if unknown."""
    t = _table()
    a = t.counties.get(code)
    if a is None:
        return None
    return RegionNames(t.provinces[a.province_code].name, t.cities[a.city_code].name, a.name)


def is_development_zone(code: str) -> bool:
    """Digits 5-6 in 71-79 mark development zones: statistical units, not GB/T 2260 counties."""
    return len(code) == 6 and code.isdigit() and 71 <= int(code[4:6]) <= 79


def unlifted_52_codes() -> frozenset[str]:
    return _table().unlifted_52


def is_unlifted_52(code: str) -> bool:
    """One of the 52 counties not yet lifted out of poverty in 2020 (挂牌督战县)."""
    return code in _table().unlifted_52


def sanqu_sanzhou_unit(code: str) -> SanquUnit | None:
    """The most specific 三区三州 unit containing the county, or None.

    木里 (513422) is listed on its own under 四川藏区 and also lies in 凉山州 (5134); the county row wins,
    so 木里 is counted once, under 四川藏区, as the source list does.
    """
    if len(code) != 6:
        return None
    matches = [u for u in _table().sanqu_units if code.startswith(u.code)]
    return max(matches, key=lambda u: len(u.code), default=None)


def in_sanqu_sanzhou(code: str) -> bool:
    """Whether a 6-digit county code lies in the 三区三州 (whole Tibet, listed prefectures and counties)."""
    return sanqu_sanzhou_unit(code) is not None


def sanqu_sanzhou_counties() -> frozenset[str]:
    """Codes of all counties of the table in the 三区三州; a set, so 木里 is in it once.

    Development zones are left out: they lie inside the area but are not counties.
    """
    return frozenset(c for c in _table().counties if in_sanqu_sanzhou(c) and not is_development_zone(c))
