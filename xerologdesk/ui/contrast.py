"""Text colours that stay readable: WCAG 2 contrast, and a quiet tone for help text that passes.

Help text used to be drawn as disabled text (#BEBEBE on #FBFBFB, 1.8:1); WCAG AA asks 4.5:1 for
body text. Every colour the app chooses itself (status badges, banners, warnings) is checked
against that ratio by the tests.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QWidget

AA_TEXT = 4.5  # WCAG 2 level AA, normal-size text


def relative_luminance(colour: QColor | str) -> float:
    """WCAG 2's relative luminance of an sRGB colour, 0 (black) to 1 (white)."""
    rgb = QColor(colour)

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * linear(rgb.redF()) + 0.7152 * linear(rgb.greenF()) + 0.0722 * linear(rgb.blueF())
    )


def contrast_ratio(first: QColor | str, second: QColor | str) -> float:
    """WCAG 2's contrast ratio, 1 (none) to 21 (black on white)."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def drawn_on(colour: QColor, background: QColor) -> QColor:
    """The opaque colour ``colour`` shows as on ``background`` (its transparency blended in)."""
    alpha = colour.alphaF()
    return QColor.fromRgbF(
        colour.redF() * alpha + background.redF() * (1 - alpha),
        colour.greenF() * alpha + background.greenF() * (1 - alpha),
        colour.blueF() * alpha + background.blueF() * (1 - alpha),
    )


def quiet_text(
    palette: QPalette,
    background_role: QPalette.ColorRole = QPalette.ColorRole.Window,
    text_role: QPalette.ColorRole = QPalette.ColorRole.WindowText,
) -> QColor:
    """A tone between the palette's placeholder and its text that reads at AA on its window
    (or, given the roles, on a list's Base under its Text): the quietest such tone, so help
    text still looks secondary."""
    background = palette.color(background_role)
    loud = palette.color(text_role)
    # Qt 6's placeholder is the text colour half transparent: as drawn, it is the blend.
    quiet = drawn_on(palette.color(QPalette.ColorRole.PlaceholderText), background)
    for step in range(11):
        share = step / 10
        mixed = QColor.fromRgbF(
            quiet.redF() + (loud.redF() - quiet.redF()) * share,
            quiet.greenF() + (loud.greenF() - quiet.greenF()) * share,
            quiet.blueF() + (loud.blueF() - quiet.blueF()) * share,
        )
        if contrast_ratio(mixed, background) >= AA_TEXT:
            return mixed
    return loud


def make_quiet(widget: QWidget) -> None:
    """Draw ``widget``'s text in :func:`quiet_text` (not as disabled text, which fails AA)."""
    palette = widget.palette()
    palette.setColor(QPalette.ColorRole.WindowText, quiet_text(palette))
    widget.setPalette(palette)
