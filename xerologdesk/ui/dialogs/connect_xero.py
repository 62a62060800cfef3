"""Signing in to Xero from the Settings dialog's Connection page.

:class:`ConnectionPanel` shows the connected organisation (and when its tokens were last
refreshed) and, on workers, connects through :mod:`xerologdesk.connection` and disconnects
through the app (which drops its link to the organisation too): the browser step waits on a
reader thread (cancellable), storing the chosen organisation and disconnecting run on the
writer. :class:`OrganisationPicker` asks which organisation to use when the user allowed
several on Xero's page.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from xerologdesk import connection as connecting
from xerologdesk.connection import (
    AUTHORIZE_TIMEOUT_SECONDS,
    DEFAULT_PORT,
    Authorized,
    ConnectFailed,
    Disconnected,
    TokenStoreError,
    XeroConnection,
)
from xerologdesk.store import book
from xerologdesk.store.book import ConnectionData
from xerologdesk.ui import messages
from xerologdesk.ui.log_model import format_local_time
from xerologdesk.ui.workers import JobControl, JobFailure, Jobs

if TYPE_CHECKING:
    from xerologdesk.app import App

TITLE = "Connect to Xero"
HOW_TO = (
    "Create an app of type \u201cAuth Code with PKCE\u201d at developer.xero.com (My Apps, New "
    "app), register <code>http://localhost:{port}/callback</code> as its redirect URI, and paste "
    "its client id here. No secret is needed."
)


@dataclass(frozen=True)
class ConnectOptions:
    """How the panel connects: the defaults reach real Xero through the system browser; tests
    send everything to a sandbox (``xero_url``) and drive the consent page with ``browser``."""

    xero_url: str | None = None
    port: int = DEFAULT_PORT
    timeout: float = AUTHORIZE_TIMEOUT_SECONDS
    browser: Callable[[str], bool] | None = None


class OrganisationPicker(QDialog):
    """Pick one of the organisations the user allowed on Xero's page."""

    def __init__(self, connections: tuple[XeroConnection, ...], parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Choose an organisation")
        self.setObjectName("organisation-picker")
        layout = QVBoxLayout(self)
        prompt = QLabel("You allowed access to several organisations. Which one should it use?")
        prompt.setWordWrap(True)
        layout.addWidget(prompt)
        self.organisations = QListWidget()
        self.organisations.setObjectName("organisations")
        for each in connections:
            item = QListWidgetItem(each.tenant_name or each.tenant_id)
            item.setData(Qt.ItemDataRole.UserRole, each)
            item.setToolTip(f"Tenant id {each.tenant_id}")
            self.organisations.addItem(item)
        self.organisations.setCurrentRow(0)
        self.organisations.itemDoubleClicked.connect(lambda _item: self.accept())
        layout.addWidget(self.organisations)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        buttons.addButton("Use this organisation", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def choose(self, name: str) -> None:
        """Select the organisation called ``name`` (as a click would)."""
        for row in range(self.organisations.count()):
            if self.organisations.item(row).text() == name:
                self.organisations.setCurrentRow(row)
                return
        raise KeyError(name)

    def chosen(self) -> XeroConnection:
        """The organisation selected now."""
        item = self.organisations.currentItem()
        found: XeroConnection = item.data(Qt.ItemDataRole.UserRole)
        return found


class ConnectionPanel(QWidget):
    """The connected organisation, and the controls to connect, cancel and disconnect.

    ``connection_changed`` carries the stored connection (or None) after a connect or a
    disconnect, so the window's indicator can follow.
    """

    connection_changed = Signal(object)  # ConnectionData | None

    def __init__(
        self,
        app: App,
        jobs: Jobs,
        current: ConnectionData | None,
        options: ConnectOptions | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._app = app
        self._jobs = jobs
        self._options = options or ConnectOptions()
        self._cancel: threading.Event | None = None
        self.connection = current
        self.picker: OrganisationPicker | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.summary = QWidget()
        layout.addWidget(self.summary)
        QFormLayout(self.summary).setContentsMargins(0, 0, 0, 0)

        self.client_id = QLineEdit()
        self.client_id.setObjectName("client_id")
        self.client_id.setPlaceholderText("Client id of your Xero app")
        if current is not None and current.kind == "xero":
            self.client_id.setText(current.client_id)
        how_to = QLabel(HOW_TO.format(port=self._options.port))
        how_to.setTextFormat(Qt.TextFormat.RichText)
        how_to.setWordWrap(True)
        how_to.setEnabled(False)  # the palette's quieter text
        row = QHBoxLayout()
        row.addWidget(QLabel("Client id:"))
        row.addWidget(self.client_id, 1)
        layout.addLayout(row)
        layout.addWidget(how_to)

        buttons = QHBoxLayout()
        self.connect_button = self._button(
            "Connect to Xero\u2026", "connect-xero", self.start_connecting
        )
        self.cancel_button = self._button("Cancel connecting", "cancel-connect", self.cancel)
        self.disconnect_button = self._button(
            "Disconnect", "disconnect-xero", self.start_disconnecting
        )
        for button in (self.connect_button, self.cancel_button, self.disconnect_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.status = QLabel()
        self.status.setObjectName("connect-status")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self._show(current)
        self._set_busy(False)

    def _button(self, text: str, name: str, slot: Callable[[], object]) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setAutoDefault(False)  # Enter in the dialog saves; it never starts a sign-in
        button.clicked.connect(lambda _checked=False: slot())
        return button

    # -- showing -------------------------------------------------------------------------------

    def _show(self, connection: ConnectionData | None) -> None:
        self.connection = connection
        form = self.summary.layout()
        assert isinstance(form, QFormLayout)
        while form.rowCount():
            form.removeRow(0)
        describe_connection(form, connection)

    def _set_busy(self, busy: bool) -> None:
        self.connect_button.setEnabled(not busy)
        self.client_id.setEnabled(not busy)
        self.cancel_button.setVisible(busy)
        self.disconnect_button.setEnabled(not busy and self.connection is not None)

    def busy(self) -> bool:
        """Whether connecting or disconnecting is under way."""
        return not self.connect_button.isEnabled()

    def _changed(self, connection: ConnectionData | None) -> None:
        self._show(connection)
        self._set_busy(False)
        self.connection_changed.emit(connection)

    # -- connecting ----------------------------------------------------------------------------

    def start_connecting(self) -> None:
        """Open Xero's consent page and wait (on a worker) for the user's answer."""
        if self.busy():
            return
        client_id = self.client_id.text().strip()
        cancel = self._cancel = threading.Event()
        options = self._options
        xero_url = self._xero_url()

        def work(control: JobControl) -> Authorized:
            control.on_cancel(cancel.set)  # closing the dialog or quitting stops the wait too
            browser = {"browser": options.browser} if options.browser else {}
            return connecting.authorize(
                self._app,
                client_id,
                port=options.port,
                xero_url=xero_url,
                timeout=options.timeout,
                cancel=cancel,
                print_url=control.report,  # only when no browser opened: shown to copy
                **browser,  # type: ignore[arg-type]
            )

        self._set_busy(True)
        self.status.setText("Waiting for you to allow access on Xero's page in your browser\u2026")
        self.connect_job = self._jobs.submit(
            TITLE,
            work,
            writes=False,
            on_done=self._authorized,
            on_error=self._failed,
            on_progress=self._no_browser,
        )

    def _xero_url(self) -> str | None:
        """Where to sign in: the configured place, else where the stored connection lives.
        Reconnecting one made with ``connect --xero-url`` (a sandbox) must go back there, not
        to real Xero, which knows neither its client id nor its organisation."""
        current = self.connection
        if self._options.xero_url is not None or current is None or current.kind != "xero":
            return self._options.xero_url
        return connecting.sign_in_url(current)

    def _no_browser(self, url: object) -> None:
        self.status.setText(
            f"No browser opened. Open this address in your browser to allow access: {url}"
        )
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

    def cancel(self) -> None:
        """Stop waiting for Xero's page; nothing is stored."""
        if self._cancel is not None:
            self._cancel.set()
        if self.picker is not None and self.picker.isVisible():
            self.picker.reject()  # no organisation chosen: the grant is given back

    def _authorized(self, authorized: Authorized) -> None:
        if self._cancel is not None and self._cancel.is_set():
            self._give_back(authorized, "Connecting to Xero was cancelled. Nothing was connected.")
            return
        if len(authorized.connections) > 1:
            self.status.setText("Choose the organisation to use.")
            picker = self.picker = OrganisationPicker(authorized.connections, self)
            picker.accepted.connect(lambda: self._finish(authorized, picker.chosen()))
            picker.rejected.connect(
                lambda: self._give_back(
                    authorized, "No organisation was chosen. Nothing was connected."
                )
            )
            picker.open()
            return
        try:
            chosen = connecting.choose_connection(authorized.connections, None)
        except ConnectFailed as error:
            self._give_back(authorized, str(error), warn=True)
            return
        self._finish(authorized, chosen)

    def _finish(self, authorized: Authorized, chosen: XeroConnection) -> None:
        self.status.setText(f"Connecting to {chosen.tenant_name}\u2026")

        def work(control: JobControl) -> ConnectionData | None:
            connecting.finish(self._app, authorized, chosen)
            return book.get_connection()

        self.finish_job = self._jobs.submit(
            "Store the Xero connection",
            work,
            writes=True,
            on_done=self._connected,
            on_error=self._failed,
        )

    def _connected(self, connection: ConnectionData | None) -> None:
        name = connection.tenant_name if connection else ""
        self.status.setText(f"Connected to {name}.")
        self._changed(connection)

    def _give_back(self, authorized: Authorized, why: str, *, warn: bool = False) -> None:
        """Revoke a grant nobody will use, on a worker (it is a call to Xero; trouble there is
        only logged). The panel is free at once: the dialog may be closing."""
        self.status.setText(why)
        self._set_busy(False)
        if warn:
            messages.warning(self, TITLE, why)
        self.abandon_job = self._jobs.submit(
            "Give back an unused Xero sign-in",
            lambda control: connecting.abandon(authorized),
            writes=False,
        )

    def _failed(self, failure: JobFailure) -> None:
        error = failure.error
        self._set_busy(False)
        self.status.setText(failure.message)
        if isinstance(error, ConnectFailed) and self._cancel is not None and self._cancel.is_set():
            return  # the user cancelled: the status line says so, no box needed
        if isinstance(error, TokenStoreError):
            messages.warning(
                self,
                TITLE,
                f"{failure.message}\n\nTo keep the sign-in in a file of the app's data folder "
                "instead, choose \u201cFile\u201d as the token store, save the settings, then "
                "connect again.",
            )
        elif isinstance(error, ConnectFailed):
            messages.warning(self, TITLE, failure.message)
        else:
            messages.error(self, TITLE, f"Connecting to Xero failed: {failure.message}")

    # -- disconnecting -------------------------------------------------------------------------

    def start_disconnecting(self) -> None:
        """After the user confirms: remove the connection at Xero and forget its tokens."""
        current = self.connection
        if current is None or self.busy():
            return
        name = current.tenant_name or current.tenant_id
        if not messages.confirm(
            self,
            "Disconnect from Xero",
            f"Disconnect from {name}? Syncing stops until you connect again; the integration "
            "log is kept.",
            "Disconnect",
        ):
            return
        self._set_busy(True)
        self.status.setText(f"Disconnecting from {name}\u2026")
        self.disconnect_job = self._jobs.submit(
            "Disconnect from Xero",
            lambda control: self._app.disconnect(),
            writes=True,
            on_done=self._disconnected,
            on_error=self._disconnect_failed,
        )

    def _disconnected(self, result: Disconnected | None) -> None:
        name = result.tenant_name if result else ""
        self.status.setText(f"Disconnected from {name}." if name else "Not connected.")
        self._changed(None)
        if result is not None and result.warnings:
            messages.warning(
                self,
                "Disconnect from Xero",
                "Disconnected here, but:\n" + "\n".join(result.warnings),
            )

    def _disconnect_failed(self, failure: JobFailure) -> None:
        self._set_busy(False)
        self.status.setText(failure.message)
        messages.error(self, "Disconnect from Xero", f"Disconnecting failed: {failure.message}")


def describe_connection(form: QFormLayout, connection: ConnectionData | None) -> None:
    """The connected organisation and when it was last refreshed, as rows of ``form``."""
    if connection is None:
        text = QLabel(
            "Not connected to Xero. Run <code>xerologdesk --sandbox</code> to try the app on a "
            "demo organisation, or see README, \u201cConnect to your Xero organisation\u201d."
        )
        text.setObjectName("connection-state")
        text.setWordWrap(True)
        text.setTextFormat(Qt.TextFormat.RichText)
        form.addRow(text)
        return
    sandbox = connection.kind == "sandbox"
    rows = [
        ("Organisation:", connection.tenant_name or connection.tenant_id, "organisation"),
        (
            "Connected to:",
            "the embedded sandbox (a demo organisation)" if sandbox else "Xero",
            "connected-to",
        ),
    ]
    if sandbox:
        rows.append(("Address:", connection.base_url, "address"))
    rows.append(("Connected on:", format_local_time(connection.connected_at), "connected-on"))
    if connection.last_refreshed_at:
        rows.append(
            ("Last refreshed:", format_local_time(connection.last_refreshed_at), "last-refreshed")
        )
    for label, value, name in rows:
        shown = QLabel(value)
        shown.setObjectName(name)
        shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow(label, shown)
