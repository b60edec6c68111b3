"""The revisions of the node tables, a module each; Alembic loads them by path, not by import."""
