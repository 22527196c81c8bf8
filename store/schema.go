package store

// migration is one schema version, written as explicit DDL per dialect so
// that the schema is versioned and reviewable. Never edit a released
// migration: append a new one.
type migration struct {
	version  int
	name     string
	postgres []string
	sqlite   []string
}

// migrations returns every migration in version order. Versions are
// contiguous: 1 initial, 2 consents, 3 notification outbox; the next is 4. Every table has a
// workspace column and every query filters on it; ids of tokens, PAR
// records, logins and keys are random and globally unique, so they alone
// are the primary keys.
func migrations() []migration {
	return []migration{{
		version: 1,
		name:    "initial schema",
		postgres: []string{
			`CREATE TABLE single_use (
				workspace  text        NOT NULL,
				kind       text        NOT NULL,
				value      text        NOT NULL,
				expires_at timestamptz NOT NULL,
				CONSTRAINT single_use_pkey PRIMARY KEY (workspace, kind, value)
			)`,
			`CREATE INDEX single_use_expires_at_idx ON single_use (expires_at)`,
			`CREATE TABLE tokens (
				id         text        NOT NULL,
				workspace  text        NOT NULL,
				kind       text        NOT NULL,
				grant_id   text        NOT NULL DEFAULT '',
				client_id  text        NOT NULL DEFAULT '',
				subject    text        NOT NULL DEFAULT '',
				scope      text        NOT NULL DEFAULT '',
				consent_id text        NOT NULL DEFAULT '',
				jkt        text        NOT NULL DEFAULT '',
				x5t        text        NOT NULL DEFAULT '',
				issued_at  timestamptz NOT NULL,
				expires_at timestamptz NOT NULL,
				revoked    boolean     NOT NULL DEFAULT false,
				data       bytea,
				CONSTRAINT tokens_pkey PRIMARY KEY (id)
			)`,
			`CREATE INDEX tokens_workspace_grant_id_idx ON tokens (workspace, grant_id)`,
			`CREATE INDEX tokens_workspace_consent_id_idx ON tokens (workspace, consent_id)`,
			`CREATE INDEX tokens_workspace_client_id_idx ON tokens (workspace, client_id)`,
			`CREATE INDEX tokens_expires_at_idx ON tokens (expires_at)`,
			`CREATE TABLE par_requests (
				id         text        NOT NULL,
				workspace  text        NOT NULL,
				client_id  text        NOT NULL,
				request    bytea,
				expires_at timestamptz NOT NULL,
				used       boolean     NOT NULL DEFAULT false,
				CONSTRAINT par_requests_pkey PRIMARY KEY (id)
			)`,
			`CREATE INDEX par_requests_expires_at_idx ON par_requests (expires_at)`,
			`CREATE TABLE logins (
				id           text        NOT NULL,
				workspace    text        NOT NULL,
				client_id    text        NOT NULL,
				request      bytea,
				browser_hash text        NOT NULL DEFAULT '',
				state        text        NOT NULL,
				decision     bytea,
				expires_at   timestamptz NOT NULL,
				updated_at   timestamptz NOT NULL,
				CONSTRAINT logins_pkey PRIMARY KEY (id)
			)`,
			`CREATE INDEX logins_expires_at_idx ON logins (expires_at)`,
			`CREATE TABLE workspace_keys (
				id            text        NOT NULL,
				workspace     text        NOT NULL,
				alg           text        NOT NULL,
				use           text        NOT NULL,
				state         text        NOT NULL,
				private_enc   bytea,
				public_jwk    bytea,
				created_at    timestamptz NOT NULL,
				retired_at    timestamptz,
				publish_until timestamptz,
				CONSTRAINT workspace_keys_pkey PRIMARY KEY (id)
			)`,
			`CREATE INDEX workspace_keys_workspace_created_at_idx ON workspace_keys (workspace, created_at)`,
		},
		sqlite: []string{
			`CREATE TABLE single_use (
				workspace  TEXT     NOT NULL,
				kind       TEXT     NOT NULL,
				value      TEXT     NOT NULL,
				expires_at DATETIME NOT NULL,
				PRIMARY KEY (workspace, kind, value)
			) WITHOUT ROWID`,
			`CREATE INDEX single_use_expires_at_idx ON single_use (expires_at)`,
			`CREATE TABLE tokens (
				id         TEXT     NOT NULL PRIMARY KEY,
				workspace  TEXT     NOT NULL,
				kind       TEXT     NOT NULL,
				grant_id   TEXT     NOT NULL DEFAULT '',
				client_id  TEXT     NOT NULL DEFAULT '',
				subject    TEXT     NOT NULL DEFAULT '',
				scope      TEXT     NOT NULL DEFAULT '',
				consent_id TEXT     NOT NULL DEFAULT '',
				jkt        TEXT     NOT NULL DEFAULT '',
				x5t        TEXT     NOT NULL DEFAULT '',
				issued_at  DATETIME NOT NULL,
				expires_at DATETIME NOT NULL,
				revoked    BOOLEAN  NOT NULL DEFAULT false,
				data       BLOB
			)`,
			`CREATE INDEX tokens_workspace_grant_id_idx ON tokens (workspace, grant_id)`,
			`CREATE INDEX tokens_workspace_consent_id_idx ON tokens (workspace, consent_id)`,
			`CREATE INDEX tokens_workspace_client_id_idx ON tokens (workspace, client_id)`,
			`CREATE INDEX tokens_expires_at_idx ON tokens (expires_at)`,
			`CREATE TABLE par_requests (
				id         TEXT     NOT NULL PRIMARY KEY,
				workspace  TEXT     NOT NULL,
				client_id  TEXT     NOT NULL,
				request    BLOB,
				expires_at DATETIME NOT NULL,
				used       BOOLEAN  NOT NULL DEFAULT false
			)`,
			`CREATE INDEX par_requests_expires_at_idx ON par_requests (expires_at)`,
			`CREATE TABLE logins (
				id           TEXT     NOT NULL PRIMARY KEY,
				workspace    TEXT     NOT NULL,
				client_id    TEXT     NOT NULL,
				request      BLOB,
				browser_hash TEXT     NOT NULL DEFAULT '',
				state        TEXT     NOT NULL,
				decision     BLOB,
				expires_at   DATETIME NOT NULL,
				updated_at   DATETIME NOT NULL
			)`,
			`CREATE INDEX logins_expires_at_idx ON logins (expires_at)`,
			`CREATE TABLE workspace_keys (
				id            TEXT     NOT NULL PRIMARY KEY,
				workspace     TEXT     NOT NULL,
				alg           TEXT     NOT NULL,
				use           TEXT     NOT NULL,
				state         TEXT     NOT NULL,
				private_enc   BLOB,
				public_jwk    BLOB,
				created_at    DATETIME NOT NULL,
				retired_at    DATETIME,
				publish_until DATETIME
			)`,
			`CREATE INDEX workspace_keys_workspace_created_at_idx ON workspace_keys (workspace, created_at)`,
		},
	}, consentMigration(), outboxMigration(), clientsMigration()}
}
