"""Render the README's screenshots offscreen from the sandbox demo.

    python scripts/screenshots.py [--out docs/screenshots]

Starts the app exactly as ``xerologdesk --sandbox`` does (in a temporary data directory), waits
for the demo orders to sync, then saves PNGs of the main window, the details of a failed order,
the Resolve dialog, the Settings dialog, the problems view, the contact picker and the
map-SKU dialog.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QCoreApplication, QItemSelection, QItemSelectionModel
from PySide6.QtWidgets import QWidget

from xerologdesk.store.problems import Fix
from xerologdesk.ui import launch
from xerologdesk.ui.main_window import MainWindow

WINDOW_SIZE = (1280, 760)
TIMEOUT_SECONDS = 30.0
# A failed demo order whose details show both kinds of failure (customer and product).
DETAILS_ORDER = "SO-1006"


def wait_for(condition: Callable[[], bool], what: str) -> None:
    """Run the event loop until ``condition`` holds."""
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        QCoreApplication.processEvents()
        time.sleep(0.01)  # a script, not a test: let the worker threads run


def save(widget: QWidget, path: Path) -> None:
    QCoreApplication.processEvents()
    widget.grab().save(str(path))
    print(path)


def row_of(window: MainWindow, ref: str) -> int:
    for row in range(window.model.rowCount()):
        found = window.model.row_at(row)
        if found is not None and found.order_ref == ref:
            return row
    raise SystemExit(f"{ref} is not in the demo log")


def render(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    qt_app = launch.application()
    with tempfile.TemporaryDirectory() as data_dir:
        args = argparse.Namespace(data_dir=data_dir, sandbox=True)
        started = launch.start(args, log_to_file=False, open_url=lambda url: None)
        window = started.window
        window.resize(*WINDOW_SIZE)
        try:
            counts = window.model
            wait_for(
                lambda: (
                    sum(counts.status_counts.values()) > 0
                    and counts.status_counts.get("pending", 1) == 0
                    and started.desktop.jobs.is_idle()
                ),
                "the demo orders to sync",
            )
            window.view.select_row(row_of(window, DETAILS_ORDER))
            save(window, out / "main-window.png")

            details = window.open_details(window.model.row_at(row_of(window, DETAILS_ORDER)).id)
            details.resize(820, 720)
            save(details, out / "details-failed-order.png")
            details.close()

            failed = [
                row
                for row in range(window.model.rowCount())
                if window.model.row_at(row).status == "failed"
            ]
            selection = QItemSelection()
            for row in failed:
                selection.select(window.model.index(row, 0), window.model.index(row, 8))
            window.view.selectionModel().select(
                selection,
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
            resolve = window.open_resolve()
            assert resolve is not None
            resolve.resize(860, 720)
            save(resolve, out / "resolve-dialog.png")
            resolve.close()

            settings = window.open_settings("Xero defaults")
            wait_for(lambda: settings.lists is not None, "the organisation's lists")
            settings.resize(680, 520)
            save(settings, out / "settings-dialog.png")
            settings.close()

            problems = window.open_problems_view()
            wait_for(lambda: not problems.model.loading, "the problems")
            problems.resize(960, 520)
            save(problems, out / "problems-view.png")
            customer = next(g for g in problems.model.groups if Fix.LINK in g.fixes)
            problems.select_key(customer.key)
            problems.open_picker(customer)
            wait_for(
                lambda: problems.picker is not None and problems.picker.ranker is not None,
                "the organisation's contacts",
            )
            picker = problems.picker
            assert picker is not None
            save(picker, out / "contact-picker.png")
            picker.close()
            sku = next(g for g in problems.model.groups if Fix.MAP in g.fixes)
            problems.select_key(sku.key)
            mapping = problems.open_map(sku)
            wait_for(lambda: mapping.codes.count() > 0, "the organisation's items")
            save(mapping, out / "map-sku.png")
            mapping.close()
            problems.close()
        finally:
            window.close()
            started.shutdown()
    qt_app.quit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    render(parser.parse_args().out)


if __name__ == "__main__":
    main()
