"""The revisions of the log tables, a module each; Alembic loads them by path, not by import."""
