"""The gate, online verification and the citizen's codes over HTTP: roles, answers, languages, paper codes."""

from __future__ import annotations

import base64
import re
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from fugong.auth import undeclared_routes
from fugong.auth.deps import token_cache
from fugong.auth.models import ApiToken
from fugong.auth.tokens import DEFAULT_DAYS, KEEP_SECONDS, revoke_token
from fugong.healthcode import audit, registry
from fugong.healthcode.credentials.qr import make_qr
from fugong.healthcode.gate.authority import Authority
from fugong.healthcode.gate.models import GateScan
from fugong.healthcode.models import HcPerson
from fugong.hub.pseudonyms import pseudonymiser
from fugong.settings import Settings, get_settings
from fugong.store import utcnow

from .conftest import XIHU, id_number

PLACE = "HZ-EAST-STATION"


@dataclass
class Web:
    """The app under test, its client, a maker of token headers and of persons."""

    client: Any
    app: Any
    settings: Settings
    token: Callable[..., dict[str, str]]

    def person(self, serial: int, colour: str | None, account: str | None = None, proxy: str | None = None) -> int:
        """A person of 西湖区 who registered themself as ``account`` or was registered by ``proxy``."""
        with self.app.state.store.session() as session:
            reg = registry.Registration("王小明", id_number(serial), XIHU)
            pseudo = pseudonymiser(self.settings)
            if account:
                person = registry.register_self(session, pseudo, reg, account)
            else:
                person = registry.register_by_proxy(session, pseudo, reg, proxy or "somebody", "relative")
            if colour:
                audit.set_colour(session, person.id, colour, date(2020, 2, 20), audit.Manual("li", "zhao", "核实"))
            return int(person.id)

    def recolour(self, person_id: int, colour: str) -> None:
        """Change a person's colour."""
        with self.app.state.store.session() as session:
            audit.set_colour(session, person_id, colour, date(2020, 2, 21), audit.Manual("li", "zhao", "核实"))

    def code(self, person_id: int) -> str:
        """A freshly signed code of the person, from the app's own authority."""
        with self.app.state.store.session() as session:
            person = session.get(HcPerson, person_id)
            assert person is not None
            return Authority.of(self.settings).issue(session, person).text


