"""Persistence: the store contract's SQLite and PostgreSQL implementations, migrations, copying, and files.

``sqlite.SqliteStore`` holds every row method (with the ``work`` and ``accounts`` mixins);
``postgres.PostgresStore`` runs the same methods over PostgreSQL, with SQL translated by ``dialect``.
``desk.open_store`` picks one by ``settings.database_url``; ``copy`` moves a desk between them.
"""
