"""Writing the person-level feeds of one county at a time: persons, telecom stays, employees, checkpoints, scans,
close contacts, and the true infection status of everyone."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from fugong.sim.cases import Case
from fugong.sim.checkpoints import build_places, place_rows, scan_rows
from fugong.sim.dirt import DirtSpec
from fugong.sim.employees import COLUMNS as EMPLOYEE_COLUMNS
from fugong.sim.employees import assign_employers, employee_rows
from fugong.sim.ids import CARRIERS, ResidentIdIssuer
from fugong.sim.persons import People, build_people, person_rows
from fugong.sim.randomness import stream
from fugong.sim.registry import Enterprises
from fugong.sim.scales import ScaleSpec
from fugong.sim.travel import plan_trips, stay_rows
from fugong.sim.writers import FeedSink, Run

PERSON_SPEC = DirtSpec(
    missing=("现住址",), region_format=("现住址",), bad_check=(("身份证号", "ric"),), date_format=("出生日期",)
)
STAY_SPEC = DirtSpec(
    missing=("last_day",),
    region_format=("region_code",),
    bad_check=(("id_number", "ric"),),
    date_format=("first_day", "last_day"),
)
EMPLOYEE_SPEC = DirtSpec(missing=("手机号",), bad_check=(("身份证号", "ric"),), date_format=("抵达日期",))
PLACE_SPEC = DirtSpec(region_format=("县区",))
SCAN_SPEC = DirtSpec(missing=("体温",), bad_check=(("身份证号", "ric"),))
STAY_COLUMNS = ("msisdn", "id_number", "region_code", "first_day", "last_day")
CONTACT_COLUMNS = [
    "密接编号",
    "关联病例编号",
    "身份证号",
    "关系",
    "末次接触日期",
    "隔离开始日期",
    "隔离解除日期",
    "现住址",
]
INFECTION_SCHEMA = pa.schema(
    [("id_number", pa.string()), ("status", pa.string()), ("infected", pa.bool_()), ("infected_on", pa.date32())]
)
_STATUS = {"确诊病例": "confirmed", "疑似病例": "suspected", "排除病例": "suspected_excluded"}


@dataclass
class PopulationFeeds:
    """Sinks shared by all counties, and what is collected for files written at the end."""

    run: Run
    spec: ScaleSpec
    start: date
    end: date
    issuer: ResidentIdIssuer
    persons: FeedSink
    places: FeedSink
    infection: pq.ParquetWriter
    stays: dict[str, FeedSink] = field(default_factory=dict)
    scans: dict[str, FeedSink] = field(default_factory=dict)
    contacts: dict[str, list[object]] = field(default_factory=lambda: {c: [] for c in CONTACT_COLUMNS})
    next_person: int = 0

    def stay_sink(self, carrier: str) -> FeedSink:
        """The JSON-lines file of one carrier."""
        if carrier not in self.stays:
            self.stays[carrier] = FeedSink(
                self.run,
                "telecom_stays",
                f"feeds/telecom/stays_{carrier}.jsonl",
                "jsonl",
                list(STAY_COLUMNS),
                STAY_SPEC,
                encoding="utf-8",
            )
        return self.stays[carrier]

    def scan_sink(self, month: str) -> FeedSink:
        """The scans file of one month."""
        if month not in self.scans:
            self.scans[month] = FeedSink(
                self.run,
                "checkpoint_scans",
                f"feeds/checkpoints/scans_{month}.csv",
                "csv",
                ["场所编码", "身份证号", "扫码时间", "体温", "核验结果"],
                SCAN_SPEC,
                encoding="utf-8",
            )
        return self.scans[month]


def write_county(
    feeds: PopulationFeeds,
    county: str,
    county_name: str,
    n_population: int,
    cases: list[Case],
    case_indexes: list[int],
    villages: tuple[np.ndarray, np.ndarray],
    e: Enterprises,
) -> int:
    """Every person-level feed of one county; returns the number of persons."""
    run, seed = feeds.run, feeds.run.seed
    mine = [(i, cases[i]) for i in case_indexes]
    p = build_people(seed, county, n_population, mine, villages, feeds.issuer, feeds.next_person)
    feeds.next_person += len(p)
    for i in np.flatnonzero(p.case >= 0).tolist():
        cases[int(p.case[i])].id_number = str(p.id_number[i])
    trips = plan_trips(seed, p, cases)
    employer = assign_employers(seed, p, e)
    feeds.persons.write(person_rows(p, np.arange(len(p))))
    for carrier in CARRIERS:
        chosen = np.flatnonzero(p.carrier == carrier)
        if len(chosen):
            feeds.stay_sink(carrier).write(stay_rows(p, trips, feeds.start, feeds.end, chosen))
    staff = employee_rows(p, e, employer, trips, feeds.start, feeds.end)
    if staff["身份证号"]:
        sink = FeedSink(
            run,
            "employees",
            f"feeds/employees/employees_{county}.xlsx",
            "xlsx",
            EMPLOYEE_COLUMNS,
            EMPLOYEE_SPEC,
            sheet="员工名单",
        )
        sink.write(staff)
        sink.close()
    places = build_places(seed, county, county_name, n_population, e)
    feeds.places.write(place_rows(places, county, e))
    scans = scan_rows(seed, p, places, employer, trips, cases, feeds.spec.scan_rate, feeds.start, feeds.end)
    months = np.array([str(t)[:7] for t in scans["扫码时间"]])
    for month in np.unique(months).tolist():
        keep = np.flatnonzero(months == month)
        feeds.scan_sink(month).write({k: [v[i] for i in keep.tolist()] for k, v in scans.items()})
    status, infected, infected_on = _contacts_and_infection(feeds, p, cases)
    feeds.infection.write_table(
        pa.table(
            {"id_number": p.id_number.tolist(), "status": status, "infected": infected, "infected_on": infected_on},
            schema=INFECTION_SCHEMA,
        )
    )
    return len(p)


def _contacts_and_infection(
    feeds: PopulationFeeds, p: People, cases: list[Case]
) -> tuple[list[str], list[bool], list[date | None]]:
    """Close contacts of the county's confirmed cases (household first), and everyone's true infection status."""
    rng = stream(feeds.run.seed, "contacts", p.county)
    n = len(p)
    status = ["none"] * n
    infected = [False] * n
    infected_on: list[date | None] = [None] * n
    ordinary = np.flatnonzero(p.case < 0)
    for i in np.flatnonzero(p.case >= 0).tolist():
        case = cases[int(p.case[i])]
        status[i] = _STATUS[case.classification]
        if case.confirmed_on is None:
            continue
        infected[i] = True
        infected_on[i] = (case.onset or case.confirmed_on) - timedelta(days=int(rng.integers(2, 8)))
        family = [j for j in np.flatnonzero(p.household == p.household[i]).tolist() if j != i]
        others = (
            rng.choice(ordinary, size=min(feeds.spec.extra_contacts, len(ordinary)), replace=False).tolist()
            if len(ordinary)
            else []
        )
        relations = ["家庭成员"] * len(family) + [str(rng.choice(["同事", "同乘", "朋友", "其他"])) for _ in others]
        for j, relation in zip(family + others, relations, strict=True):
            last = case.confirmed_on - timedelta(days=int(rng.integers(0, 3)))
            number = len(feeds.contacts["密接编号"]) + 1
            row = [
                f"MJ{number:07d}",
                case.case_id,
                str(p.id_number[j]),
                relation,
                last,
                case.confirmed_on,
                last + timedelta(days=14),
                p.county,
            ]
            for column, value in zip(CONTACT_COLUMNS, row, strict=True):
                feeds.contacts[column].append(value)
            if status[j] == "none":
                status[j] = "contact"
                if rng.random() < 0.03:
                    infected[j], infected_on[j] = True, last
    return status, infected, infected_on
