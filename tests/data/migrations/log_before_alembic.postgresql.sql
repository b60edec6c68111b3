-- The log_* tables as jointzone made them before Alembic (commit 8fc2cae), on postgresql:
-- CreateTable of every table of jointzone.store._sql, as its create_all emitted them.

CREATE TABLE log_checkpoints (
	size BIGINT NOT NULL,
	note BYTEA NOT NULL,
	PRIMARY KEY (size)
);

CREATE TABLE log_entries (
	idx BIGINT NOT NULL,
	data BYTEA NOT NULL,
	PRIMARY KEY (idx)
);

CREATE TABLE log_head (
	id INTEGER NOT NULL,
	size BIGINT NOT NULL,
	schema_version INTEGER NOT NULL,
	PRIMARY KEY (id),
	CONSTRAINT log_head_one_row CHECK (id = 1)
);

CREATE TABLE log_tiles (
	level INTEGER NOT NULL,
	idx BIGINT NOT NULL,
	data BYTEA NOT NULL,
	PRIMARY KEY (level, idx)
);
