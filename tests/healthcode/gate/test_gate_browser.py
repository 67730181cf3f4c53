"""The gate page in a real browser: a guard types a real FG1 code into the scanner field and sees admit or refuse."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from fugong.healthcode import audit, registry
from fugong.healthcode.credentials.qr import make_qr
from fugong.healthcode.gate.authority import Authority
from fugong.healthcode.gate.places import create_place
from fugong.hub.pseudonyms import pseudonymiser
from fugong.settings import Settings

from .conftest import XIHU, id_number

pytestmark = pytest.mark.browser
PASSWORD = "Kakou-yanma-2020!"
PLACE = "HZ-EAST-STATION"


@pytest.fixture
def gate_world(settings: Settings) -> dict[str, str]:
    """A migrated store with a guard who signs in, the place 杭州东站, and a green and a yellow person's codes."""
    from fugong.auth.users import create_user
    from fugong.geo import load_gazetteer
    from fugong.store import Store, migrate

    migrate.upgrade(settings.store_url)
    store = Store.from_settings(settings)
    codes: dict[str, str] = {}
    try:
        with store.session() as session:
            gazetteer = load_gazetteer(settings.province, settings.reference_date)
            create_user(session, "menwei", roles=("checkpoint",), gazetteer=gazetteer, password=PASSWORD)
            create_place(session, PLACE, "杭州东站", "admin", "交通站点", XIHU)
            for serial, colour in ((1, "green"), (2, "yellow")):
                reg = registry.Registration("王小明", id_number(serial), XIHU)
                person = registry.register_self(session, pseudonymiser(settings), reg, f"p{serial}")
                audit.set_colour(session, person.id, colour, date(2020, 2, 20), audit.Manual("li", "zhao", "核实"))
                codes[colour] = Authority.of(settings).issue(session, person).text
    finally:
        store.dispose()
    return codes


def _login(page: Any, live_server: str) -> None:
    page.goto(f"{live_server}/gate")
    page.fill("#username", "menwei")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector("#scanner")


def _fake_camera(text: str, path: Path, width: int = 640, height: int = 480, scale: int = 6) -> Path:
    """A one-frame Y4M video (what Chromium's fake camera plays) showing the QR code of ``text``."""
    rows = [list(row) for row in make_qr(text).matrix]
    side = (len(rows) + 8) * scale
    assert side <= min(width, height), "the QR code does not fit the frame"
    luma = bytearray([235]) * (width * height)
    left, top = (width - side) // 2 + 4 * scale, (height - side) // 2 + 4 * scale
    for r, row in enumerate(rows):
        for c, dark in enumerate(row):
            if dark:
                for y in range(top + r * scale, top + (r + 1) * scale):
                    start = y * width + left + c * scale
                    luma[start : start + scale] = bytes([16]) * scale
    chroma = bytes([128]) * ((width // 2) * (height // 2))
    header = f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + b"FRAME\n" + bytes(luma) + chroma + chroma)
    return path


def _check(page: Any, code: str, temperature: str, screenshot: Path | None = None) -> tuple[str, str]:
    page.fill("#temperature", temperature)
    page.fill("#scanner", code)
    page.press("#scanner", "Enter")  # what a USB scanner does after typing the code
    page.wait_for_function("document.getElementById('result').dataset.result !== ''")
    result = page.get_attribute("#result", "data-result")
    text = page.locator("#result-text").inner_text()
    if screenshot is not None:
        page.screenshot(path=str(screenshot), full_page=True)
    page.evaluate("document.getElementById('result').dataset.result = ''")
    return result, text


def test_a_guard_scans_codes_with_the_typed_scanner_field(
    browser: Any, gate_world: dict[str, str], live_server: str, artifacts: Path
) -> None:
    page = browser.new_page(viewport={"width": 900, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _login(page, live_server)
    assert page.locator("h1").inner_text() == "卡口核验"
    page.select_option("#place", PLACE)

    admit = _check(page, gate_world["green"], "36.5", artifacts / "gate-admit-zh.png")
    assert admit == ("admit", "绿码，体温正常，请通行")
    assert _check(page, gate_world["yellow"], "36.5") == ("refuse", "黄码，不能通行")
    fever = _check(page, gate_world["green"], "38.2", artifacts / "gate-refuse-fever-zh.png")
    assert fever == ("refuse", "体温38.2度，偏高，不能通行，请复测")

    # The guard's place choice is remembered; the page speaks English on the switch.
    page.get_by_role("link", name="English").click()
    page.wait_for_selector("#scanner")
    assert page.locator("h1").inner_text() == "Checkpoint"
    assert page.input_value("#place") == PLACE
    assert _check(page, gate_world["yellow"], "36.6") == ("refuse", "Yellow code: no entry")
    counts = page.evaluate("fetch('/api/gate/scans/counts').then(r => r.json())")
    assert counts == {"admit": 1, "refuse": 3}
    assert errors == []
    page.close()


def test_the_camera_reads_a_qr_code_and_the_gate_admits(
    browser: Any, gate_world: dict[str, str], live_server: str, artifacts: Path, tmp_path: Path
) -> None:
    from tests.conftest import CHROMIUM, CHROMIUM_FLAGS

    video = _fake_camera(gate_world["green"], tmp_path / "qr.y4m")
    camera_flags = [
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    with_camera = browser.browser_type.launch(
        executable_path=CHROMIUM, headless=True, args=[*CHROMIUM_FLAGS, *camera_flags]
    )
    try:
        page = with_camera.new_page(viewport={"width": 900, "height": 1000})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        _login(page, live_server)
        page.select_option("#place", PLACE)
        page.fill("#temperature", "36.6")
        page.click("#camera-start")
        page.wait_for_function("document.getElementById('result').dataset.result !== ''", timeout=20_000)
        assert page.get_attribute("#scanner", "data-source") == "camera"
        assert page.get_attribute("#result", "data-result") == "admit"
        assert page.locator("#result-text").inner_text() == "绿码，体温正常，请通行"
        page.screenshot(path=str(artifacts / "gate-camera-admit-zh.png"), full_page=True)
        assert errors == []
    finally:
        with_camera.close()


def test_a_gate_offline_queues_its_scans_and_syncs_them_once_back_online(
    browser: Any, gate_world: dict[str, str], live_server: str, artifacts: Path
) -> None:
    context = browser.new_context(viewport={"width": 900, "height": 1000})
    page = context.new_page()
    _login(page, live_server)
    page.select_option("#place", PLACE)
    context.set_offline(True)
    assert _check(page, gate_world["green"], "36.5", artifacts / "gate-offline-queued-zh.png") == (
        "queued",
        "离线：已保存，联网后自动上传核验",
    )
    assert page.locator("#queue-count").inner_text() == "1"
    context.set_offline(False)  # the browser's "online" event sends the queue
    page.wait_for_function("document.getElementById('queue-count').textContent === '0'", timeout=20_000)
    counts = page.evaluate("fetch('/api/gate/scans/counts').then(r => r.json())")
    assert counts == {"admit": 1, "refuse": 0}
    page.reload()  # the queue stays empty: nothing is sent twice
    page.wait_for_selector("#scanner")
    assert page.locator("#queue-count").inner_text() == "0"
    assert page.evaluate("fetch('/api/gate/scans/counts').then(r => r.json())") == counts
    context.close()
