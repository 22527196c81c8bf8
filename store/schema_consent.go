package store

// consentMigration adds the consent engine's tables: consents, their status
// history, idempotency keys and the audit log.
func consentMigration() migration {
	return migration{
		version: 2,
		name:    "consents, history, idempotency, audit",
		postgres: []string{
			`CREATE TABLE consents (
				workspace         text        NOT NULL,
				id                text        NOT NULL,
				client_id         text        NOT NULL,
				ecosystem         text        NOT NULL,
				kind              text        NOT NULL,
				status            text        NOT NULL,
				subject           text        NOT NULL DEFAULT '',
				permissions       text        NOT NULL DEFAULT '[]',
				resources         text        NOT NULL DEFAULT '[]',
				expires_at        timestamptz,
				payload           bytea,
				version           integer     NOT NULL,
				created_at        timestamptz NOT NULL,
				updated_at        timestamptz NOT NULL,
				status_updated_at timestamptz NOT NULL,
				CONSTRAINT consents_pkey PRIMARY KEY (workspace, id)
			)`,
			`CREATE INDEX consents_subject_idx ON consents (workspace, subject, created_at DESC, id DESC)`,
			`CREATE INDEX consents_client_idx ON consents (workspace, client_id, created_at DESC, id DESC)`,
			`CREATE INDEX consents_created_idx ON consents (workspace, created_at DESC, id DESC)`,
			`CREATE INDEX consents_expiry_idx ON consents (expires_at) WHERE status IN ('awaiting_authorisation', 'authorised')`,
			`CREATE TABLE consent_transitions (
				seq         bigserial   PRIMARY KEY,
				workspace   text        NOT NULL,
				consent_id  text        NOT NULL,
				from_status text        NOT NULL,
				to_status   text        NOT NULL,
				event       text        NOT NULL,
				actor       text        NOT NULL DEFAULT '',
				reason      text        NOT NULL DEFAULT '',
				at          timestamptz NOT NULL
			)`,
			`CREATE INDEX consent_transitions_consent_idx ON consent_transitions (workspace, consent_id, seq)`,
			`CREATE TABLE idempotency_keys (
				workspace    text        NOT NULL,
				client_id    text        NOT NULL,
				key          text        NOT NULL,
				request_hash text        NOT NULL,
				consent_id   text        NOT NULL,
				expires_at   timestamptz NOT NULL,
				CONSTRAINT idempotency_keys_pkey PRIMARY KEY (workspace, client_id, key)
			)`,
			`CREATE TABLE audit_events (
				seq       bigserial   PRIMARY KEY,
				workspace text        NOT NULL,
				actor     text        NOT NULL DEFAULT '',
				action    text        NOT NULL,
				object    text        NOT NULL DEFAULT '',
				detail    bytea,
				at        timestamptz NOT NULL
			)`,
			`CREATE INDEX audit_events_object_idx ON audit_events (workspace, object, seq)`,
		},
		sqlite: []string{
			`CREATE TABLE consents (
				workspace         TEXT     NOT NULL,
				id                TEXT     NOT NULL,
				client_id         TEXT     NOT NULL,
				ecosystem         TEXT     NOT NULL,
				kind              TEXT     NOT NULL,
				status            TEXT     NOT NULL,
				subject           TEXT     NOT NULL DEFAULT '',
				permissions       TEXT     NOT NULL DEFAULT '[]',
				resources         TEXT     NOT NULL DEFAULT '[]',
				expires_at        DATETIME,
				payload           BLOB,
				version           INTEGER  NOT NULL,
				created_at        DATETIME NOT NULL,
				updated_at        DATETIME NOT NULL,
				status_updated_at DATETIME NOT NULL,
				PRIMARY KEY (workspace, id)
			)`,
			`CREATE INDEX consents_subject_idx ON consents (workspace, subject, created_at DESC, id DESC)`,
			`CREATE INDEX consents_client_idx ON consents (workspace, client_id, created_at DESC, id DESC)`,
			`CREATE INDEX consents_created_idx ON consents (workspace, created_at DESC, id DESC)`,
			`CREATE INDEX consents_expiry_idx ON consents (expires_at) WHERE status IN ('awaiting_authorisation', 'authorised')`,
			`CREATE TABLE consent_transitions (
				seq         INTEGER  PRIMARY KEY AUTOINCREMENT,
				workspace   TEXT     NOT NULL,
				consent_id  TEXT     NOT NULL,
				from_status TEXT     NOT NULL,
				to_status   TEXT     NOT NULL,
				event       TEXT     NOT NULL,
				actor       TEXT     NOT NULL DEFAULT '',
				reason      TEXT     NOT NULL DEFAULT '',
				at          DATETIME NOT NULL
			)`,
			`CREATE INDEX consent_transitions_consent_idx ON consent_transitions (workspace, consent_id, seq)`,
			`CREATE TABLE idempotency_keys (
				workspace    TEXT     NOT NULL,
				client_id    TEXT     NOT NULL,
				key          TEXT     NOT NULL,
				request_hash TEXT     NOT NULL,
				consent_id   TEXT     NOT NULL,
				expires_at   DATETIME NOT NULL,
				PRIMARY KEY (workspace, client_id, key)
			)`,
			`CREATE TABLE audit_events (
				seq       INTEGER  PRIMARY KEY AUTOINCREMENT,
				workspace TEXT     NOT NULL,
				actor     TEXT     NOT NULL DEFAULT '',
				action    TEXT     NOT NULL,
				object    TEXT     NOT NULL DEFAULT '',
				detail    BLOB,
				at        DATETIME NOT NULL
			)`,
			`CREATE INDEX audit_events_object_idx ON audit_events (workspace, object, seq)`,
		},
	}
}
