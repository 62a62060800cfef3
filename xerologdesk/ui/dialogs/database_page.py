"""The Settings dialog's Database page: which order book this desktop opens (its own SQLite
file, or a team's PostgreSQL database by URL), and *Test connection* on a worker.

The password never shows here and is never kept: the URL in use is shown through
:func:`~xerologdesk.store.engines.redacted`, and a URL holding one is refused in favour of
libpq's password file (``~/.pgpass`` or the file ``PGPASSFILE`` names). A saved URL takes
effect when xerologdesk starts again (``--database-url`` and $XEROLOGDESK_DATABASE_URL come
first).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QPushButton, QWidget

from xerologdesk.app import DatabaseUrlRefused, save_database_url, saved_database_url
from xerologdesk.store.db import check_server
from xerologdesk.store.engines import has_password, is_server_url
from xerologdesk.ui.contrast import make_quiet
from xerologdesk.ui.workers import Job, JobFailure, Jobs

if TYPE_CHECKING:
    from xerologdesk.app import App

HELP = (
    "A postgresql:// URL to share one log with your team (for example "
    "postgresql://alice@db.example/xerologdesk), or empty for this desktop's own log. Put the "
    "password in libpq's password file (~/.pgpass, or the file the PGPASSFILE variable names), "
    "never in the URL. A change takes effect when XeroLogDesk starts again; --database-url and "
    "XEROLOGDESK_DATABASE_URL come before it."
)
OWN_LOG = "this desktop's own log (SQLite, in its data folder)"
EMPTY_TEST = "Empty: this desktop opens its own log; there is no server to test."
DATABASE_SAVED = "The database setting is saved: it takes effect when XeroLogDesk starts again."


def url_problem(url: str) -> str:
    """What is wrong with ``url`` as this desktop's database URL ("" when nothing is)."""
    url = url.strip()
    if url and not is_server_url(url):
        return "Not a postgresql:// URL."
    if url and has_password(url):
        return (
            "Leave the password out of the URL: put it in libpq's password file (~/.pgpass, "
            "or the file the PGPASSFILE variable names)."
        )
    return ""


class DatabasePage(QWidget):
    """The database in use, the URL to open from the next start, and *Test connection*."""

    def __init__(self, app: App, jobs: Jobs, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._app, self._jobs = app, jobs
        self._saved = saved_database_url(app.data_dir)
        self.test_job: Job | None = None
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.in_use = QLabel(app.database_url() or OWN_LOG)
        self.in_use.setObjectName("database-in-use")
        self.in_use.setWordWrap(True)
        form.addRow("In use now:", self.in_use)
        self.url = QLineEdit(self._saved)  # saved without a password: nothing to hide
        self.url.setObjectName("database-url")
        self.url.setPlaceholderText("empty: this desktop's own log")
        self.url.setClearButtonEnabled(True)
        form.addRow("Database URL:", self.url)
        help_label = QLabel(HELP)
        help_label.setWordWrap(True)
        make_quiet(help_label)
        form.addRow(help_label)
        self.test_button = QPushButton("Test connection")
        self.test_button.setObjectName("database-test")
        self.test_button.setAutoDefault(False)
        self.test_button.clicked.connect(self.test_connection)
        form.addRow(self.test_button)
        self.result = QLabel()
        self.result.setObjectName("database-result")
        self.result.setWordWrap(True)
        form.addRow(self.result)

    def problem(self) -> str:
        """What is wrong with the URL typed ("" when it may be saved)."""
        return url_problem(self.url.text())

    def changed(self) -> bool:
        return self.url.text().strip() != self._saved

    def save(self) -> bool:
        """Keep the URL typed as this desktop's from its next start; whether it changed."""
        if not self.changed():
            return False
        try:
            save_database_url(self._app.data_dir, self.url.text())
        except (DatabaseUrlRefused, OSError) as error:
            self.result.setText(str(error))
            return False
        self._saved = self.url.text().strip()
        return True

    def test_connection(self) -> Job | None:
        """Try the URL typed on a worker; the result (or why it failed) shows below."""
        url = self.url.text().strip()
        problem = url_problem(url)
        if problem or not url:
            self.result.setText(problem or EMPTY_TEST)
            return None
        self.result.setText("Connecting\u2026")
        self.test_button.setEnabled(False)
        self.test_job = self._jobs.submit(
            "Test the database connection",
            lambda control: check_server(url),
            writes=False,
            on_done=self._tested,
            on_error=self._test_failed,
        )
        return self.test_job

    def _tested(self, found: str) -> None:
        self.test_button.setEnabled(True)
        self.result.setText(found)

    def _test_failed(self, failure: JobFailure) -> None:
        self.test_button.setEnabled(True)
        self.result.setText(failure.message)
