package store

// clientsMigration adds dynamically registered clients (dcr.ClientStore).
// clients_software_idx enforces one active registration per software_id
// where the profile asks for it (unique_software): a partial unique index,
// so two instances racing to register one software cannot both succeed.
// Rejected clients no longer count, so the software may register again.
func clientsMigration() migration {
	return migration{
		version: 4,
		name:    "dynamically registered clients",
		postgres: []string{
			`CREATE TABLE clients (
				workspace          text        NOT NULL,
				id                 text        NOT NULL,
				software_id        text        NOT NULL DEFAULT '',
				unique_software    boolean     NOT NULL DEFAULT false,
				status             text        NOT NULL,
				metadata           bytea       NOT NULL,
				software_statement text        NOT NULL DEFAULT '',
				rat_hash           text        NOT NULL DEFAULT '',
				rat_expires_at     timestamptz,
				created_at         timestamptz NOT NULL,
				updated_at         timestamptz NOT NULL,
				CONSTRAINT clients_pkey PRIMARY KEY (workspace, id)
			)`,
			`CREATE UNIQUE INDEX clients_software_idx ON clients (workspace, software_id) WHERE unique_software AND status <> 'Rejected'`,
			`CREATE INDEX clients_software_id_idx ON clients (workspace, software_id)`,
			`CREATE INDEX clients_created_idx ON clients (workspace, created_at DESC, id DESC)`,
			`CREATE INDEX clients_status_idx ON clients (workspace, status, created_at DESC, id DESC)`,
		},
		sqlite: []string{
			`CREATE TABLE clients (
				workspace          TEXT     NOT NULL,
				id                 TEXT     NOT NULL,
				software_id        TEXT     NOT NULL DEFAULT '',
				unique_software    BOOLEAN  NOT NULL DEFAULT false,
				status             TEXT     NOT NULL,
				metadata           BLOB     NOT NULL,
				software_statement TEXT     NOT NULL DEFAULT '',
				rat_hash           TEXT     NOT NULL DEFAULT '',
				rat_expires_at     DATETIME,
				created_at         DATETIME NOT NULL,
				updated_at         DATETIME NOT NULL,
				PRIMARY KEY (workspace, id)
			)`,
			`CREATE UNIQUE INDEX clients_software_idx ON clients (workspace, software_id) WHERE unique_software AND status <> 'Rejected'`,
			`CREATE INDEX clients_software_id_idx ON clients (workspace, software_id)`,
			`CREATE INDEX clients_created_idx ON clients (workspace, created_at DESC, id DESC)`,
			`CREATE INDEX clients_status_idx ON clients (workspace, status, created_at DESC, id DESC)`,
		},
	}
}
