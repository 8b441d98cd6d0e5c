"""The figures and the two interactive diagrams of the seeded course, in headless Chromium.

Lesson 6's unrolled graph and lesson 8's sliders are operated with the keyboard and with the
mouse, and what they show is checked against the reference implementation. Without
JavaScript the lessons still read (the table, the figures, a note). Screenshots at 1280 and
375 px go to test-artifacts/diagrams/.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.core.management import call_command

from courses.models import Course
from tests.reference import load_reference
from tests.services import chromium_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "diagrams"
CONTENT = Path(settings.BASE_DIR) / "content" / "rnn-from-scratch"
ROTATION = np.array([[0.6, -0.8], [0.8, 0.6]])


@pytest.fixture
def seeded_course() -> Course:
    call_command("import_course", str(CONTENT))
    return Course.objects.get(slug="rnn-from-scratch")


@pytest.fixture
def folder(request) -> Path:
    # chromium_page empties its folder, so each test keeps its screenshots in its own.
    return ARTIFACTS / request.node.name


@pytest.fixture
def page(monkeypatch, folder):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with chromium_page(folder) as page:
        console_errors: list[str] = []
        page.on(
            "console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None
        )
        yield page
        assert not console_errors, f"console errors: {console_errors}"


def shots(page, folder: Path, name: str, element=None) -> None:
    """Screenshot at 1280 px and at 375 px; the page must not scroll sideways at 375 px."""
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(150)
        target = element if element is not None else page
        target.screenshot(path=str(folder / f"{name}-{width}px.png"))
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, f"{name}: scrolls sideways by {overflow} px at {width} px"
    page.set_viewport_size({"width": 1280, "height": 900})


def first_norm(s: float, T: int) -> str:
    """‖∂h_T/∂h_1‖_F of lesson 8's network, from the reference, as the diagram prints it."""
    norms = load_reference("gradient-norms")(
        np.full((T, 1), 0.1), np.zeros(2), np.array([[0.5], [-0.5]]), s * ROTATION, np.zeros(2)
    )
    return f"{float(norms[0]):.4f}"


def state(page) -> dict:
    return page.evaluate(
        """() => ({
        focused: document.activeElement && document.activeElement.dataset.node,
        selected: [...document.querySelectorAll('.bptt-graph .node.selected')].map(n => n.dataset.node),
        dependants: [...document.querySelectorAll('.bptt-graph .node.dependant')].map(n => n.dataset.node).sort(),
        flowing: document.querySelectorAll('.bptt-graph .edge.flowing').length,
        panel: document.querySelector('.diagram-panel').innerText,
    })"""
    )


def test_lesson_6_graph_with_keyboard_and_mouse(live_server, seeded_course, page, folder):
    lesson = seeded_course.lessons.get(slug="bptt")
    page.goto(f"{live_server.url}{lesson.get_absolute_url()}")
    explorer = page.locator(".bptt-explorer")
    explorer.locator(".node").first.wait_for()
    assert explorer.locator(".js-only-note").count() == 0
    assert explorer.locator(".node").count() == 10
    assert state(page)["panel"] == "No node selected yet."
    # Every figure of the lesson loaded as an image.
    assert page.evaluate(
        "[...document.querySelectorAll('.prose img')].every(i => i.complete && i.naturalWidth > 0)"
    )

    # Keyboard: from the help text, Tab walks the nodes in reading order: x1, h0, z1, h1.
    explorer.locator(".diagram-help").click()
    trail = []
    for _ in range(4):
        page.keyboard.press("Tab")
        trail.append(page.evaluate("document.activeElement.outerHTML.slice(0, 80)"))
    seen = state(page)
    assert seen["focused"] == "h1", trail
    assert seen["focused"] == "h1" and seen["selected"] == ["h1"]
    assert seen["dependants"] == ["L", "h2", "y1", "y2", "z2"]
    assert seen["flowing"] == 6  # h1→y1, h1→z2, z2→h2, h2→y2, y1→L, y2→L
    assert "v · ∂L/∂y₁ + w · δ₂ = −0.7602 + 0.1325 = −0.6277" in seen["panel"]
    assert "(two sources)" in seen["panel"]
    page.keyboard.press("Tab")
    assert state(page)["focused"] == "y1" and state(page)["dependants"] == ["L"]
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    assert state(page)["selected"] == ["h1"]
    shots(page, folder, "lesson6-graph-keyboard", element=explorer)

    # Mouse: clicking z2 selects it; its dependants are h2, y2 and the loss.
    explorer.locator("[data-node=z2]").click()
    seen = state(page)
    assert seen["selected"] == ["z2"] and seen["dependants"] == ["L", "h2", "y2"]
    assert "δ₂ = ∂L/∂h₂ · (1 − h₂²) = 0.7756 · 0.3417 = 0.2650" in seen["panel"]
    assert explorer.locator("[data-node=h2] .node-gradient").text_content() == "grad 0.7756"
    assert not explorer.locator("[data-node=h1] .node-gradient").is_visible()
    shots(page, folder, "lesson6-graph-mouse", element=explorer)
    shots(page, folder, "lesson6-page")


