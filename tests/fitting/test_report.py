"""report.html is one self-contained file that opens with a readable summary card:
every image embedded (and loading in a browser), nothing fetched from elsewhere."""

from __future__ import annotations

import base64
import io
import re
import shutil

import pytest

from spikeopt.fitting.report import data_uri, embed_images
from spikeopt.fitting.summary import (
    describe_budget,
    describe_objective,
    describe_optimizer,
    describe_stop,
)

PNG, GIF = b"\x89PNG\r\n\x1a\n", (b"GIF87a", b"GIF89a")


def _page(starter_cell_run) -> str:
    return (starter_cell_run[2] / "report.html").read_text(encoding="utf-8")


def test_every_image_is_embedded_and_decodes(starter_cell_run):
    from PIL import Image

    page = _page(starter_cell_run)
    refs = re.findall(r"""\b(?:src|href|srcset|poster)\s*=\s*["']([^"']*)""", page)
    assert refs and all(r.startswith("data:") for r in refs), refs
    assert "url(" not in page and "<link" not in page and "<script" not in page
    uris = re.findall(r"data:(image/(?:png|gif));base64,([A-Za-z0-9+/=]+)", page)
    kinds = [k for k, _ in uris]
    assert kinds.count("image/gif") == 1 and kinds.count("image/png") >= 6
    for kind, b64 in uris:
        raw = base64.b64decode(b64, validate=True)
        assert raw.startswith(PNG) if kind == "image/png" else raw.startswith(GIF)
        with Image.open(io.BytesIO(raw)) as im:
            im.verify()
    out = starter_cell_run[2]
    assert (out / "convergence.png").exists() and (out / "population.gif").exists()


def test_the_summary_card_reads_as_text(starter_cell_run):
    cfg, result, _ = starter_cell_run
    page = _page(starter_cell_run)
    card = page[page.index("<div class='card'>"):page.index("</div>")]
    assert page.index("<div class='card'>") < page.index("<h2>")  # the report opens with it
    for text in ("the <b>adex</b> model to the recording", "coincidence factor Γ",
                 "CMA-ES, population 16; seed 1", "48 evaluations, or loss ≤ 0",
                 "the budget of 48 evaluations", "held-out sweeps: Γ",
                 "evaluations/s", "near-optimal range", "pinned by the data?",
                 "fixed: C = 200 pF, g_L = 10 nS"):
        assert text in card, text
    for name, unit in (("a", "nS"), ("b", "pA"), ("tau_w", "ms"), ("V_T", "mV")):
        assert re.search(rf"<td>{name}</td><td>[-0-9.e]+</td><td>{unit}</td>", card), name
    assert "{'" not in card and '{"' not in card and "MaxEvaluations(" not in card
    # every figure has its one-line caption
    assert page.count("<figure>") == page.count("<figcaption>") >= 7


def test_descriptions_for_people():
    assert describe_optimizer({"optimizer": {"name": "ga", "popsize": 40, "mutation": {
        "name": "gaussian", "stdev": 0.1}}}) == \
        "genetic algorithm, population 40, mutation gaussian (stdev 0.1)"
    assert describe_budget({"budget": {"evaluations": 800, "stagnation": 20,
                                       "time_s": 60.0}}) == \
        ("800 evaluations, or 60 s, or 20 generations without improvement, or loss ≤ 0 "
         "(whichever comes first)")
    assert describe_objective({"objective": {"terms": [
        {"metric": "rate_distribution", "populations": ["E", "I"]},
        {"metric": "mean_rate", "populations": "S", "target_hz": 17.0, "weight": 2.0}]}}) == \
        "distribution of firing rates of E, I + 2 × mean firing rate of S (target 17 Hz)"
    assert describe_objective({"kind": "task", "task": {"name": "sine_cosine",
                                                        "steps": 100}}).startswith(
        "the task's loss of the output spike counts on the sine_cosine task's training")
    assert describe_stop("terminator: TargetLoss(target=0.001)") == \
        "reaching the target loss 0.001"


