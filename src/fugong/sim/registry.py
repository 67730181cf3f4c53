"""The market registry: enterprises with credit codes, industries, size classes, key-enterprise flags; supply links."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fugong.geo import Division, section_of_division, sections
from fugong.sim.counties import CountyProfile
from fugong.sim.ids import credit_codes
from fugong.sim.randomness import stream

FLAGS = ("防疫物资", "生活必需品", "公用事业", "外贸出口", "重点项目")
# Share of enterprises per GB/T 4754 section in a typical Zhejiang county (synthetic, shaped like the 2018 census).
SECTION_WEIGHTS = {
    "A": 2.0,
    "B": 0.2,
    "C": 30.0,
    "D": 0.6,
    "E": 5.0,
    "F": 30.0,
    "G": 4.0,
    "H": 4.0,
    "I": 4.0,
    "J": 1.0,
    "K": 3.0,
    "L": 8.0,
    "M": 4.0,
    "N": 0.8,
    "O": 2.5,
    "P": 0.4,
    "Q": 0.3,
    "R": 1.0,
    "S": 0.2,
    "T": 0.0,
}
# Manufacturing divisions Zhejiang is known for weigh more (textiles, apparel, chemicals, machinery, electrical ...).
DIVISION_WEIGHTS = {
    "17": 6.0,
    "18": 4.0,
    "19": 2.0,
    "26": 3.0,
    "29": 3.0,
    "33": 4.0,
    "34": 5.0,
    "38": 5.0,
    "39": 3.0,
    "36": 2.0,
    "13": 1.5,
    "14": 1.5,
    "27": 1.0,
    "35": 2.0,
    "41": 1.0,
}
# Continuous-process divisions: they barely stop for the Spring Festival and resumed first in 2020.
CONTINUOUS = frozenset({"22", "25", "26", "28", "30", "31", "32", "44", "45", "46"})
ENERGY_HEAVY = {"22": 6.0, "25": 8.0, "26": 6.0, "28": 6.0, "30": 6.0, "31": 10.0, "32": 8.0, "17": 3.0, "44": 5.0}
_WORD = {
    "A": "农业开发",
    "B": "矿业",
    "D": "热电",
    "E": "建设",
    "F": "商贸",
    "G": "物流",
    "H": "餐饮",
    "I": "网络科技",
    "J": "投资",
    "K": "房地产开发",
    "L": "商务服务",
    "M": "技术服务",
    "N": "环境工程",
    "O": "家政服务",
    "P": "教育咨询",
    "Q": "医疗",
    "R": "文化传媒",
    "S": "社会服务",
    "T": "国际交流",
}
_C_WORD = {
    "13": "食品",
    "14": "食品",
    "17": "纺织",
    "18": "服饰",
    "19": "鞋业",
    "26": "化工",
    "27": "药业",
    "29": "塑业",
    "33": "五金",
    "34": "机械",
    "35": "设备",
    "36": "汽配",
    "38": "电气",
    "39": "电子",
}
_NAME_CHARS = "宏华永恒金瑞东天鑫中万兴隆嘉创汇博安顺荣德盛丰泰源信达通和康利美佳新福祥建昌明星光辉伟"


@dataclass
class Enterprises:
    """All enterprises, one entry per array position (index = enterprise number)."""

    credit_code: np.ndarray
    name: np.ndarray
    county: np.ndarray
    section: np.ndarray
    division: np.ndarray
    above_size: np.ndarray
    flags: np.ndarray  # (n, 5) bool in the order of FLAGS
    employees: np.ndarray
    established: np.ndarray  # datetime64[D]
    level: np.ndarray  # normal daily kWh of the whole enterprise

    def __len__(self) -> int:
        return len(self.credit_code)

    def of_county(self, code: str) -> np.ndarray:
        """Indexes of a county's enterprises."""
        return np.flatnonzero(self.county == code)


def _divisions() -> tuple[list[str], np.ndarray]:
    codes: list[str] = []
    weights: list[float] = []
    for s in sections():
        for d in s.divisions:
            codes.append(d)
            weights.append(SECTION_WEIGHTS[s.code] / len(s.divisions) * DIVISION_WEIGHTS.get(d, 1.0))
    w = np.array(weights)
    return codes, w / w.sum()


def enterprise_counts(total: int, profiles: dict[str, CountyProfile], counties: list[Division]) -> dict[str, int]:
    """How many enterprises each simulated county gets (proportional to GDP, at least 20)."""
    gdp = np.array([profiles[c.code].gdp for c in counties])
    raw = np.maximum(np.floor(total * gdp / gdp.sum()), 20).astype(int)
    return {c.code: int(n) for c, n in zip(counties, raw, strict=True)}


