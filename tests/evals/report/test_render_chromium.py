"""The report renders in headless Chromium (Debian's `chromium` package): the DOM has the tables and the
embedded plot, and the screenshot shows table headers and plotted points."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from inspect_ai import eval
from matplotlib import image

from evals.report import make_report
from tasks.value_conflict import value_conflict

CHROMIUM = Path("/usr/bin/chromium")
HEADER_BLUE = (214, 234, 248)  # th background in the page's CSS
TRAINING_RED = (192, 57, 43)  # plotted points of training-context cells
WINDOW = (1400, 3000)


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
        f"--user-data-dir={profile}",
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
    ]
    return subprocess.run([str(CHROMIUM), *flags, *args], capture_output=True, text=True, timeout=180, check=False)


def pixels_near(picture: np.ndarray, colour: tuple[int, int, int], tolerance: int = 6) -> np.ndarray:
    rgb = (picture[..., :3] * 255).round() if picture.dtype.kind == "f" else picture[..., :3]
    near: np.ndarray = np.all(np.abs(rgb.astype(int) - np.array(colour)) <= tolerance, axis=-1)
    return near


def test_report_renders_with_tables_and_plots(tmp_path: Path) -> None:
    logs = eval(
        value_conflict(cot="none", value_domain="privacy", scenarios_per_cell=3),
        model="organism/context_gated_gamer",
        log_dir=str(tmp_path / "logs"),
        display="none",
    )
    assert logs[0].status == "success"
    html = make_report([tmp_path / "logs"], tmp_path / "report", examples_per_cell=1).html
    url = html.resolve().as_uri()

    dom = chromium("--dump-dom", url, profile=tmp_path / "profile-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert dom.stdout.count("<table") >= 6
    assert dom.stdout.count('<img class="plot"') == 1 and 'src="data:image/png;base64,' in dom.stdout
    assert "&lt;output&gt;" in dom.stdout and "<script" not in dom.stdout  # transcripts render as text

    shot = tmp_path / "report.png"
    result = chromium(f"--screenshot={shot}", url, profile=tmp_path / "profile-shot")
    assert result.returncode == 0 and shot.exists(), result.stderr[-2000:]
    picture = image.imread(shot)
    assert picture.shape[:2] == (WINDOW[1], WINDOW[0])
    header_rows = np.flatnonzero(pixels_near(picture, HEADER_BLUE).sum(axis=1) > 40)
    assert len(header_rows) > 60, "table headers should be visible"
    plot_points = pixels_near(picture, TRAINING_RED, tolerance=12)
    assert plot_points.sum() > 30, "the plot's training-context points should be visible"
    plot_top = np.flatnonzero(plot_points.any(axis=1))[0]
    assert plot_top > header_rows[0], "the plot comes after the first tables"
    non_white = (picture[..., :3] < 0.95).any(axis=-1).mean()
    assert 0.02 < non_white < 0.6