def test_embed_images_leaves_nothing_pointing_at_files(tmp_path):
    from matplotlib.figure import Figure

    (tmp_path / "sub").mkdir()
    Figure(figsize=(1, 1)).savefig(tmp_path / "sub" / "a.png")
    page = embed_images("<img src='sub/a.png'><img alt='x' src=\"sub/a.png\">", tmp_path)
    assert page.count(data_uri(tmp_path / "sub" / "a.png")) == 2
    with pytest.warns(UserWarning, match="could not embed"):
        embed_images("<img src='missing.png'>", tmp_path)


# the machine notes' flags: no sandbox (root in a container), no GPU, and nothing
# that reaches the network on its own (updates, sync, QUIC, first-run pages)
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
CHROMIUM_NAMES = ("chromium", "chromium-browser", "chromium-headless-shell", "google-chrome",
                  "google-chrome-stable")


@pytest.fixture(scope="session")
def chromium(tmp_path_factory):
    """A headless Chromium context (a new, empty profile) through playwright, or a
    skip that says what is missing. CI (.ci/run) installs Debian's ``chromium``."""
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (pip install playwright)")
    exe = next((shutil.which(n) for n in CHROMIUM_NAMES if shutil.which(n)), None)
    pw = sync_api.sync_playwright().start()
    try:
        context = pw.chromium.launch_persistent_context(
            tmp_path_factory.mktemp("chromium-profile"), executable_path=exe, headless=True,
            args=CHROMIUM_ARGS, viewport={"width": 1200, "height": 900})
    except sync_api.Error as exc:  # no browser: playwright's own is not downloaded either
        pw.stop()
        pytest.skip(f"no Chromium to render the report ({type(exc).__name__}): install "
                    "Debian's chromium (apt-get install chromium), or run "
                    "'playwright install chromium'")
    yield context
    context.close()
    pw.stop()


def test_report_renders_in_headless_chromium(chromium, starter_cell_run):
    out = starter_cell_run[2]
    page = chromium.new_page()
    try:
        requested, errors = [], []
        page.on("request", lambda r: requested.append(r.url))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        url = (out / "report.html").resolve().as_uri()
        page.goto(url, wait_until="load")
        assert requested == [url] and errors == []  # nothing but the page itself, no errors
        # the summary card opens the page: visible without scrolling, above every section
        card = page.locator(".card").first
        assert card.is_visible()
        box = card.bounding_box()
        assert box["y"] < 900 and box["height"] > 100
        first_h2 = page.locator("h2").first.bounding_box()
        assert box["y"] + box["height"] <= first_h2["y"]
        assert "model to the recording" in card.inner_text()
        # every image decoded and laid out, in a figure with a one-line caption
        images = page.evaluate("""Array.from(document.images).map(i => ({
            alt: i.alt, complete: i.complete, w: i.naturalWidth, h: i.naturalHeight,
            shown: i.getBoundingClientRect().width,
            caption: (i.closest('figure')?.querySelector('figcaption')?.innerText || '')}))""")
        assert len(images) >= 7
        for im in images:
            assert im["complete"] and im["w"] > 0 and im["h"] > 0, im["alt"]
            assert im["shown"] > 100, im["alt"]  # drawn at a readable size
            assert len(im["caption"].strip()) > 20 and "\n" not in im["caption"].strip(), im
        # what a reader sees is text: no JSON, dict or object reprs
        text = page.inner_text("body")
        for bad in ("{'", '{"', "object at 0x", "MaxEvaluations(", "TargetLoss(", "<spikeopt"):
            assert bad not in text, bad
        shown = re.search(r".{0,40}\b(nan|NaN|None)\b.{0,40}", text)
        assert shown is None, shown.group(0)
        assert "CMA-ES, population 16" in text and "evaluations" in text
    finally:
        page.close()
