"""The run of the simulator: every feed in order, county by county, then the truth and the manifest."""

from __future__ import annotations

import shutil
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

from fugong.geo import load_gazetteer
from fugong.sim import calibration as cal_
from fugong.sim.calendar import build_calendar
from fugong.sim.cases import Case, allocate
from fugong.sim.counties import SYNTHETIC_NOTE, all_counties, county_profiles, org_units
from fugong.sim.dirt import DirtSpec, kind_rates
from fugong.sim.ids import ResidentIdIssuer
from fugong.sim.manifest import Manifest
from fugong.sim.population import (
    CONTACT_COLUMNS,
    INFECTION_SCHEMA,
    PERSON_SPEC,
    PLACE_SPEC,
    PopulationFeeds,
    write_county,
)
from fugong.sim.power import build_accounts, plan_shutdown, true_resume_day
from fugong.sim.readings import (
    LATE_DELIVERED,
    LATE_DUE,
    LATE_FROM,
    LATE_TO,
    TRUTH_SCHEMA,
    ReadingFiles,
    truth_table,
    write_accounts,
    write_county_readings,
)
from fugong.sim.registry import Enterprises, build_enterprises, enterprise_counts, registry_rows, supply_links
from fugong.sim.scales import ScaleSpec
from fugong.sim.truth import write_truth
from fugong.sim.writers import DirtyRowLog, FeedSink, Run, write_plain_csv

XLSX_CITIES = ("330200", "330300", "330600", "331000", "331100")
REGISTRY_SPEC = DirtSpec(
    missing=("企业名称", "所在地区"),
    region_format=("所在地区",),
    industry_text=("行业门类",),
    bad_check=(("统一社会信用代码", "uscc"),),
    date_format=("成立日期",),
)
SUPPLY_SPEC = DirtSpec(missing=("采购占比",), bad_check=(("供应商信用代码", "uscc"),))
CASE_COLUMNS = [
    "病例编号",
    "身份证号",
    "现住址",
    "统计地区",
    "病例分类",
    "感染来源",
    "聚集性疫情编号",
    "发病日期",
    "疑似日期",
    "确诊日期",
    "排除日期",
    "核减日期",
    "核减原因",
]
CASE_SPEC = DirtSpec(
    missing=("现住址",),
    region_format=("现住址",),
    bad_check=(("身份证号", "ric"),),
    date_format=("确诊日期", "疑似日期", "发病日期"),
)
CONTACT_SPEC = DirtSpec(
    missing=("末次接触日期",), bad_check=(("身份证号", "ric"),), date_format=("末次接触日期", "隔离开始日期")
)
STATS_COLUMNS = [
    "县区代码",
    "县区名称",
    "年份",
    "常住人口（万人）",
    "地区生产总值（亿元）",
    "第一产业增加值（亿元）",
    "第二产业增加值（亿元）",
    "第三产业增加值（亿元）",
    "备注",
]
STATS_SPEC = DirtSpec(duplicate=False, missing=("常住人口（万人）",), region_format=("县区代码",))


class Stages:
    """A rich progress bar over the stages (or nothing, when progress is off)."""

    def __init__(self, bar: Progress | None) -> None:
        self.bar = bar
        self.task = bar.add_task("simulating", total=None) if bar else None

    def start(self, label: str, total: int) -> None:
        """Begin a stage of ``total`` steps."""
        if self.bar is not None and self.task is not None:
            self.bar.update(self.task, description=label, total=total, completed=0)

    def step(self) -> None:
        """One step of the current stage done."""
        if self.bar is not None and self.task is not None:
            self.bar.advance(self.task)


@contextmanager
def _stages(progress: bool) -> Iterator[Stages]:
    if not progress:
        yield Stages(None)
        return
    columns = (TextColumn("{task.description:<28}"), BarColumn(), TaskProgressColumn(), TimeElapsedColumn())
    with Progress(*columns) as bar:
        yield Stages(bar)


