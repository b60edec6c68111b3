-- The node_* tables as jointzone made them before Alembic (commit 8fc2cae), on sqlite:
-- CreateTable of every table of jointzone.node._tables, as its create_all emitted them.

CREATE TABLE node_certificates (
	certificate VARCHAR(64) NOT NULL,
	data BLOB NOT NULL,
	PRIMARY KEY (certificate)
);

CREATE TABLE node_conflicts (
	id INTEGER NOT NULL,
	size INTEGER NOT NULL,
	signed TEXT NOT NULL,
	offered BLOB NOT NULL,
	PRIMARY KEY (id)
);

CREATE TABLE node_cosigned (
	size INTEGER NOT NULL,
	text TEXT NOT NULL,
	signed_at VARCHAR(20) NOT NULL,
	PRIMARY KEY (size)
);

CREATE TABLE node_proposals (
	act_id VARCHAR(32) NOT NULL,
	data BLOB NOT NULL,
	act_type VARCHAR(64) NOT NULL,
	proposed_by VARCHAR(64) NOT NULL,
	proposed_at VARCHAR(20) NOT NULL,
	expires_at VARCHAR(20) NOT NULL,
	PRIMARY KEY (act_id)
);

CREATE TABLE node_rejections (
	act_id VARCHAR(32) NOT NULL,
	party VARCHAR(64) NOT NULL,
	official VARCHAR(128) NOT NULL,
	reason TEXT NOT NULL,
	data BLOB NOT NULL,
	PRIMARY KEY (act_id, party)
);