def build_enterprises(seed: int, counts: dict[str, int], profiles: dict[str, CountyProfile]) -> Enterprises:
    """Generate every enterprise of the simulated counties."""
    division_codes, division_p = _divisions()
    parts: list[dict[str, np.ndarray]] = []
    for code, n in counts.items():
        rng = stream(seed, "enterprises", code)
        profile = profiles[code]
        p = division_p.copy()
        secondary = np.array([section_of_division(d).sector == "secondary" for d in division_codes])
        tilt = profile.secondary / max(profile.gdp, 1e-9) / 0.45
        p = np.where(secondary, p * tilt, p)
        p = p / p.sum()
        division = np.array(division_codes)[rng.choice(len(division_codes), size=n, p=p)]
        section = np.array([section_of_division(d).code for d in division])
        industrial = np.isin(section, ["B", "C", "D"])
        above = rng.random(n) < np.where(industrial, 0.12, 0.04)
        employees = np.where(above, rng.lognormal(np.log(150), 0.8, n), rng.lognormal(np.log(8), 0.9, n))
        employees = np.maximum(employees.round(), 1).astype(np.int64)
        heavy = np.array([ENERGY_HEAVY.get(d, 1.0) for d in division])
        tertiary = ~np.isin(section, ["A", "B", "C", "D", "E"])
        level = rng.lognormal(np.log(520), 1.3, n) * heavy * np.where(above, 9.0, 1.0) * np.where(tertiary, 0.45, 1.0)
        level = np.minimum(level, 2_000_000.0)
        flags = np.zeros((n, len(FLAGS)), dtype=bool)
        flags[:, 0] = np.isin(division, ["27", "17", "18", "35"]) & (rng.random(n) < 0.06)
        flags[:, 1] = (np.isin(division, ["13", "14", "15"]) | (section == "F")) & (rng.random(n) < 0.15)
        flags[:, 2] = (section == "D") | ((section == "N") & (rng.random(n) < 0.3))
        flags[:, 3] = (section == "C") & (rng.random(n) < np.where(above, 0.5, 0.15))
        flags[:, 4] = (section == "E") & (rng.random(n) < 0.12)
        years = 1990 + (30 * rng.beta(2.2, 1.0, n)).astype(int)
        days = rng.integers(0, 365, n)
        established = (np.array([np.datetime64(f"{min(y, 2019)}-01-01") for y in years]) + days).astype("datetime64[D]")
        established = np.minimum(established, np.datetime64("2019-09-30"))
        parts.append(
            {
                "credit_code": credit_codes(code, rng, n),
                "name": _names(rng, profile.name, section, division, above),
                "county": np.full(n, code),
                "section": section,
                "division": division,
                "above_size": above,
                "flags": flags,
                "employees": employees,
                "established": established,
                "level": level,
            }
        )
    joined = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]} if parts else {}
    return Enterprises(**joined)


def _short(name: str) -> str:
    for suffix in ("畲族自治县", "市", "县", "区"):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def _names(
    rng: np.random.Generator, county_name: str, section: np.ndarray, division: np.ndarray, above: np.ndarray
) -> np.ndarray:
    prefix = _short(county_name)
    chars = rng.integers(0, len(_NAME_CHARS), size=(len(section), 2))
    forms = rng.random(len(section))
    out = []
    for (a, b), s, d, big, form in zip(chars.tolist(), section, division, above, forms.tolist(), strict=True):
        word = _C_WORD.get(d, "制造") if s == "C" else _WORD[s]
        suffix = "股份有限公司" if big and form < 0.3 else ("厂" if s == "C" and form > 0.93 else "有限公司")
        out.append(f"{prefix}{_NAME_CHARS[a]}{_NAME_CHARS[b]}{word}{suffix}")
    return np.array(out)


def registry_rows(e: Enterprises, idx: np.ndarray) -> dict[str, list[object]]:
    """The clean register rows of some enterprises, with the department's Chinese headers."""
    established = e.established[idx].astype(object).tolist()
    rows: dict[str, list[object]] = {
        "统一社会信用代码": e.credit_code[idx].tolist(),
        "企业名称": e.name[idx].tolist(),
        "所在地区": e.county[idx].tolist(),
        "行业门类": e.section[idx].tolist(),
        "行业代码": e.division[idx].tolist(),
        "规模": ["规上" if a else "规下" for a in e.above_size[idx]],
    }
    for k, flag in enumerate(FLAGS):
        rows[flag] = ["是" if f else "否" for f in e.flags[idx, k]]
    rows["从业人数"] = [int(x) for x in e.employees[idx]]
    rows["成立日期"] = list(established)
    return rows


def supply_links(seed: int, e: Enterprises) -> dict[str, list[object]]:
    """Upstream suppliers of manufacturers and builders: 1–5 each, half of them in other counties."""
    rng = stream(seed, "supply-links")
    buyers = np.flatnonzero(np.isin(e.section, ["C", "E", "F"]))
    suppliers = np.flatnonzero(np.isin(e.section, ["B", "C", "D", "F", "G"]))
    out: dict[str, list[object]] = {"企业信用代码": [], "供应商信用代码": [], "采购占比": []}
    if len(buyers) == 0 or len(suppliers) < 2:
        return out
    counties = e.county[suppliers]
    order = np.argsort(counties, kind="stable")
    sorted_counties = counties[order]
    for buyer in buyers.tolist():
        k = int(rng.integers(1, 6))
        local_lo = np.searchsorted(sorted_counties, e.county[buyer], "left")
        local_hi = np.searchsorted(sorted_counties, e.county[buyer], "right")
        chosen: list[int] = []
        for _ in range(k):
            if local_hi > local_lo and rng.random() < 0.5:
                pick = int(suppliers[order[rng.integers(local_lo, local_hi)]])
            else:
                pick = int(suppliers[rng.integers(0, len(suppliers))])
            if pick != buyer and pick not in chosen:
                chosen.append(pick)
        if not chosen:
            continue
        shares = rng.dirichlet(np.ones(len(chosen))) * rng.uniform(40, 95)
        for pick, share in zip(chosen, shares.tolist(), strict=True):
            out["企业信用代码"].append(str(e.credit_code[buyer]))
            out["供应商信用代码"].append(str(e.credit_code[pick]))
            out["采购占比"].append(f"{max(share, 0.1):.1f}")
    return out
