import csv
from datetime import date
from pathlib import Path

from contests import regions
from contests.idnumber import check_id_number, make_id_number

DATA = Path(regions.__file__).parent / "data"


def test_data_files_are_shipped_with_their_sources():
    for name in ["regions/provinces.csv", "regions/cities.csv", "regions/areas.csv", "regions/LICENSE"]:
        assert (DATA / name).is_file(), name
    assert "modood/Administrative-divisions-of-China" in (DATA / "regions/SOURCE.md").read_text("utf-8")
    readme = (DATA / "README.md").read_text("utf-8")
    assert "unlifted_counties_2020.csv" in readme and "sanqu_sanzhou.csv" in readme


def test_exactly_52_unlifted_counties_all_in_the_table():
    with open(DATA / "unlifted_counties_2020.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 52
    assert len(regions.unlifted_52_codes()) == 52
    for row in rows:
        assert row["source"], row["code"]  # every row keeps its source
        names = regions.lookup(row["code"])
        assert names is not None, row["code"]
        assert (names.province, names.city, names.county) == (
            row["province"],
            row["prefecture"],
            row["county"],
        )
        assert regions.is_unlifted_52(row["code"])


def test_unlifted_flag():
    assert regions.is_unlifted_52("513431")  # 昭觉县
    assert not regions.is_unlifted_52("513401")  # 西昌市
    assert not regions.is_unlifted_52("5134")


def test_sanqu_sanzhou_membership():
    assert regions.in_sanqu_sanzhou("540102")  # 拉萨市城关区: the whole of Tibet
    assert regions.in_sanqu_sanzhou("542527")  # 阿里地区措勤县
    assert regions.in_sanqu_sanzhou("513431")  # 凉山州昭觉县
    assert regions.in_sanqu_sanzhou("513422")  # 木里
    assert regions.in_sanqu_sanzhou("653125")  # 喀什地区莎车县
    assert regions.in_sanqu_sanzhou("533323")  # 怒江州福贡县
    assert regions.in_sanqu_sanzhou("620623")  # 天祝藏族自治县, a county-level unit
    assert not regions.in_sanqu_sanzhou("620621")  # 民勤县, same prefecture as 天祝
    assert not regions.in_sanqu_sanzhou("110101")  # 北京市东城区
    assert not regions.in_sanqu_sanzhou("650102")  # 乌鲁木齐市天山区: northern Xinjiang
    assert not regions.in_sanqu_sanzhou("54")  # only county codes are asked about


def test_muli_is_counted_once_under_sichuan_tibetan_areas():
    unit = regions.sanqu_sanzhou_unit("513422")
    assert unit is not None and unit.unit == "木里藏族自治县" and unit.group == "三区:四省藏区"
    assert regions.sanqu_sanzhou_unit("513431").unit == "凉山彝族自治州"
    sichuan = {c for c in regions.sanqu_sanzhou_counties() if c.startswith("51")}
    aba, ganzi, liangshan = (len(regions.counties_of(p)) for p in ("5132", "5133", "5134"))
    assert len(sichuan) == aba + ganzi + liangshan  # 木里 is in 凉山's count and nowhere else
    assert "513422" in sichuan


def test_sanqu_sanzhou_counties_leave_out_development_zones():
    counties = regions.sanqu_sanzhou_counties()
    assert "540102" in counties
    assert "540172" not in counties  # 拉萨经济技术开发区
    assert regions.in_sanqu_sanzhou("540172")  # ... though it does lie in Tibet


def test_development_zones():
    assert regions.is_development_zone("540172")
    assert regions.is_development_zone("130171")
    assert not regions.is_development_zone("110101")
    assert not regions.is_development_zone("513431")
    assert not regions.is_development_zone("5401")


def test_province_city_county_chain():
    provinces = regions.provinces()
    assert len(provinces) == 31
    assert (provinces[0].code, provinces[0].name) == ("11", "北京市")
    cities = {c.code: c.name for c in regions.cities_of("51")}
    assert cities["5134"] == "凉山彝族自治州"
    counties = {c.code: c.name for c in regions.counties_of("5134")}
    assert counties["513431"] == "昭觉县" and counties["513422"] == "木里藏族自治县"
    assert regions.cities_of("99") == () and regions.counties_of("9999") == ()


def test_every_county_hangs_off_its_province():
    total = 0
    for p in regions.provinces():
        for city in regions.cities_of(p.code):
            assert city.province_code == p.code and city.code.startswith(p.code)
            for county in regions.counties_of(city.code):
                assert county.province_code == p.code and county.code.startswith(city.code)
                total += 1
    assert total > 2900


def test_lookup_and_display():
    names = regions.lookup("513431")
    assert (names.province, names.city, names.county) == ("四川省", "凉山彝族自治州", "昭觉县")
    assert names.display == "四川省凉山彝族自治州昭觉县"
    assert regions.lookup("110101").display == "北京市东城区"
    assert regions.lookup("110101").prefecture == "北京市"
    assert regions.lookup("469001").display == "海南省五指山市"
    assert regions.lookup("441900").display == "广东省东莞市"
    assert regions.lookup("999999") is None
    assert regions.county("513431").city_code == "5134"
    assert regions.province("513431").name == "四川省"


def test_county_exists_plugs_into_id_check():
    assert regions.county_exists("513431") and not regions.county_exists("513499")
    number = make_id_number("513431", date(1995, 3, 1), 5, "M")
    assert check_id_number(number, region_exists=regions.county_exists) == []


def test_table_is_loaded_once():
    regions.provinces()
    regions.lookup("110101")
    assert regions._table() is regions._table()
    assert regions._table.cache_info().misses == 1
