"""Every colour the app picks itself reads at WCAG AA (4.5:1) on what it is drawn on."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from gui_support import QT_MARKS, line, select_refs
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QLabel, QWidget

from xerologdesk.ui.contrast import AA_TEXT, contrast_ratio, quiet_text
from xerologdesk.ui.main_window import MainWindow
from xerologdesk.ui.run_panel import BANNER_COLOURS
from xerologdesk.ui.status_badge import BADGE_COLOURS

pytestmark = QT_MARKS
STYLED_COLOUR = re.compile(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{6})")


def test_the_contrast_ratio_is_wcag_s() -> None:
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert contrast_ratio("#bebebe", "#fbfbfb") == pytest.approx(1.8, abs=0.05)  # the old help


def test_quiet_text_is_quieter_than_text_yet_reads_at_aa() -> None:
    """Qt 6's placeholder is the text colour half transparent: mixing it as if opaque gave the
    text colour itself (nothing quiet). As drawn, it is grey, and too light to read."""
    palette = QPalette()
    palette.setColor(QPalette.ColorRole.Window, QColor("#efefef"))
    palette.setColor(QPalette.ColorRole.WindowText, QColor("#000000"))
    palette.setColor(QPalette.ColorRole.PlaceholderText, QColor.fromRgb(0, 0, 0, 128))
    quiet = quiet_text(palette)
    assert quiet.name() != "#000000"
    assert AA_TEXT <= contrast_ratio(quiet, "#efefef") < 7


@pytest.mark.parametrize(("status", "colours"), BADGE_COLOURS.items())
def test_status_badges_read_at_aa(status: str, colours: tuple[str, str]) -> None:
    background, text = colours
    assert contrast_ratio(text, background) >= AA_TEXT, status


@pytest.mark.parametrize(("kind", "colours"), BANNER_COLOURS.items())
def test_banners_read_at_aa(kind: str, colours: tuple[str, str]) -> None:
    background, text = colours
    assert contrast_ratio(text, background) >= AA_TEXT, kind


def drawn_text_contrast(label: QWidget) -> float:
    """The contrast of a label's text as drawn: its palette's, in the group its state picks."""
    palette = label.palette()
    group = QPalette.ColorGroup.Active if label.isEnabled() else QPalette.ColorGroup.Disabled
    return contrast_ratio(
        palette.color(group, QPalette.ColorRole.WindowText),
        palette.color(group, QPalette.ColorRole.Window),
    )


def styled_colours_contrast(widget: QWidget) -> dict[str, float]:
    """Each label's style-sheet colour against the window colour it is drawn on."""
    found = {}
    for label in widget.findChildren(QLabel):
        for colour in STYLED_COLOUR.findall(label.styleSheet()):
            found[f"{label.objectName()} {colour}"] = contrast_ratio(
                colour, label.palette().color(QPalette.ColorRole.Window)
            )
    return found


def test_settings_help_and_error_text_read_at_aa(window: MainWindow) -> None:
    dialog = window.open_settings()
    texts = {declaration.help for declaration in window.desktop.app.settings.declarations()}
    helps = [label for label in dialog.findChildren(QLabel) if label.text() in texts]
    assert len(helps) >= 10
    for label in helps:
        assert drawn_text_contrast(label) >= AA_TEXT, label.text()
    colours = styled_colours_contrast(dialog)
    assert colours, "the error labels' colour is checked too"
    assert all(ratio >= AA_TEXT for ratio in colours.values()), colours
    dialog.reject()


def test_the_resolve_dialog_s_warning_reads_at_aa(
    window: MainWindow, import_lines: Callable[..., object]
) -> None:
    window.desktop.app.settings.set("auto_sync_new_orders", False)
    import_lines([line("SO-1")])
    select_refs(window, ["SO-1"])
    dialog = window.open_resolve()
    assert dialog is not None
    colours = styled_colours_contrast(dialog)
    assert any("#8a5300" in key for key in colours), colours
    assert all(ratio >= AA_TEXT for ratio in colours.values()), colours
    dialog.reject()
