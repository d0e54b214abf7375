"""The demo report in a real browser (headless Chromium, Debian's `chromium` package) at 1400x900: the first
screen shows the verdict cards and the heat map, the page never scrolls sideways, the figures are inline SVG,
and the file stays small and script-free.

The report has no scripts, so the test measures layout by rendering a copy of the page with a small script
appended that writes the measurements into the DOM, read back with `--dump-dom`."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
from matplotlib import image

from tests.evals.report.conftest import DemoReport

CHROMIUM = Path("/usr/bin/chromium")
WINDOW = (1400, 900)
MAX_HTML_BYTES = 1_000_000
HEAT_BLUE = (115, 178, 213)  # heat-map cells of effects around +0.6: Okabe-Ito blue at 55% over white

MEASURE = """
<script>
window.addEventListener("load", () => {
  const box = (el) => { const r = el.getBoundingClientRect(); return {top: r.top, bottom: r.bottom, left: r.left,
    right: r.right}; };
  const cards = [...document.querySelectorAll(".card")].map(box);
  const heat = document.getElementById("heat-map");
  const wrapper = heat.parentElement;
  const out = document.createElement("pre");
  out.id = "measurements";
  out.textContent = JSON.stringify({
    viewport: [window.innerWidth, window.innerHeight],
    scrollWidth: document.documentElement.scrollWidth,
    cards: cards,
    heat: box(heat),
    heatOverflow: wrapper.scrollWidth - wrapper.clientWidth,
    svgs: document.querySelectorAll(".figure svg").length,
  });
  document.body.appendChild(out);
});
</script>
"""


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    if not CHROMIUM.exists():
        pytest.fail("Chromium is not installed: run `make chromium` (apt-get install chromium) to render the report")
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
    ]
    return subprocess.run([str(CHROMIUM), *flags, *args], capture_output=True, text=True, timeout=180, check=False)


def pixels_near(picture: np.ndarray, colour: tuple[int, int, int], tolerance: int = 10) -> np.ndarray:
    rgb = (picture[..., :3] * 255).round() if picture.dtype.kind == "f" else picture[..., :3]
    near: np.ndarray = np.all(np.abs(rgb.astype(int) - np.array(colour)) <= tolerance, axis=-1)
    return near


@pytest.mark.slow
def test_first_screen_shows_cards_and_heat_map_without_sideways_scroll(demo_report: DemoReport, tmp_path: Path) -> None:
    html = demo_report.html.read_text(encoding="utf-8")
    assert len(html.encode()) < MAX_HTML_BYTES, f"{len(html.encode())} bytes"
    assert "<script" not in html.lower() and "data:image/png" not in html
    measured_page = tmp_path / "measured.html"
    measured_page.write_text(html.replace("</body>", MEASURE + "</body>"), encoding="utf-8")

    dom = chromium("--dump-dom", measured_page.resolve().as_uri(), profile=tmp_path / "profile-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    found = re.search(r'<pre id="measurements">(.*?)</pre>', dom.stdout, re.DOTALL)
    assert found, "the measuring script did not run"
    m = json.loads(found.group(1).replace("&quot;", '"'))
    # `--dump-dom` lays the page out 1400 px wide, like the screenshot; its inner height leaves room for window
    # chrome, so positions are compared with the screenshot's 900 px (layout does not depend on the height).
    width, height = m["viewport"][0], WINDOW[1]
    assert width == WINDOW[0]
    assert m["scrollWidth"] <= width, "the page scrolls sideways"
    assert m["heatOverflow"] <= 0, "the heat map is wider than the page"
    assert len(m["cards"]) == 3
    assert len({round(card["top"]) for card in m["cards"]}) == 1, "the cards should sit side by side"
    for card in m["cards"]:
        assert card["left"] >= 0 and card["right"] <= width and card["bottom"] <= height, card
    assert m["heat"]["bottom"] <= height, f"heat map ends at {m['heat']['bottom']}px, below the first screen"
    assert m["svgs"] == 3, "one figure per hypothesis"

    shot = tmp_path / "first-screen.png"
    result = chromium(f"--screenshot={shot}", demo_report.html.resolve().as_uri(), profile=tmp_path / "profile-shot")
    assert result.returncode == 0 and shot.exists(), result.stderr[-2000:]
    picture = image.imread(shot)
    assert picture.shape[:2] == (WINDOW[1], WINDOW[0])
    heat_rows = np.flatnonzero(pixels_near(picture, HEAT_BLUE, tolerance=30).sum(axis=1) > 60)
    assert len(heat_rows) > 10, "strongly shaded heat-map cells should be visible on the first screen"
    assert heat_rows[0] > 250, "the heat map comes after the cards"
    non_white = (picture[..., :3] < 0.95).any(axis=-1).mean()
    assert 0.03 < non_white < 0.6