def run(out_dir: Path, spec: ScaleSpec, seed: int, start: date, end: date, dirt: float, progress: bool) -> Manifest:
    """Generate the whole province into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in ("feeds", "truth"):
        shutil.rmtree(out_dir / old, ignore_errors=True)
    (out_dir / "manifest.json").unlink(missing_ok=True)
    truth = out_dir / "truth"
    run_ = Run(out_dir, seed, kind_rates(dirt), DirtyRowLog(truth / "dirty_rows.parquet"))
    gazetteer = load_gazetteer("zhejiang")
    everything = all_counties()
    simulated = [c for c in everything if spec.counties is None or c.code in spec.counties]
    profiles = county_profiles(seed)
    with _stages(progress) as stages:
        villages = _write_reference(run_, everything, profiles, stages)
        stages.start("market registry", 3)
        e = build_enterprises(seed, enterprise_counts(spec.enterprises, profiles, simulated), profiles)
        _write_registry(run_, e, gazetteer, stages)
        acc = build_accounts(seed, e, [c.code for c in simulated])
        achieved = plan_shutdown(seed, acc)
        write_accounts(run_, acc, e)
        resume = true_resume_day(acc, e, seed)
        _write_power(run_, acc, e, resume, achieved, simulated, start, end, stages)
        cases = allocate(seed, {k: v.population for k, v in profiles.items()}, end)
        feeds = _population_feeds(run_, spec, seed, start, end, truth)
        by_county: dict[str, list[int]] = defaultdict(list)
        for index, case in enumerate(cases):
            by_county[case.county].append(index)
        weights = np.array([profiles[c.code].population for c in simulated])
        shares = np.floor(spec.persons * weights / weights.sum()).astype(int)
        population = {c.code: int(n) for c, n in zip(simulated, shares, strict=True)}
        stages.start("persons, telecom, scans", len(everything))
        persons = 0
        for county in everything:
            n = population.get(county.code, 0)
            if n or by_county[county.code]:
                persons += write_county(
                    feeds, county.code, county.name, n, cases, by_county[county.code], villages[county.code], e
                )
            stages.step()
        _close_population(run_, feeds, cases, end)
    write_truth(run_, truth, spec, seed, start, end, dirt, e, acc, cases, achieved, persons, simulated)
    run_.log.close()
    manifest = Manifest(
        out_dir=out_dir,
        scale=spec.name,
        seed=seed,
        period=(start, end),
        dirt=dirt,
        dirt_rates=dict(run_.rates),
        files=tuple(run_.files),
        truth={p.stem: p.relative_to(out_dir) for p in sorted(truth.iterdir())},
        late_files=tuple(f.path for f in run_.files if "/late/" in f.path.as_posix()),
        counties=tuple(c.code for c in simulated),
    )
    manifest.write()
    return manifest


def _write_reference(
    run_: Run, counties: list[Any], profiles: dict[str, Any], stages: Stages
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """County statistics and the township/village register (all 90 counties at every scale)."""
    stages.start("county statistics, villages", len(counties))
    stats = FeedSink(
        run_, "county_stats", "feeds/stats/county_stats.csv", "csv", STATS_COLUMNS, STATS_SPEC, encoding="gbk"
    )
    units = FeedSink(
        run_,
        "org_units",
        "feeds/org_units/org_units.csv",
        "csv",
        ["code", "name", "level", "type", "parent_code", "county_code", "households", "residents"],
        encoding="utf-8",
    )
    villages: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    rows: dict[str, list[object]] = {c: [] for c in STATS_COLUMNS}
    for county in counties:
        p = profiles[county.code]
        for column, value in zip(
            STATS_COLUMNS,
            [
                p.code,
                p.name,
                2019,
                f"{p.population:.2f}",
                f"{p.gdp:.2f}",
                f"{p.primary:.2f}",
                f"{p.secondary:.2f}",
                f"{p.tertiary:.2f}",
                SYNTHETIC_NOTE,
            ],
            strict=True,
        ):
            rows[column].append(value)
        listed = org_units(run_.seed, county, p.population)
        units.write({k: [getattr(u, k) for u in listed] for k in units.columns})
        village = [u for u in listed if u.level == "village"]
        weight = np.array([u.residents for u in village], dtype=float)
        villages[county.code] = (np.array([u.code for u in village]), weight / weight.sum())
        stages.step()
    stats.write(rows)
    stats.close()
    units.close()
    return villages


def _write_registry(run_: Run, e: Enterprises, gazetteer: Any, stages: Stages) -> None:
    for city in gazetteer.cities():
        idx = np.flatnonzero(np.char.startswith(e.county.astype(str), city.code[:4]))
        if len(idx) == 0:
            continue
        xlsx = city.code in XLSX_CITIES
        sink = FeedSink(
            run_,
            "market_registry",
            f"feeds/market_registry/registry_{city.code}.{'xlsx' if xlsx else 'csv'}",
            "xlsx" if xlsx else "csv",
            list(registry_rows(e, idx[:1])),
            REGISTRY_SPEC,
            encoding=None if xlsx else "gbk",
            sheet="企业名录",
        )
        sink.write(registry_rows(e, idx))
        sink.close()
    stages.step()
    links = FeedSink(
        run_,
        "supply_links",
        "feeds/supply_links/supply_links.csv",
        "csv",
        ["企业信用代码", "供应商信用代码", "采购占比"],
        SUPPLY_SPEC,
        encoding="utf-8",
    )
    links.write(supply_links(run_.seed, e))
    links.close()
    stages.step()


def _write_power(
    run_: Run,
    acc: Any,
    e: Enterprises,
    resume: np.ndarray,
    achieved: dict[date, Any],
    simulated: list[Any],
    start: date,
    end: date,
    stages: Stages,
) -> None:
    calendar = build_calendar(start, end)
    factors = cal_.factor_curve({d: r.factor for d, r in achieved.items()})
    files = ReadingFiles(run_)
    stages.start("power readings", len(simulated))
    writer: pq.ParquetWriter | None = None
    late_county = simulated[0].code
    for county in simulated:
        idx = acc.of_county(county.code)
        cents, present = write_county_readings(files, acc, idx, calendar, county.code, factors, late_county)
        table = truth_table(acc, idx, cents, present, e, e.of_county(county.code), resume, calendar)
        if writer is None:
            (run_.out_dir / "truth").mkdir(parents=True, exist_ok=True)
            writer = pq.ParquetWriter(run_.out_dir / "truth" / "enterprise_resumption.parquet", TRUTH_SCHEMA)
        writer.write_table(table)
        stages.step()
    if writer is not None:
        writer.close()
    for sink in files.months.values():
        sink.close()
    if files.late is not None:
        late = files.late.close()
        if late is not None:
            write_plain_csv(
                run_.out_dir / "truth" / "late_files.csv",
                ["file", "feed", "county", "covers_from", "covers_to", "due_on", "delivered_on"],
                [[late.path.as_posix(), late.feed, late_county, LATE_FROM, LATE_TO, LATE_DUE, LATE_DELIVERED]],
            )


def _population_feeds(run_: Run, spec: ScaleSpec, seed: int, start: date, end: date, truth: Path) -> PopulationFeeds:
    truth.mkdir(parents=True, exist_ok=True)
    return PopulationFeeds(
        run=run_,
        spec=spec,
        start=start,
        end=end,
        issuer=ResidentIdIssuer(seed),
        persons=FeedSink(
            run_,
            "persons",
            "feeds/persons/persons.csv",
            "csv",
            [
                "身份证号",
                "姓名",
                "性别",
                "出生日期",
                "户籍地",
                "现住址",
                "现住村社区",
                "手机号",
                "智能手机",
                "户号",
                "与户主关系",
            ],
            PERSON_SPEC,
            encoding="utf-8",
        ),
        places=FeedSink(
            run_,
            "checkpoint_places",
            "feeds/checkpoints/places.csv",
            "csv",
            ["场所编码", "场所名称", "场所类型", "县区", "关联企业信用代码"],
            PLACE_SPEC,
            encoding="utf-8",
        ),
        infection=pq.ParquetWriter(truth / "infection.parquet", INFECTION_SCHEMA),
    )


def _close_population(run_: Run, feeds: PopulationFeeds, cases: list[Case], end: date) -> None:
    feeds.persons.close()
    for sink in feeds.stays.values():
        sink.close()
    feeds.places.close()
    for month in sorted(feeds.scans):
        feeds.scans[month].close()
    feeds.infection.close()
    listed = [c for c in cases if c.id_number]
    rows: dict[str, list[object]] = {c: [] for c in CASE_COLUMNS}
    for c in listed:
        values = [
            c.case_id,
            c.id_number,
            c.county,
            c.counted_in,
            c.classification,
            c.source,
            c.cluster or None,
            c.onset,
            c.suspected_on,
            c.confirmed_on,
            c.excluded_on,
            c.removed_on,
            c.removed_reason or None,
        ]
        for column, value in zip(CASE_COLUMNS, values, strict=True):
            rows[column].append(value)
    sink = FeedSink(run_, "cdc_cases", "feeds/cdc/cases.csv", "csv", CASE_COLUMNS, CASE_SPEC, encoding="gbk")
    sink.write(rows)
    sink.close()
    contacts = FeedSink(
        run_, "cdc_contacts", "feeds/cdc/contacts.csv", "csv", CONTACT_COLUMNS, CONTACT_SPEC, encoding="utf-8-sig"
    )
    contacts.write(feeds.contacts)
    contacts.close()