@pytest.fixture(scope="module")
def store_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A SQLite store migrated once for this module (the decisions run on both backends elsewhere)."""
    from fugong.store.testing import StoreTemplate

    with StoreTemplate("sqlite", tmp_path_factory.mktemp("gate-web-store")) as template:
        yield template


@pytest.fixture
def web(store_template: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Web]:
    """The real web app on a clean store, with the place 杭州东站."""
    from fastapi.testclient import TestClient

    from fugong.auth.tokens import issue_token
    from fugong.auth.users import create_user
    from fugong.geo import load_gazetteer
    from fugong.healthcode.gate.places import create_place
    from fugong.store import utcnow
    from fugong.web.app import create_app

    with store_template.clean_url(tmp_path) as url:
        monkeypatch.setenv("FUGONG_DATA_DIR", str(tmp_path / "var"))
        monkeypatch.setenv("FUGONG_DATABASE_URL", url)
        monkeypatch.setenv("FUGONG_CONFIG", str(tmp_path / "absent.toml"))
        get_settings.cache_clear()
        settings = get_settings()
        app = create_app(settings)
        gazetteer = load_gazetteer(settings.province, settings.reference_date)
        with app.state.store.session() as session:
            create_place(session, PLACE, "杭州东站", "admin", "交通站点", XIHU)

        def token(username: str, *roles: str) -> dict[str, str]:
            with app.state.store.session() as session:
                create_user(session, username, roles=roles, gazetteer=gazetteer)
                issued = issue_token(session, username, name="tests", now=utcnow())
            return {"Authorization": f"Bearer {issued.token}"}

        with TestClient(app) as client:
            yield Web(client, app, settings, token)
        app.state.store.dispose()
        get_settings.cache_clear()


def _scan(web: Web, headers: dict[str, str], **body: Any) -> Any:
    return web.client.post("/api/gate/scans", headers=headers, json={"place_id": PLACE, **body})


def test_every_gate_and_citizen_route_declares_its_roles(web: Web) -> None:
    assert undeclared_routes(web.app) == []


def test_a_guard_scans_a_green_code_and_hears_admit_in_the_chosen_language(web: Web) -> None:
    guard = web.token("menwei", "checkpoint")
    person = web.person(1, "green", account="wang")
    code = web.code(person)
    zh = _scan(web, guard, scan_id="web-scan-0001", temperature=36.5, code=code)
    assert zh.status_code == 200, zh.text
    assert (zh.json()["admit"], zh.json()["message"]) == (True, "绿码，体温正常，请通行")
    en = web.client.post(
        "/api/gate/scans?lang=en",
        headers=guard,
        json={"place_id": PLACE, "scan_id": "web-scan-0002", "temperature": "37.5", "code": code},
    )
    assert en.json()["admit"] is False
    assert en.json()["message"] == "Temperature 37.5 °C is too high: no entry, measure again"


def test_an_offline_queue_syncs_once_even_when_sent_twice(web: Web) -> None:
    guard = web.token("menwei", "checkpoint")
    code = web.code(web.person(2, "green", account="wang"))
    queued = [
        {
            "scan_id": "offline-0001",
            "place_id": PLACE,
            "temperature": "36.5",
            "code": code,
            "scanned_at": "2026-01-01T00:00:00Z",
        },
        {"scan_id": "offline-0002", "place_id": PLACE, "temperature": "36.6", "code": code},
        {"scan_id": "offline-0003", "place_id": PLACE, "temperature": "hot", "code": code},
    ]
    first = web.client.post("/api/gate/scans/sync", headers=guard, json={"scans": queued})
    assert first.status_code == 200, first.text
    body = first.json()
    assert (body["recorded"], body["failed"]) == (1, 2)
    errors = {r["scan_id"]: r for r in body["results"] if "error" in r}
    assert errors["offline-0001"]["field"] == "scanned_at"  # far in the past: refused, named
    assert errors["offline-0003"]["field"] == "temperature"
    again = web.client.post("/api/gate/scans/sync", headers=guard, json={"scans": queued[1:2]}).json()
    assert again["results"][0]["replayed"] is True
    with web.app.state.store.session() as session:
        assert session.scalar(select(func.count()).select_from(GateScan)) == 1


def test_online_verification_shows_the_live_colour_of_an_older_code(web: Web) -> None:
    guard = web.token("menwei", "checkpoint")
    person = web.person(3, "green", account="wang")
    green = web.code(person)
    web.recolour(person, "yellow")
    answer = web.client.post("/api/gate/verify", headers=guard, json={"code": green})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["code_colour"], body["live_colour"], body["superseded"], body["valid"]) == (
        "green",
        "yellow",
        True,
        False,
    )
    assert body["refreshed_at"]
    fresh = web.client.post("/api/gate/verify", headers=guard, json={"code": web.code(person)}).json()
    assert (fresh["valid"], fresh["live_colour"], fresh["superseded"]) == (True, "yellow", False)
    junk = web.client.post("/api/gate/verify", headers=guard, json={"code": "HC1:garbage"}).json()
    assert (junk["valid"], junk["reason"], junk["live_colour"]) == (False, "wrong_prefix", None)


def test_only_gate_staff_scan_and_only_admins_make_places(web: Web) -> None:
    citizen = web.token("wang", "citizen")
    guard = web.token("menwei", "checkpoint")
    assert _scan(web, citizen, scan_id="x-00000001", temperature=36.5, code="FG1:x").status_code == 403
    assert web.client.post("/api/gate/scans", json={"place_id": PLACE}).status_code == 401
    place = {"place_id": "MALL-1", "name": "银泰百货", "place_type": "商场超市", "county": XIHU}
    assert web.client.post("/api/gate/places", headers=guard, json=place).status_code == 403
    admin = web.token("boss", "admin")
    assert web.client.post("/api/gate/places", headers=admin, json=place).status_code == 201
    again = web.client.post("/api/gate/places", headers=admin, json=place)
    assert (again.status_code, again.json()["error"]) == (409, "conflict")
    bad = web.client.post("/api/gate/places", headers=admin, json={**place, "place_id": "M2", "county": "330100"})
    assert (bad.status_code, bad.json()["field"]) == (422, "county")
    listed = web.client.get("/api/gate/places", headers=guard).json()
    assert [p["place_id"] for p in listed] == [PLACE, "MALL-1"]


def test_bad_scan_requests_get_one_clear_error(web: Web) -> None:
    guard = web.token("menwei", "checkpoint")
    missing = _scan(web, guard, scan_id="bad-req-0001", temperature=36.5)
    assert (missing.status_code, missing.json()["field"]) == (422, "code")
    stamp = _scan(web, guard, scan_id="bad-req-0002", temperature=36.5, code="FG1:x", scanned_at="1582156800")
    assert (stamp.status_code, stamp.json()["field"]) == (422, "scanned_at")
    place = web.client.post(
        "/api/gate/scans",
        headers=guard,
        json={"place_id": "NOPE", "scan_id": "bad-req-0003", "temperature": 36.5, "code": "FG1:x"},
    )
    assert (place.status_code, place.json()["error"]) == (404, "unknown_place")


def test_a_guard_token_revoked_in_the_app_is_refused_at_the_next_scan(web: Web) -> None:
    guard = web.token("menwei", "checkpoint")
    code = web.code(web.person(4, "green", account="wang"))
    assert _scan(web, guard, scan_id="kept-0001", temperature=36.5, code=code).status_code == 200
    with web.app.state.store.session() as session:  # as DELETE /api/auth/tokens/{id} does
        revoke_token(session, session.scalars(select(ApiToken)).one(), now=utcnow())
    refused = _scan(web, guard, scan_id="kept-0002", temperature=36.5, code=code)
    assert (refused.status_code, refused.json()["detail"]) == (401, "the API token 'tests' was revoked")


def test_a_guard_token_revoked_elsewhere_stops_working_within_the_keep_time(web: Web) -> None:
    guard = web.token("menwei", "checkpoint")
    code = web.code(web.person(5, "green", account="wang"))
    assert _scan(web, guard, scan_id="kept-0003", temperature=36.5, code=code).status_code == 200
    with web.app.state.store.engine.begin() as connection:  # another process, e.g. the CLI, past this one's ORM
        connection.execute(update(ApiToken.__table__).values(revoked_at=utcnow()))
    assert _scan(web, guard, scan_id="kept-0004", temperature=36.5, code=code).status_code == 200  # still kept
    token_cache(web.app.state.store).clock = lambda: time.monotonic() + KEEP_SECONDS
    refused = _scan(web, guard, scan_id="kept-0005", temperature=36.5, code=code)
    assert (refused.status_code, refused.json()["detail"]) == (401, "the API token 'tests' was revoked")


def test_a_kept_guard_token_still_expires_on_time(web: Web) -> None:
    guard = web.token("menwei", "checkpoint")
    code = web.code(web.person(6, "green", account="wang"))
    assert _scan(web, guard, scan_id="kept-0006", temperature=36.5, code=code).status_code == 200
    web.app.state.clock = lambda: utcnow() + timedelta(days=DEFAULT_DAYS, minutes=1)
    expired = _scan(web, guard, scan_id="kept-0007", temperature=36.5, code=code)
    assert expired.status_code == 401
    assert expired.json()["detail"].startswith("the API token 'tests' expired on ")


def test_the_gate_page_is_for_gate_staff(web: Web) -> None:
    page = web.client.get("/gate", headers=web.token("menwei", "checkpoint"))
    assert page.status_code == 200
    assert "卡口核验" in page.text
    assert "/static/vendor/jsqr/dist/jsQR.js" in page.text
    assert PLACE in page.text
    assert web.client.get("/gate", headers=web.token("wang", "citizen")).status_code == 403


def test_my_code_shows_my_qr_and_the_codes_of_persons_i_act_for(web: Web) -> None:
    me = web.token("wang", "citizen")
    mine = web.person(4, "green", account="wang")
    mother = web.person(5, "yellow", proxy="wang")
    web.person(6, "red", account="stranger")
    cards = web.client.get("/api/me/codes", headers=me).json()
    assert [(c["person_id"], c["relation"], c["colour"]) for c in cards] == [
        (mine, "self", "green"),
        (mother, "relative", "yellow"),
    ]
    assert all(c["name"] == "王*明" for c in cards)
    assert cards[1]["why_zh"].startswith("经人工复核")
    guard = web.token("menwei", "checkpoint")
    verdict = web.client.post("/api/gate/verify", headers=guard, json={"code": cards[1]["code"]}).json()
    assert (verdict["valid"], verdict["live_colour"]) == (True, "yellow")
    page = web.client.get("/me/code", headers=me)
    assert page.status_code == 200
    assert page.text.count('class="qr"') == 2
    assert "提出申诉" in page.text  # the yellow card says how to appeal
    english = web.client.get("/me/code?lang=en", headers=me).text
    assert "a relative I act for" in english


def test_a_qr_on_the_page_carries_the_signed_code(web: Web) -> None:
    me = web.token("wang", "citizen")
    web.person(7, "green", account="wang")
    card = web.client.get("/api/me/codes", headers=me).json()[0]
    assert card["code"].startswith("FG1:")
    assert make_qr(card["code"]).error == "Q"


def _drawn_qr(pdf: bytes) -> str:
    """Read the QR code a paper code draws: its squares rebuilt as an image and decoded by zxing-cpp."""
    import numpy as np
    import zxingcpp

    found = re.search(
        rb"/Filter \[ /ASCII85Decode /FlateDecode \] /Length \d+\s*>>\s*stream\r?\n(.*?)endstream", pdf, re.S
    )
    assert found is not None, "no page content stream"
    content = zlib.decompress(base64.a85decode(found.group(1).strip().removesuffix(b"~>"), adobe=False))
    squares = [tuple(float(v) for v in m) for m in re.findall(rb"n ([\d.]+) ([\d.]+) ([\d.]+) [\d.]+ re f", content)]
    cell = min(w for _, _, w in squares)
    modules = [(round(x / cell), round(y / cell)) for x, y, w in squares if abs(w - cell) < 1e-6]
    left, bottom = min(c for c, _ in modules), min(r for _, r in modules)
    top = max(r for _, r in modules)
    width = max(c for c, _ in modules) - left + 1
    image = np.full(((top - bottom + 1 + 8) * 4, (width + 8) * 4), 255, dtype=np.uint8)
    for c, r in modules:
        row, col = (top - r + 4) * 4, (c - left + 4) * 4
        image[row : row + 4, col : col + 4] = 0
    [barcode] = zxingcpp.read_barcodes(image)
    return str(barcode.text)


def test_paper_codes_print_for_me_and_my_relatives_but_no_one_else(web: Web) -> None:
    me = web.token("wang", "citizen")
    mother = web.person(8, "green", proxy="wang")
    stranger = web.person(9, "green", account="stranger")
    uncoloured = web.person(10, None, proxy="wang")
    pdf = web.client.get(f"/me/code/{mother}/paper.pdf", headers=me)
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert b"STSong-Light" in pdf.content  # the reader's own CJK font: no font file needed on the server
    printed = _drawn_qr(pdf.content)
    guard = web.token("menwei", "checkpoint")
    verdict = web.client.post("/api/gate/verify", headers=guard, json={"code": printed}).json()
    assert (verdict["valid"], verdict["live_colour"]) == (True, "green")
    assert pdf.content.count(b"/Type /Page\n") + pdf.content.count(b"/Type /Page ") >= 1
    refused = web.client.get(f"/me/code/{stranger}/paper.pdf", headers=me)
    assert (refused.status_code, refused.json()["field"]) == (403, "person_id")
    empty = web.client.get(f"/me/code/{uncoloured}/paper.pdf", headers=me)
    assert (empty.status_code, empty.json()["field"]) == (422, "person_id")
    missing = web.client.get("/me/code/99999/paper.pdf", headers=me)
    assert missing.status_code == 404
