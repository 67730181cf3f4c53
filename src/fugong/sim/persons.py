"""Persons of one county: households (family links), resident IDs, names, phones, migrants from other provinces.

Everyone is synthetic. A county's persons are its population sample plus the households of its CDC cases (so that
every case, suspected person and close contact is a person of the register, at every scale).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from fugong.sim.cases import Case
from fugong.sim.ids import ResidentIdIssuer, phones
from fugong.sim.randomness import stream

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖"
    "田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢钟汪金方应楼俞邵"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌波宇浩凯鹏飞晨辉婷雪琳晶欣怡佳"
# Registered homes of migrant workers (GB/T 2260 codes that stdnum's register knows), with weights.
ORIGINS: tuple[tuple[str, float], ...] = (
    ("341221", 10),
    ("341222", 8),
    ("340121", 4),
    ("420102", 3),
    ("420111", 2),
    ("422823", 3),
    ("422822", 3),
    ("360121", 5),
    ("430121", 3),
    ("510121", 5),
    ("510321", 4),
    ("522323", 5),
    ("522622", 4),
    ("520203", 3),
)
RELATIONS = ("户主", "配偶", "子女", "父母", "孙子女", "其他")


@dataclass
class People:
    """Persons of one county, one entry per array position."""

    id_number: np.ndarray
    name: np.ndarray
    male: np.ndarray
    birthday: np.ndarray  # datetime64[D]
    home: np.ndarray  # 户籍地
    county: str
    village: np.ndarray
    phone: np.ndarray  # "" when none
    carrier: np.ndarray
    smartphone: np.ndarray
    household: np.ndarray
    relation: np.ndarray
    migrant: np.ndarray
    case: np.ndarray  # index into the case list, -1 for none

    def __len__(self) -> int:
        return len(self.id_number)

    def age(self, on: date = date(2020, 1, 1)) -> np.ndarray:
        """Age in whole years on a day."""
        return ((np.datetime64(on) - self.birthday).astype(np.int64) / 365.25).astype(np.int64)


def _household_sizes(rng: np.random.Generator, n: int, probs: list[float]) -> np.ndarray:
    sizes = rng.choice(np.arange(1, len(probs) + 1), size=max(n, 1), p=probs)
    cut = int(np.searchsorted(np.cumsum(sizes), n)) + 1
    sizes = sizes[:cut]
    if sizes.sum() > n:
        sizes[-1] -= sizes.sum() - n
    return sizes[sizes > 0]


def build_people(
    seed: int,
    county: str,
    n_population: int,
    cases: list[tuple[int, Case]],
    villages: tuple[np.ndarray, np.ndarray],
    issuer: ResidentIdIssuer,
    first_index: int,
) -> People:
    """Persons of a county: ``n_population`` in ordinary households, plus a household around each case."""
    rng = stream(seed, "persons", county)
    native = _household_sizes(rng, round(n_population * 0.82), [0.25, 0.30, 0.22, 0.13, 0.07, 0.03])
    migrant = _household_sizes(rng, n_population - int(native.sum()), [0.5, 0.3, 0.2])
    case_sizes = rng.choice([1, 2, 3, 4], size=len(cases), p=[0.2, 0.35, 0.3, 0.15])
    sizes = np.concatenate([native, migrant, case_sizes]).astype(np.int64)
    kind = np.repeat([0, 1, 2], [len(native), len(migrant), len(cases)])  # 0 native, 1 migrant, 2 case household
    n_households = len(sizes)
    head_age = np.where(kind == 1, rng.integers(20, 50, n_households), rng.triangular(24, 45, 85, n_households))
    head_male = rng.random(n_households) < 0.7
    origin_codes = np.array([o for o, _ in ORIGINS])
    origin_w = np.array([w for _, w in ORIGINS])
    origin = np.where(
        kind == 1, origin_codes[rng.choice(len(ORIGINS), n_households, p=origin_w / origin_w.sum())], county
    )
    for h, (_, case) in enumerate(cases, start=len(native) + len(migrant)):
        head_age[h] = (date(2020, 1, 1) - case.birthday).days / 365.25
        head_male[h] = case.male
    # One row per member: slot 0 is the head, slot 1 a spouse (mostly), later slots children, parents, grandchildren.
    household = np.repeat(np.arange(n_households), sizes)
    slot = np.arange(len(household)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    n = len(household)
    draw = rng.random(n)
    relation = np.select([slot == 0, (slot == 1) & (draw < 0.85), draw < 0.7, draw < 0.9], [0, 1, 2, 3], default=4)
    h_age = head_age[household]
    age = np.select(
        [relation == 0, relation == 1, relation == 2, relation == 3],
        [h_age, h_age + rng.normal(0, 3, n), h_age - rng.uniform(20, 38, n), h_age + rng.uniform(22, 32, n)],
        default=h_age - rng.uniform(44, 60, n),
    )
    relation = np.where((relation == 4) & (age < 0), 2, relation)
    relation = np.where((relation == 2) & (age < 0), 5, relation)
    age = np.where(age < 0, rng.uniform(0, 16, n), age)
    age = np.clip(age, 0, 98)
    male = np.where(
        relation == 0, head_male[household], np.where(relation == 1, ~head_male[household], rng.random(n) < 0.51)
    )
    birthday = (np.datetime64("2019-12-31") - (age * 365.25).astype(np.int64) - rng.integers(0, 365, n)).astype(
        "datetime64[D]"
    )
    for h, (_, case) in enumerate(cases, start=len(native) + len(migrant)):
        head = int(np.searchsorted(household, h))
        birthday[head] = np.datetime64(case.birthday)
    home = origin[household]
    ids = issuer.issue(home, birthday, male)
    surname_draw = rng.integers(0, len(SURNAMES), n)
    head_surname = surname_draw[np.cumsum(sizes) - sizes][household]
    inherits = (relation == 2) | (relation == 4)
    surnames = np.where(inherits, head_surname, surname_draw)
    given = rng.integers(0, len(GIVEN), (n, 2))
    two = rng.random(n) < 0.7
    names = np.array(
        [
            SURNAMES[s] + GIVEN[a] + (GIVEN[b] if t else "")
            for s, (a, b), t in zip(surnames.tolist(), given.tolist(), two.tolist(), strict=True)
        ]
    )
    years = (np.datetime64("2020-01-01") - birthday).astype(np.int64) / 365.25
    has_phone = np.where(years < 12, False, np.where(years >= 65, rng.random(n) < 0.75, rng.random(n) < 0.98))
    smartphone = has_phone & np.where(years >= 65, rng.random(n) < 0.45, rng.random(n) < 0.95)
    numbers, carriers = phones(np.arange(first_index, first_index + n), rng.choice(3, n, p=[0.6, 0.2, 0.2]))
    village_codes, village_w = villages
    village = village_codes[rng.choice(len(village_codes), n_households, p=village_w)][household]
    case_of = np.full(n, -1, dtype=np.int64)
    for h, (index, _) in enumerate(cases, start=len(native) + len(migrant)):
        case_of[int(np.searchsorted(household, h))] = index
    return People(
        id_number=ids,
        name=names,
        male=male,
        birthday=birthday,
        home=home,
        county=county,
        village=village,
        phone=np.where(has_phone, numbers, ""),
        carrier=np.where(has_phone, carriers, ""),
        smartphone=smartphone,
        household=np.char.add(f"H{county}", np.char.zfill(household.astype(str), 7)),
        relation=np.array(RELATIONS)[relation],
        migrant=(kind == 1)[household],
        case=case_of,
    )


def person_rows(p: People, idx: np.ndarray) -> dict[str, list[object]]:
    """Clean rows of the population register (人口库) for some persons."""
    birthdays = p.birthday[idx].astype(object).tolist()
    return {
        "身份证号": p.id_number[idx].tolist(),
        "姓名": p.name[idx].tolist(),
        "性别": ["男" if m else "女" for m in p.male[idx]],
        "出生日期": birthdays,
        "户籍地": p.home[idx].tolist(),
        "现住址": [p.county] * len(idx),
        "现住村社区": p.village[idx].tolist(),
        "手机号": [v or None for v in p.phone[idx].tolist()],
        "智能手机": ["是" if s else "否" for s in p.smartphone[idx]],
        "户号": p.household[idx].tolist(),
        "与户主关系": p.relation[idx].tolist(),
    }