def test_lesson_8_sliders_with_keyboard_and_mouse(live_server, seeded_course, page, folder):
    lesson = seeded_course.lessons.get(slug="vanishing-gradients")
    page.goto(f"{live_server.url}{lesson.get_absolute_url()}")
    scale = page.get_by_label("Recurrent scale s")
    length = page.get_by_label("Sequence length T")
    summary = page.locator(".explorer-summary")
    summary.wait_for()
    assert f"‖∂h_T/∂h_1‖ = {first_norm(1.0, 8)}" in summary.inner_text()

    # Keyboard: five steps left on the scale give s = 0.5, the lesson's vanishing line.
    scale.focus()
    for _ in range(5):
        page.keyboard.press("ArrowLeft")
    assert scale.input_value() == "0.5"
    assert f"s = 0.5 and T = 8, ‖∂h_T/∂h_1‖ = {first_norm(0.5, 8)}" in summary.inner_text()
    assert first_norm(0.5, 8) == "0.0107"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "explorer-length"
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    assert f"T = 12, ‖∂h_T/∂h_1‖ = {first_norm(0.5, 12)}" in summary.inner_text()
    assert page.locator(".explorer-plot .series-dot").count() == 12
    shots(page, folder, "lesson8-sliders-keyboard", element=page.locator(".gradient-explorer"))

    # Mouse: a click at the right end of the scale's track sets s = 2.0, at the left end of
    # the length's track T = 2.
    box = scale.bounding_box()
    scale.click(position={"x": box["width"] - 1, "y": box["height"] / 2})
    assert scale.input_value() == "2"
    box = length.bounding_box()
    length.click(position={"x": 1, "y": box["height"] / 2})
    assert length.input_value() == "2"
    assert f"s = 2.0 and T = 2, ‖∂h_T/∂h_1‖ = {first_norm(2.0, 2)}" in summary.inner_text()
    assert page.locator(".explorer-plot .series-dot").count() == 2
    shots(page, folder, "lesson8-sliders-mouse", element=page.locator(".gradient-explorer"))
    shots(page, folder, "lesson8-page")


def test_lessons_read_without_javascript(live_server, seeded_course, page, folder):
    context = page.context.browser.new_context(java_script_enabled=False)
    try:
        plain = context.new_page()
        for slug in ("bptt", "vanishing-gradients"):
            lesson = seeded_course.lessons.get(slug=slug)
            plain.goto(f"{live_server.url}{lesson.get_absolute_url()}")
            assert plain.locator(".js-only-note").is_visible()
            images = plain.locator(".prose img")
            assert images.count() >= 1
            for i in range(images.count()):
                assert len(images.nth(i).get_attribute("alt").split()) >= 25
        lesson6 = seeded_course.lessons.get(slug="bptt")
        plain.goto(f"{live_server.url}{lesson6.get_absolute_url()}")
        assert plain.locator("table td", has_text="-0.6277").count() == 1
        plain.screenshot(path=str(folder / "lesson6-no-js-1280px.png"), full_page=True)
    finally:
        context.close()
