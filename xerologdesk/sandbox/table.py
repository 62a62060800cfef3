"""One kind of record of a sandbox organisation, with its lookup indexes and cached JSON.

Records are dicts in Xero's JSON shape and are never changed in place: a change stores a new dict,
so a reader holding a record (or its cached JSON) always sees one consistent version. Not
thread-safe by itself: the :class:`~xerologdesk.sandbox.ledger.Ledger` owning it holds its lock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from xerologdesk.sandbox.wire import dumps, json_array

Record = Mapping[str, Any]
# An index maps a record to the keys it is found under (none: not indexed).
KeyFunction = Callable[[Record], Iterable[str]]


class Table:
    """Records by id, in creation order, with named indexes (key -> ids) and JSON caches."""

    def __init__(self, id_field: str, indexes: Mapping[str, KeyFunction] | None = None) -> None:
        self.id_field = id_field
        self._records: dict[str, Record] = {}
        self._key_functions = dict(indexes or {})
        self._indexes: dict[str, dict[str, set[str]]] = {name: {} for name in self._key_functions}
        self._json: dict[str, str] = {}
        self._all_json: str | None = None
        # Creation order survives an update (a dict keeps the first insertion's place) and is
        # what lookups through an index sort by.
        self._position: dict[str, int] = {}
        self._next_position = 0

    def __len__(self) -> int:
        return len(self._records)

    def __iter__(self) -> Iterator[Record]:
        return iter(list(self._records.values()))

    def get(self, record_id: str) -> Record | None:
        """The record with this id (GUIDs compared case-insensitively), or None."""
        return self._records.get(record_id.lower())

    def find(self, index: str, key: str) -> list[Record]:
        """The records an index files under ``key``, in creation order."""
        ids = self._indexes[index].get(key)
        if not ids:
            return []
        return self.in_order(self._records[each] for each in ids)

    def in_order(self, records: Iterable[Record]) -> list[Record]:
        """Stored records sorted by when each was created (duplicates dropped)."""
        unique = {self._key(record): record for record in records}
        return sorted(unique.values(), key=lambda record: self._position[self._key(record)])

    def put(self, record: Record) -> Record | None:
        """Store ``record`` (new, or replacing the one with its id); the previous version."""
        record_id = self._key(record)
        previous = self._records.get(record_id)
        if previous is not None:
            self._unindex(record_id, previous)
        self._records[record_id] = record
        if record_id not in self._position:
            self._position[record_id] = self._next_position
            self._next_position += 1
        self._index(record_id, record)
        self._json.pop(record_id, None)
        self._all_json = None
        return previous

    def remove(self, record_id: str) -> Record | None:
        """Forget a record (used to undo a create); the removed version."""
        key = record_id.lower()
        previous = self._records.pop(key, None)
        self._position.pop(key, None)
        if previous is not None:
            self._unindex(key, previous)
            self._json.pop(key, None)
            self._all_json = None
        return previous

    def clear(self) -> None:
        self._records.clear()
        self._position.clear()
        for index in self._indexes.values():
            index.clear()
        self._json.clear()
        self._all_json = None

    def json_of(self, record: Record) -> str:
        """The record's JSON text, serialised once per version."""
        record_id = self._key(record)
        if self._records.get(record_id) is not record:
            return dumps(record)  # not the stored version (e.g. an element that failed)
        text = self._json.get(record_id)
        if text is None:
            text = self._json[record_id] = dumps(record)
        return text

    def json_array(self, records: Iterable[Record]) -> str:
        """A JSON array of records, from the per-record caches."""
        return json_array(self.json_of(record) for record in records)

    def all_json(self) -> str:
        """Every record as one JSON array, cached until the next change (``GET /Items``)."""
        if self._all_json is None:
            self._all_json = self.json_array(self._records.values())
        return self._all_json

    def _key(self, record: Record) -> str:
        return str(record[self.id_field]).lower()

    def _index(self, record_id: str, record: Record) -> None:
        for name, keys_of in self._key_functions.items():
            index = self._indexes[name]
            for key in keys_of(record):
                index.setdefault(key, set()).add(record_id)

    def _unindex(self, record_id: str, record: Record) -> None:
        for name, keys_of in self._key_functions.items():
            index = self._indexes[name]
            for key in keys_of(record):
                ids = index.get(key)
                if ids is not None:
                    ids.discard(record_id)
                    if not ids:
                        del index[key]
