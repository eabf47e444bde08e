"""Fixtures for every test layer. `db_url` runs a test on SQLite and on PostgreSQL
(tests/db_backends.py); assigned, not imported, so that pyflakes sees them used."""
from tests import db_backends

db_url = db_backends.db_url
postgres_module_url = db_backends.postgres_module_url
