package store

// outboxMigration adds the notification outbox (consent.Notification):
// rows written with consent changes and delivered with retries.
func outboxMigration() migration {
	return migration{
		version: 3,
		name:    "notification outbox",
		postgres: []string{
			`CREATE TABLE notifications (
				id           text        NOT NULL,
				workspace    text        NOT NULL,
				kind         text        NOT NULL,
				consent_id   text        NOT NULL DEFAULT '',
				client_id    text        NOT NULL DEFAULT '',
				target       text        NOT NULL DEFAULT '',
				payload      bytea,
				status       text        NOT NULL,
				attempts     integer     NOT NULL DEFAULT 0,
				last_error   text        NOT NULL DEFAULT '',
				next_at      timestamptz NOT NULL,
				leased_until timestamptz,
				created_at   timestamptz NOT NULL,
				done_at      timestamptz,
				CONSTRAINT notifications_pkey PRIMARY KEY (id)
			)`,
			`CREATE INDEX notifications_due_idx ON notifications (next_at) WHERE status = 'pending'`,
			`CREATE INDEX notifications_workspace_idx ON notifications (workspace, created_at DESC)`,
		},
		sqlite: []string{
			`CREATE TABLE notifications (
				id           TEXT     NOT NULL PRIMARY KEY,
				workspace    TEXT     NOT NULL,
				kind         TEXT     NOT NULL,
				consent_id   TEXT     NOT NULL DEFAULT '',
				client_id    TEXT     NOT NULL DEFAULT '',
				target       TEXT     NOT NULL DEFAULT '',
				payload      BLOB,
				status       TEXT     NOT NULL,
				attempts     INTEGER  NOT NULL DEFAULT 0,
				last_error   TEXT     NOT NULL DEFAULT '',
				next_at      DATETIME NOT NULL,
				leased_until DATETIME,
				created_at   DATETIME NOT NULL,
				done_at      DATETIME
			)`,
			`CREATE INDEX notifications_due_idx ON notifications (next_at) WHERE status = 'pending'`,
			`CREATE INDEX notifications_workspace_idx ON notifications (workspace, created_at DESC)`,
		},
	}
}
