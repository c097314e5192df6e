import BulwarkSQLite

/// The embedded catalog's schema, as numbered steps. `PRAGMA user_version` says how many
/// have run; opening a catalog runs the missing ones, each in the transaction that also
/// moves the number, so two processes opening an old catalog at once cannot both run
/// one. A catalog whose number is beyond the last step was written by a newer Bulwark
/// and is refused: this one would not know what its columns mean.
enum CatalogMigrations {
    static let steps: [(name: String, run: @Sendable (SQLiteConnection) throws -> Void)] = [
        ("restores (the state database of Bulwark 0.1)", { db in
            try db.execute("""
                CREATE TABLE IF NOT EXISTS restores (
                  id TEXT PRIMARY KEY, provider_id TEXT NOT NULL, checkpoint_id TEXT NOT NULL, status TEXT NOT NULL,
                  parameters TEXT NOT NULL, resources TEXT NOT NULL, new_resources TEXT NOT NULL, error TEXT,
                  created_at REAL NOT NULL, updated_at REAL NOT NULL);
                CREATE INDEX IF NOT EXISTS restores_by_time ON restores (created_at);
                """)
            // State databases of before leases lack these two; later ones have them already.
            var columns = Set<String>()
            try db.query("SELECT name FROM pragma_table_info('restores')") { columns.insert($0.text(0) ?? "") }
            if !columns.contains("owner_id") { try db.execute("ALTER TABLE restores ADD COLUMN owner_id TEXT") }
            if !columns.contains("lease_expires_at") { try db.execute("ALTER TABLE restores ADD COLUMN lease_expires_at REAL") }
        }),
        ("the service catalog: plans, verifications, operation logs, quotas, services", { db in
            try db.execute("""
                ALTER TABLE restores ADD COLUMN kind TEXT NOT NULL DEFAULT 'restore';
                ALTER TABLE restores ADD COLUMN project_id TEXT NOT NULL DEFAULT 'default';
                ALTER TABLE restores ADD COLUMN restore_target TEXT;
                CREATE INDEX restores_by_project ON restores (project_id, kind, created_at);
                CREATE TABLE plans (
                  id TEXT PRIMARY KEY, project_id TEXT NOT NULL, name TEXT NOT NULL, description TEXT NOT NULL,
                  provider_id TEXT NOT NULL, status TEXT NOT NULL, resources TEXT NOT NULL, parameters TEXT NOT NULL,
                  created_at REAL NOT NULL, updated_at REAL NOT NULL);
                CREATE INDEX plans_by_project ON plans (project_id, created_at);
                CREATE TABLE operation_logs (
                  id TEXT PRIMARY KEY, project_id TEXT NOT NULL, operation_type TEXT NOT NULL, provider_id TEXT NOT NULL,
                  checkpoint_id TEXT, plan_id TEXT, restore_id TEXT, verification_id TEXT, scheduled_operation_id TEXT,
                  status TEXT NOT NULL, started_at REAL NOT NULL, ended_at REAL, error_info TEXT, extra_info TEXT NOT NULL,
                  owner_instance TEXT, lease_expires_at REAL);
                CREATE INDEX operation_logs_by_project ON operation_logs (project_id, started_at);
                CREATE INDEX operation_logs_running ON operation_logs (owner_instance) WHERE owner_instance IS NOT NULL;
                CREATE TABLE quotas (
                  project_id TEXT NOT NULL, resource TEXT NOT NULL, hard_limit INTEGER NOT NULL,
                  PRIMARY KEY (project_id, resource));
                CREATE TABLE services (
                  id INTEGER PRIMARY KEY AUTOINCREMENT, host TEXT NOT NULL, binary TEXT NOT NULL, enabled INTEGER NOT NULL,
                  disabled_reason TEXT, instance_id TEXT NOT NULL, heartbeat_at REAL NOT NULL, created_at REAL NOT NULL,
                  UNIQUE (host, binary));
                """)
        }),
        ("triggers, scheduled operations and their fires", { db in
            try db.execute("""
                CREATE TABLE triggers (
                  id TEXT PRIMARY KEY, project_id TEXT NOT NULL, name TEXT NOT NULL, type TEXT NOT NULL,
                  properties TEXT NOT NULL, created_at REAL NOT NULL, updated_at REAL NOT NULL);
                CREATE INDEX triggers_by_project ON triggers (project_id, created_at);
                CREATE TABLE scheduled_operations (
                  id TEXT PRIMARY KEY, project_id TEXT NOT NULL, name TEXT NOT NULL, description TEXT NOT NULL,
                  operation_type TEXT NOT NULL, trigger_id TEXT NOT NULL REFERENCES triggers (id),
                  operation_definition TEXT NOT NULL, enabled INTEGER NOT NULL, active_since REAL NOT NULL,
                  created_at REAL NOT NULL, updated_at REAL NOT NULL);
                CREATE INDEX scheduled_operations_by_project ON scheduled_operations (project_id, created_at);
                CREATE INDEX scheduled_operations_by_trigger ON scheduled_operations (trigger_id);
                CREATE TABLE schedule_fires (
                  scheduled_operation_id TEXT NOT NULL, fire_time INTEGER NOT NULL, outcome TEXT NOT NULL,
                  detail TEXT, recorded_at REAL NOT NULL,
                  PRIMARY KEY (scheduled_operation_id, fire_time)) WITHOUT ROWID;
                CREATE TABLE schedule_generation (id INTEGER PRIMARY KEY CHECK (id = 1), generation INTEGER NOT NULL);
                INSERT INTO schedule_generation VALUES (1, 0);
                """)
        }),
        ("plan hooks", { db in
            try db.execute("ALTER TABLE plans ADD COLUMN hooks TEXT NOT NULL DEFAULT '{}'")
        }),
    ]
}
