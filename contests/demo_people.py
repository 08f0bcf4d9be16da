"""Deterministic synthetic contestants for demo data and tests. Every person is invented.

Names follow the naming customs of the ethnic group (Han surname + given name, Uyghur and Kazakh
given name · father's name, Tibetan two-part names, Yi clan name + given name ...), and each group lives in
the counties where it actually lives (Uyghur in 喀什/和田, Tibetan in 西藏/甘孜/阿坝, Yi in 凉山 ...), so that
the region flags, name checks and fonts are exercised the way real registrations would exercise them.
Everything comes from the `random.Random` passed in: the same seed gives the same people.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from contests import regions
from contests.eligibility import GROUP_EMPLOYEE, GROUP_STUDENT
from contests.idnumber import make_id_number

MIN_AGE, MAX_AGE = 16, 53  # the age range of the 2020 poverty-alleviation contest's 341 contestants


@dataclass(frozen=True)
class DemoPerson:
    name: str
    sex: str  # 'M' | 'F', matches the 17th digit of id_number
    ethnic_group: str  # e.g. '维吾尔族'
    id_number: str
    birth_date: date
    county_code: str  # home county, also the first 6 digits of id_number
    mobile: str
    group: str  # GROUP_EMPLOYEE | GROUP_STUDENT
    unit_name: str  # employer, or school for students
    works_in_occupation: bool
    poor_household: bool
    household_number: str  # synthetic 14 digits (county code + 8); no official format is published


@dataclass(frozen=True)
class _Profile:
    weight: int
    ethnic: str
    style: str  # 'han' (surname + given name) or one of the styles in _NAMERS
    prefixes: tuple[str, ...]  # county codes start with one of these
    surnames: str = ""  # for 'han' style: the group's common surnames; empty = national distribution


def _p(weight: int, ethnic: str, style: str, prefixes: str, surnames: str = "") -> _Profile:
    return _Profile(weight, ethnic, style, tuple(prefixes.split()), surnames)


# Who lives where, roughly: the main ethnic groups of each province and their home prefectures/counties.
_PROFILES: dict[str, tuple[_Profile, ...]] = {
    "15": (_p(70, "汉族", "han", "15"), _p(30, "蒙古族", "mongol", "15")),
    "21": (_p(85, "汉族", "han", "21"), _p(15, "满族", "han", "21", "关佟那赵金富")),
    "22": (_p(75, "汉族", "han", "22"), _p(25, "朝鲜族", "korean", "2224")),
    "42": (_p(80, "汉族", "han", "42"), _p(20, "土家族", "han", "4228", "田向彭冉覃张")),
    "43": (
        _p(75, "汉族", "han", "43"),
        _p(12, "土家族", "han", "4331", "田向彭冉覃张"),
        _p(13, "苗族", "han", "4331", "杨吴龙石麻侯"),
    ),
    "45": (
        _p(45, "壮族", "han", "45", "韦黄覃莫蓝陆农梁李罗"),
        _p(30, "汉族", "han", "45"),
        _p(10, "瑶族", "han", "4512 4510", "赵盘邓李黄冯蒋"),
        _p(7, "苗族", "han", "450225", "杨吴龙石王潘"),
        _p(5, "侗族", "han", "450226", "吴杨石龙粟欧"),
        _p(3, "仫佬族", "han", "451225", "吴罗银谢潘"),
    ),
    "46": (
        _p(80, "汉族", "han", "46"),
        _p(20, "黎族", "han", "469001 469025 469026 469027 469028 469029 469030", "王符黄陈吉"),
    ),
    "51": (
        _p(45, "汉族", "han", "51"),
        _p(30, "彝族", "yi", "5134"),
        _p(20, "藏族", "tibetan", "5133 5132 513422"),
        _p(5, "羌族", "han", "5132", "王杨何陈余龙韩"),
    ),
    "52": (
        _p(40, "汉族", "han", "52"),
        _p(20, "苗族", "han", "5226 5227 520425", "杨吴龙石王张潘罗"),
        _p(15, "布依族", "han", "5223 5227", "王罗韦陆岑杨班"),
        _p(10, "侗族", "han", "5226", "吴杨石龙粟欧"),
        _p(10, "彝族", "yi", "520526"),
        _p(5, "土家族", "han", "520627", "田向彭冉覃张"),
    ),
    "53": (
        _p(40, "汉族", "han", "53"),
        _p(20, "彝族", "yi", "5323 5325 530724"),
        _p(12, "傈僳族", "han", "5333", "李余和胡蜂熊"),
        _p(10, "藏族", "tibetan", "5334"),
        _p(10, "哈尼族", "han", "5325", "李白马杨卢"),
        _p(8, "拉祜族", "han", "530828", "李张刘胡石"),
    ),
    "54": (_p(92, "藏族", "tibetan", "54"), _p(8, "汉族", "han", "54")),
    "62": (
        _p(60, "汉族", "han", "62"),
        _p(15, "回族", "han", "6229", "马杨丁白李哈纳沙穆海"),
        _p(10, "东乡族", "han", "622926", "马汪妥赵何"),
        _p(15, "藏族", "tibetan", "6230 620623"),
    ),
    "63": (
        _p(40, "藏族", "tibetan", "6322 6323 6325 6326 6327 6328"),
        _p(35, "汉族", "han", "63"),
        _p(15, "回族", "han", "6301 6302", "马杨丁白李哈纳沙穆海"),
        _p(5, "撒拉族", "han", "630225", "韩马沈冶"),
        _p(5, "土族", "han", "630223", "李祁吕鲁东"),
    ),
    "64": (_p(60, "汉族", "han", "64"), _p(40, "回族", "han", "6404 6403 64", "马杨丁白李哈纳沙穆海")),
    "65": (
        _p(45, "维吾尔族", "uyghur", "6531 6532"),
        _p(15, "维吾尔族", "uyghur", "6529 6530"),
        _p(20, "汉族", "han", "65"),
        _p(12, "哈萨克族", "kazakh", "6540 6542 6543"),
        _p(8, "回族", "han", "6523", "马杨丁白李哈纳沙穆海"),
    ),
}

# Common Han surnames, most frequent first; the weights fall off with rank.
_HAN_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚沈"
    "钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严莫孔向常汤康易乔"
)
_HAN_SURNAME_WEIGHTS = tuple(1 / (rank + 4) for rank in range(len(_HAN_SURNAMES)))
_COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方")
_GIVEN = {
    "M": "伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林峰海亮建国文志晨阳东成"
    "永兵锋振德福贵荣生金江山",
    "F": "芳娜敏静丽艳娟霞燕玲婷雪慧颖琳红梅莉丹萍倩晶瑶璐欣悦佳雨月秀兰英琴露凤洁琪薇",
}
_GIVEN_EITHER = "晓思嘉一子春秋云心安小"
# Name characters outside GB2312 (堃 喆 玥 in GBK, 䶮 in Extension A, 𫖯 in Extension C): demo data should
# exercise fonts and storage the way real registrations do.
_RARE_GIVEN = ("堃", "喆", "玥", "䶮", "𫖯")

_UYGHUR = {
    "M": "阿卜杜热依木 艾买提 买买提 艾力 吐尔逊 阿不都拉 努尔买买提 艾尔肯 热合曼 伊力哈木 麦麦提敏 "
    "阿迪力 肉孜 卡德尔 依明 吾斯曼 亚森 阿布力孜 穆合塔尔 塔依尔 玉素甫 阿力木 艾合买提 吐送 居麦 热西提",
    "F": "阿依古丽 古丽米拉 热依拉 努尔古丽 帕提古丽 迪丽努尔 阿依努尔 再努尔 米日古丽 布麦尔耶姆 "
    "祖丽皮亚 阿孜古丽 美合日班 古再丽努尔 阿米娜 吐尼莎 茹克亚 热孜宛古丽",
}
_KAZAKH = {
    "M": "叶尔兰 努尔兰 哈那提 叶尔江 阿斯哈尔 加那提 巴合提 别克波拉提 达吾列提 哈力木 木拉提 叶尔波拉提",
    "F": "阿依达娜 古丽娜尔 阿依恒 萨乌列 加娜尔 玛依拉 古丽巴哈尔 古丽扎达 阿依古丽",
}
_TIBETAN_FIRST = {
    "M": "扎西 次仁 格桑 达瓦 尼玛 平措 索朗 旺堆 罗布 边巴 普布 洛桑 强巴 丹增 拉巴 白玛 米玛 才让 更登",
    "F": "次仁 格桑 达瓦 尼玛 白玛 央金 德吉 拉巴 索朗 普布 米玛 扎西 才让",
}
_TIBETAN_SECOND = {
    "M": "次仁 多吉 顿珠 旺堆 罗布 平措 扎西 旦增 嘉措 才让 次旦 群培 朗杰 桑布 达杰",
    "F": "卓玛 拉姆 央金 曲珍 央宗 德吉 措姆 旺姆 玉珍 卓嘎 次珍 拉毛",
}
_YI_CLANS = "阿牛 吉克 沙马 曲比 海来 阿苦 马海 吉伍 俄木 加拉 瓦其 日火 阿尔 勒格 尔古 莫色 吉木 阿鲁 苏呷"
_YI_GIVEN = {
    "M": "木呷 拉惹 曲布 日者 拉格 尔布 伍各 友哈 石布 拉哈 阿木 木乃 子石",
    "F": "阿依 阿呷 阿果 阿支 么么 阿芝 伍呷 阿妞 阿衣 阿作",
}
_MONGOL = {
    "M": "巴特尔 苏和 乌力吉 额尔敦 孟和 朝鲁 宝音 那顺 阿拉坦 巴图 特木尔 毕力格",
    "F": "其其格 斯琴 图雅 萨仁 娜仁 乌兰 其木格 高娃 塔娜 乌云 托娅",
}
_KOREAN_SURNAMES = "金朴李崔郑姜赵尹张林韩申"
_KOREAN_GIVEN = {
    "M": "哲洙 成浩 永哲 光日 东哲 明浩 正勋 贤宇 永男 成林",
    "F": "英姬 美善 顺姬 惠珍 美玉 善花 明淑 恩惠 春花 银淑",
}

_BRANDS = "鑫达 宏源 恒通 华兴 金诚 顺发 兴旺 安居 绿源 同心 振兴 富民 众成 利民 瑞丰".split()
_EMPLOYERS = (
    "{place}{brand}建筑工程有限公司",
    "{place}{brand}家政服务有限公司",
    "{place}{brand}电力安装有限公司",
    "{place}{brand}餐饮管理有限公司",
    "{place}{brand}机械加工厂",
    "{place}{brand}电子商务有限公司",
    "{place}{brand}酒店有限公司",
    "{place}{brand}农民专业合作社",
)
_SCHOOLS = ("{place}职业技术学校", "{place}中等职业学校", "{city}技师学院", "{city}高级技工学校")
_MOBILE_PREFIXES = (
    "130 131 132 133 135 136 137 138 139 150 151 152 155 156 157 158 159 166 173 176 177 178 180 181 "
    "182 183 185 186 187 188 189 191 198 199"
).split()


def _han_name(rng: random.Random, sex: str, surnames: str) -> str:
    if surnames:
        surname = rng.choice(surnames)
    elif rng.random() < 0.01:
        surname = rng.choice(_COMPOUND_SURNAMES)
    else:
        surname = rng.choices(_HAN_SURNAMES, weights=_HAN_SURNAME_WEIGHTS)[0]
    own = _GIVEN[sex]
    last = rng.choice(_RARE_GIVEN) if rng.random() < 0.02 else rng.choice(own)
    if rng.random() < 0.3:
        return surname + last
    if sex == "F" and rng.random() < 0.05:
        return surname + last + last  # reduplicated names such as 婷婷 are common for women
    first = rng.choice(_GIVEN_EITHER + own)
    while first == last:
        first = rng.choice(_GIVEN_EITHER + own)
    return surname + first + last


def _pick(rng: random.Random, words: str) -> str:
    return rng.choice(words.split())


def _dotted(pools: dict[str, str]):
    # Uyghur and Kazakh names: own given name · father's given name (always male).
    def make(rng: random.Random, sex: str, _surnames: str) -> str:
        return f"{_pick(rng, pools[sex])}·{_pick(rng, pools['M'])}"

    return make


def _tibetan(rng: random.Random, sex: str, _surnames: str) -> str:
    first = _pick(rng, _TIBETAN_FIRST[sex])
    if rng.random() < 0.15:
        return first
    second = _pick(rng, _TIBETAN_SECOND[sex])
    while second == first:
        second = _pick(rng, _TIBETAN_SECOND[sex])
    return first + second


def _yi(rng: random.Random, sex: str, _surnames: str) -> str:
    return _pick(rng, _YI_CLANS) + _pick(rng, _YI_GIVEN[sex])


def _mongol(rng: random.Random, sex: str, _surnames: str) -> str:
    first = _pick(rng, _MONGOL[sex])
    if rng.random() < 0.6:
        return first
    second = _pick(rng, _MONGOL[sex])
    return first if second == first else first + second


def _korean(rng: random.Random, sex: str, _surnames: str) -> str:
    return rng.choice(_KOREAN_SURNAMES) + _pick(rng, _KOREAN_GIVEN[sex])


_NAMERS = {
    "han": _han_name,
    "uyghur": _dotted(_UYGHUR),
    "kazakh": _dotted(_KAZAKH),
    "tibetan": _tibetan,
    "yi": _yi,
    "mongol": _mongol,
    "korean": _korean,
}


@cache
def _counties(province_code: str, prefixes: tuple[str, ...]) -> tuple[regions.County, ...]:
    # Development zones are left out: nobody's ID number carries their code.
    found = tuple(
        c
        for city in regions.cities_of(province_code)
        for c in regions.counties_of(city.code)
        if c.code.startswith(prefixes) and not regions.is_development_zone(c.code)
    )
    if not found:
        raise ValueError(f"no county of province {province_code} starts with {prefixes}")
    return found


def _pick_county(rng: random.Random, candidates: tuple[regions.County, ...]) -> regions.County:
    # Poverty-contest delegations drew heavily on the 52 unlifted counties: favour them where there are some.
    unlifted = [c for c in candidates if regions.is_unlifted_52(c.code)]
    if unlifted and rng.random() < 0.3:
        return rng.choice(unlifted)
    return rng.choice(candidates)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a non-leap year
        return date(day.year - years, 2, 28)


def _birth_for_age(rng: random.Random, contest_date: date, age: int) -> date:
    """A random birth date giving exactly `age` whole years on the contest date."""
    latest = _years_before(contest_date, age)
    earliest = _years_before(contest_date, age + 1) + timedelta(days=1)
    return earliest + timedelta(days=rng.randrange((latest - earliest).days + 1))


def _place_names(c: regions.County) -> tuple[str, str]:
    """(place for a county-level unit name, prefecture for a school name)."""
    names = regions.lookup(c.code) or regions.RegionNames("", "", c.name)
    city = names.prefecture
    place = c.name if not c.name.endswith("区") else city + c.name  # '城关区' alone is ambiguous
    return place, city


def generate_people(rng: random.Random, province_code: str, n: int, contest_date: date) -> list[DemoPerson]:
    """`n` distinct synthetic contestants from one province, aged 16-53 on `contest_date`."""
    if regions.province(province_code) is None or len(province_code) != 2:
        raise ValueError(f"unknown province code {province_code!r}")
    profiles = _PROFILES.get(province_code, (_p(1, "汉族", "han", province_code),))
    people: list[DemoPerson] = []
    ids: set[str] = set()
    mobiles: set[str] = set()
    while len(people) < n:
        profile = rng.choices(profiles, weights=[p.weight for p in profiles])[0]
        home = _pick_county(rng, _counties(province_code, profile.prefixes))
        sex = rng.choice("MF")
        name = _NAMERS[profile.style](rng, sex, profile.surnames)
        student = rng.random() < 0.35
        age = rng.randint(MIN_AGE, 21) if student else min(MAX_AGE, int(rng.triangular(18, MAX_AGE + 1, 26)))
        birth = _birth_for_age(rng, contest_date, age)
        id_number = make_id_number(home.code, birth, rng.randrange(499), sex)
        mobile = rng.choice(_MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        if id_number in ids or mobile in mobiles:
            continue
        ids.add(id_number)
        mobiles.add(mobile)
        place, city = _place_names(home)
        if student:
            unit = rng.choice(_SCHOOLS).format(place=place, city=city)
        else:
            unit = rng.choice(_EMPLOYERS).format(place=place, brand=rng.choice(_BRANDS))
        deep_poverty = regions.is_unlifted_52(home.code) or regions.in_sanqu_sanzhou(home.code)
        poor = rng.random() < (0.9 if deep_poverty else 0.7)
        people.append(
            DemoPerson(
                name=name,
                sex=sex,
                ethnic_group=profile.ethnic,
                id_number=id_number,
                birth_date=birth,
                county_code=home.code,
                mobile=mobile,
                group=GROUP_STUDENT if student else GROUP_EMPLOYEE,
                unit_name=unit,
                works_in_occupation=not student and rng.random() < 0.9,
                poor_household=poor,
                household_number=f"{home.code}{rng.randrange(10**8):08d}" if poor else "",
            )
        )
    return people
