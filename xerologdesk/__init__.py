"""xerologdesk: sync wholesale sales orders to Xero and keep the Xero integration log."""

__version__ = "0.1.0"
