"""Counted words in the window ("1 order", "3 orders") through Qt's plural forms.

Every counted phrase goes through ``QCoreApplication.translate(context, "%n order(s)", None, n)``,
so a translation can give each language its own plural forms. English needs one too: without a
translator Qt would show "1 order(s)". ``EnglishPlurals`` is that translator, written in code (no
.qm file to build): it turns "(s)" into "" for one and "s" otherwise, and leaves "%n" to Qt.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QThread, QTranslator

CONTEXT = "xerologdesk"


class EnglishPlurals(QTranslator):
    """The English plural forms of the app's counted phrases."""

    def translate(
        self, context: str, source: str, disambiguation: str | None = None, n: int = -1
    ) -> str | None:
        if n < 0 or "(s)" not in source:
            return None  # not ours: Qt keeps the source text (an empty string would replace it)
        return source.replace("(s)", "" if n == 1 else "s")

    def isEmpty(self) -> bool:
        return False


_installed: EnglishPlurals | None = None


def install_plurals() -> None:
    """Install the English plural forms (once; on the GUI thread, before any worker counts).

    Asked after any translator installed later (Qt asks the newest first), so a real
    translation for the user's language still wins."""
    global _installed
    application = QCoreApplication.instance()
    if _installed is not None or application is None:
        return
    if QThread.currentThread() != application.thread():
        return  # a QObject for the application is made on its thread only
    _installed = EnglishPlurals(application)
    application.installTranslator(_installed)


def counted(text: str, n: int) -> str:
    """``text`` with ``%n`` as ``n`` and each "(s)" in the plural form ``n`` asks for."""
    install_plurals()
    return QCoreApplication.translate(CONTEXT, text, None, n)
