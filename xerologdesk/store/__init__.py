"""The order book: peewee models, the database, imports and log queries (no Qt, no Xero)."""
