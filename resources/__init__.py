"""Files the app ships (icons, desktop entry, demo orders), read with ``importlib.resources``.

Installed as the package ``xerologdesk.resources`` so that the same lookup works installed,
editable and bundled.
"""
