import GRDB

/// Named, append-only migrations. Never edit a registered migration: add a new one.
enum StoreMigrations {
  static var migrator: DatabaseMigrator {
    var m = DatabaseMigrator()
    m.registerMigration("v1", migrate: v1)
    // `.immediate`: foreign keys stay on while it runs, so GRDB skips the whole-database
    // `foreign_key_check` that follows a `.deferred` migration (seconds on a million-job store).
    // Fine for migrations that add tables, indexes and views; one that rebuilds a table needs `.deferred`.
    m.registerMigration("v2-run-files", foreignKeyChecks: .immediate, migrate: v2RunFiles)
    m.registerMigration("v3-lead-job-facts", foreignKeyChecks: .immediate, migrate: v3JobFacts)
    m.registerMigration("v3-struct-obtained", foreignKeyChecks: .immediate, migrate: v3StructObtained)
    m.registerMigration("v3-hostile-bounds", foreignKeyChecks: .immediate, migrate: v3HostileBounds)
    m.registerMigration("v3-catalog-results", foreignKeyChecks: .immediate, migrate: v3CatalogResults)
    m.registerMigration("v3-batch", foreignKeyChecks: .immediate, migrate: v3Batch)
    m.registerMigration("v3-trust", foreignKeyChecks: .immediate, migrate: v3Trust)
    return m
  }

  static let knownIdentifiers: Set<String> = [
    "v1", "v2-run-files", "v3-lead-job-facts", "v3-struct-obtained", "v3-hostile-bounds", "v3-catalog-results",
    "v3-batch", "v3-trust",
  ]

  /// Identifiers only gembatch writes: a `grdb_migrations` table with none of them belongs to
  /// another application that also uses GRDB.
  static let gembatchMarkers: Set<String> = ["v1"]

  /// What a job already knows of itself, kept beside its body so that nothing re-parses a
  /// (possibly base64-heavy) request to find it again: its output schema and dialect, whether it
  /// searches, its maxOutputTokens. `facts` is 1 once they are filled (jobs synced before this
  /// migration have 0 and are parsed the old way until their file is read again). Columns only.
  static func v3JobFacts(_ db: Database) throws {
    try db.execute(
      sql: """
        ALTER TABLE jobs ADD COLUMN facts INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE jobs ADD COLUMN output_schema TEXT;
        ALTER TABLE jobs ADD COLUMN schema_dialect TEXT;
        ALTER TABLE jobs ADD COLUMN uses_search INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE jobs ADD COLUMN max_output_tokens INTEGER;
        """)
  }

  static func v1(_ db: Database) throws {
    try db.execute(
      sql: """
        CREATE TABLE runs (
          id               INTEGER PRIMARY KEY,
          started_at       REAL NOT NULL,
          ended_at         REAL,
          status           TEXT NOT NULL,
          stop_reason      TEXT,
          endpoint         TEXT NOT NULL,
          files            TEXT NOT NULL,
          options_json     TEXT NOT NULL,
          gembatch_version TEXT NOT NULL
        );

        CREATE TABLE jobs (
          id               TEXT PRIMARY KEY,
          seq              INTEGER NOT NULL UNIQUE,
          source_file      TEXT NOT NULL,
          source_line      INTEGER NOT NULL,
          model            TEXT NOT NULL,
          request_hash     TEXT NOT NULL,
          request_json     BLOB NOT NULL,
          metadata_json    TEXT,
          est_input_tokens INTEGER NOT NULL,
          json_mode        INTEGER NOT NULL DEFAULT 0,
          state            TEXT NOT NULL,
          attempt_count    INTEGER NOT NULL DEFAULT 0,
          not_before       REAL,
          failure_class    TEXT,
          failure_reason   TEXT,
          last_run_id      INTEGER REFERENCES runs(id),
          updated_at       REAL NOT NULL
        );
        CREATE INDEX jobs_state ON jobs(state, seq);
        CREATE INDEX jobs_source ON jobs(source_file);

        CREATE TABLE attempts (
          id                 INTEGER PRIMARY KEY,
          job_id             TEXT NOT NULL REFERENCES jobs(id),
          run_id             INTEGER NOT NULL REFERENCES runs(id),
          attempt_no         INTEGER NOT NULL,
          request_hash       TEXT NOT NULL,
          streamed           INTEGER NOT NULL DEFAULT 0,
          started_at         REAL NOT NULL,
          ended_at           REAL,
          outcome            TEXT,
          http_status        INTEGER,
          error_class        TEXT,
          error_code         TEXT,
          api_status         TEXT,
          error_message      TEXT,
          quota_id           TEXT,
          suggested_delay_ms INTEGER,
          latency_ms         REAL,
          ttfb_ms            REAL,
          raw_response       BLOB
        );
        CREATE INDEX attempts_job ON attempts(job_id);
        CREATE INDEX attempts_open ON attempts(ended_at) WHERE ended_at IS NULL;
        CREATE INDEX attempts_lost ON attempts(outcome) WHERE outcome = 'lost';

        CREATE TABLE results (
          job_id             TEXT PRIMARY KEY REFERENCES jobs(id),
          attempt_id         INTEGER NOT NULL REFERENCES attempts(id),
          run_id             INTEGER NOT NULL REFERENCES runs(id),
          request_hash       TEXT NOT NULL,
          model_version      TEXT,
          response_id        TEXT,
          answer_text        TEXT,
          thought_text       TEXT,
          json_output        TEXT,
          json_status        TEXT,
          json_error         TEXT,
          function_calls     TEXT,
          grounding_sources  TEXT,
          web_search_queries TEXT,
          finish_reason      TEXT,
          finish_message     TEXT,
          block_reason       TEXT,
          truncated          INTEGER NOT NULL DEFAULT 0,
          prompt_tokens      INTEGER,
          cached_tokens      INTEGER,
          candidates_tokens  INTEGER,
          thoughts_tokens    INTEGER,
          tool_use_prompt_tokens INTEGER,
          total_tokens       INTEGER,
          usage_json         TEXT,
          cost_usd           REAL,
          price_version      TEXT,
          latency_ms         REAL,
          ttfb_ms            REAL,
          created_at         REAL NOT NULL
        );
        CREATE INDEX results_attempt ON results(attempt_id);

        CREATE TABLE source_files (
          path          TEXT PRIMARY KEY,
          size          INTEGER NOT NULL,
          mtime         REAL NOT NULL,
          fingerprint   TEXT NOT NULL,
          defaults_hash TEXT NOT NULL,
          job_count     INTEGER NOT NULL,
          last_run_id   INTEGER REFERENCES runs(id),
          updated_at    REAL NOT NULL
        );

        CREATE VIEW job_status AS
          SELECT j.seq, j.id, j.state, j.model, j.attempt_count, j.failure_class, j.failure_reason,
                 r.finish_reason, r.json_status, r.prompt_tokens, r.candidates_tokens, r.thoughts_tokens,
                 r.total_tokens, r.cost_usd, j.source_file, j.source_line, j.last_run_id
          FROM jobs j LEFT JOIN results r ON r.job_id = j.id;

        CREATE VIEW in_flight_at_crash AS
          SELECT a.id AS attempt_id, a.job_id, a.run_id, a.attempt_no, a.started_at, a.ended_at AS marked_lost_at,
                 j.model, j.state AS job_state_now
          FROM attempts a JOIN jobs j ON j.id = a.job_id
          WHERE a.outcome = 'lost';

        CREATE VIEW run_summary AS
          SELECT ru.id AS run_id, ru.status, ru.stop_reason, j.model,
                 COUNT(*) AS jobs,
                 SUM(j.state = 'succeeded') AS succeeded,
                 SUM(j.state = 'failed') AS failed,
                 SUM(j.state = 'waiting') AS waiting,
                 SUM(j.state = 'pending') AS pending,
                 SUM(j.state = 'in_flight') AS in_flight,
                 SUM(r.prompt_tokens) AS prompt_tokens,
                 SUM(r.candidates_tokens) AS candidates_tokens,
                 SUM(r.thoughts_tokens) AS thoughts_tokens,
                 SUM(r.cost_usd) AS cost_usd
          FROM runs ru
          JOIN jobs j ON j.last_run_id = ru.id
          LEFT JOIN results r ON r.job_id = j.id AND r.run_id = ru.id
          GROUP BY ru.id, j.model;
        """)
  }

  /// Resuming over an unchanged job file no longer updates every one of its jobs: the run records
  /// that it took the file's jobs as of the file's last full read (`run_files`), and a job's run is
  /// worked out from that (the same expression as `Store.lastRunSQL`, written out here
  /// because a migration never changes). The views are redefined on that run, so they read
  /// as before. Only a small table and two views: instant on a store of any size (see `.immediate`).
  static func v2RunFiles(_ db: Database) throws {
    try db.execute(
      sql: """
        CREATE TABLE run_files (
          run_id      INTEGER NOT NULL REFERENCES runs(id),
          path        TEXT NOT NULL,
          read_run_id INTEGER NOT NULL,
          PRIMARY KEY (run_id, path)
        ) WITHOUT ROWID;
        CREATE INDEX run_files_path ON run_files(path, read_run_id, run_id);

        DROP VIEW job_status;
        CREATE VIEW job_status AS
          SELECT j.seq, j.id, j.state, j.model, j.attempt_count, j.failure_class, j.failure_reason,
                 r.finish_reason, r.json_status, r.prompt_tokens, r.candidates_tokens, r.thoughts_tokens,
                 r.total_tokens, r.cost_usd, j.source_file, j.source_line,
                 MAX(j.last_run_id, COALESCE(
                   (SELECT f.run_id FROM run_files f WHERE f.path = j.source_file AND f.read_run_id <= j.last_run_id
                    ORDER BY f.read_run_id DESC, f.run_id DESC LIMIT 1), 0)) AS last_run_id
          FROM jobs j LEFT JOIN results r ON r.job_id = j.id;

        DROP VIEW run_summary;
        CREATE VIEW run_summary AS
          SELECT ru.id AS run_id, ru.status, ru.stop_reason, j.model,
                 COUNT(*) AS jobs,
                 SUM(j.state = 'succeeded') AS succeeded,
                 SUM(j.state = 'failed') AS failed,
                 SUM(j.state = 'waiting') AS waiting,
                 SUM(j.state = 'pending') AS pending,
                 SUM(j.state = 'in_flight') AS in_flight,
                 SUM(r.prompt_tokens) AS prompt_tokens,
                 SUM(r.candidates_tokens) AS candidates_tokens,
                 SUM(r.thoughts_tokens) AS thoughts_tokens,
                 SUM(r.cost_usd) AS cost_usd
          FROM (SELECT jj.id, jj.model, jj.state,
                  MAX(jj.last_run_id, COALESCE(
                    (SELECT f.run_id FROM run_files f WHERE f.path = jj.source_file AND f.read_run_id <= jj.last_run_id
                     ORDER BY f.read_run_id DESC, f.run_id DESC LIMIT 1), 0)) AS run_id
                FROM jobs jj) j
          JOIN runs ru ON ru.id = j.run_id
          LEFT JOIN results r ON r.job_id = j.id AND r.run_id = ru.id
          GROUP BY ru.id, j.model;
        """)
  }

  /// How each answer was obtained (issue 14's repairs): `results.obtained` (`valid`,
  /// `repaired_local`, `repaired_reask`, `grown`, `invalid`) with its reason and the first
  /// answer's text when a later attempt replaced it; `attempts.purpose` (`first`, `retry`,
  /// `reask`, `grow`) and each attempt's own cost and tokens, so a repaired job's extra cost is a
  /// sum over its attempts. Columns only: instant, and independent of other migrations. Rows
  /// written before it have NULLs, read as `Store.obtainedSQL` derives them.
  static func v3StructObtained(_ db: Database) throws {
    try db.execute(
      sql: """
        ALTER TABLE results ADD COLUMN obtained TEXT;
        ALTER TABLE results ADD COLUMN obtained_reason TEXT;
        ALTER TABLE results ADD COLUMN original_answer_text TEXT;
        ALTER TABLE attempts ADD COLUMN purpose TEXT;
        ALTER TABLE attempts ADD COLUMN cost_usd REAL;
        ALTER TABLE attempts ADD COLUMN total_tokens INTEGER;
        """)
  }

  /// What a hostile server can no longer hide: `results.usage_invalid` says why a result's usage
  /// was not trusted (negative, absurd or unreadable counts; the result is then unpriced and its
  /// token columns are NULL, the raw usage stays in `usage_json` and the raw body), and
  /// `attempts.raw_response_bytes` is the body's full length when only a prefix was kept.
  static func v3HostileBounds(_ db: Database) throws {
    try db.execute(
      sql: """
        ALTER TABLE results ADD COLUMN usage_invalid TEXT;
        ALTER TABLE attempts ADD COLUMN raw_response_bytes INTEGER;
        """)
  }

  /// What the model catalog adds to a result (issue 12): the model whose rates priced it (after
  /// routing), the tier that ran, and the parts of the answer that were only in the raw body —
  /// media, Maps sources, safety ratings and the blocking category, citations, grounding supports,
  /// every candidate. Columns only: instant on a store of any size.
  static func v3CatalogResults(_ db: Database) throws {
    try db.execute(
      sql: """
        ALTER TABLE results ADD COLUMN served_model TEXT;
        ALTER TABLE results ADD COLUMN service_tier TEXT;
        ALTER TABLE results ADD COLUMN media TEXT;
        ALTER TABLE results ADD COLUMN maps_sources TEXT;
        ALTER TABLE results ADD COLUMN safety_ratings TEXT;
        ALTER TABLE results ADD COLUMN block_category TEXT;
        ALTER TABLE results ADD COLUMN citations TEXT;
        ALTER TABLE results ADD COLUMN grounding_supports TEXT;
        ALTER TABLE results ADD COLUMN candidates TEXT;
        """)
  }

  /// Batch Mode: the store's own id (for batch display names), one row per batch (committed as
  /// `creating` before the create call), which jobs each batch holds and the attempt it stands
  /// for, and the Files API uploads (matched by sha256, reused until they expire). New tables and
  /// indexes only, so it is independent of every other migration.
  static func v3Batch(_ db: Database) throws {
    try db.execute(
      sql: """
        CREATE TABLE IF NOT EXISTS store_info (
          key   TEXT PRIMARY KEY,
          value TEXT NOT NULL
        ) WITHOUT ROWID;
        INSERT OR IGNORE INTO store_info (key, value) VALUES ('store_id', lower(hex(randomblob(8))));

        CREATE TABLE batches (
          id              INTEGER PRIMARY KEY,
          shard_hash      TEXT NOT NULL,
          display_name    TEXT NOT NULL UNIQUE,
          model           TEXT NOT NULL,
          phase           TEXT NOT NULL,
          name            TEXT UNIQUE,
          state_raw       TEXT,
          job_count       INTEGER NOT NULL,
          est_tokens      INTEGER NOT NULL DEFAULT 0,
          request_count   INTEGER NOT NULL DEFAULT 0,
          succeeded_count INTEGER NOT NULL DEFAULT 0,
          failed_count    INTEGER NOT NULL DEFAULT 0,
          pending_count   INTEGER NOT NULL DEFAULT 0,
          input_file      TEXT,
          input_deleted   INTEGER NOT NULL DEFAULT 0,
          output_file     TEXT,
          run_id          INTEGER REFERENCES runs(id),
          created_at      REAL NOT NULL,
          submitted_at    REAL,
          api_create_time TEXT,
          updated_at      REAL NOT NULL,
          expires_at      REAL,
          ended_at        REAL,
          outcome         TEXT,
          error_message   TEXT
        );
        CREATE INDEX batches_phase ON batches(phase);

        CREATE TABLE batch_jobs (
          batch_id   INTEGER NOT NULL REFERENCES batches(id),
          job_id     TEXT NOT NULL REFERENCES jobs(id),
          attempt_id INTEGER REFERENCES attempts(id),
          PRIMARY KEY (batch_id, job_id)
        ) WITHOUT ROWID;
        CREATE INDEX batch_jobs_job ON batch_jobs(job_id);
        CREATE INDEX batch_jobs_attempt ON batch_jobs(attempt_id);

        CREATE TABLE uploads (
          sha256      TEXT PRIMARY KEY,
          file_name   TEXT NOT NULL,
          size        INTEGER NOT NULL,
          mime_type   TEXT,
          purpose     TEXT NOT NULL,
          uploaded_at REAL NOT NULL,
          expires_at  REAL NOT NULL,
          deleted_at  REAL
        );
        """)
  }

  /// One writer per store, answers tied to their endpoint, per-attempt cost, per-day quota
  /// stops and the files a job file refers to (issue 10). Columns, tables and indexes only;
  /// nothing is rebuilt (`.immediate`). Only `results_run` reads existing rows, once: 0.47 s for
  /// a million results in a 245 MB table with a warm cache (more for bigger rows or a cold one).
  ///
  /// - `runs.endpoint_kind` (google | cometapi | mock | custom), `runs.pid`, `runs.host`: who ran
  ///   it and where it sent (`runs.endpoint` already holds the base URL). NULL on older runs:
  ///   their kind is read off the URL (`EndpointIdentity.kind(forURL:)`).
  /// - `results_run`: the results of given runs (a success from another endpoint runs again).
  /// - `attempts_paid`: the paid attempts (`attempts.cost_usd`, from `v3-struct-obtained`), for
  ///   `Store.spentUSD`. `store_info.attempt_cost_since` is the first attempt id after this
  ///   migration; the spend of older attempts without a cost of their own is read from `results`.
  /// - `store_claims`: the one process writing the store now (`StoreClaim`), with a heartbeat.
  /// - `quota_stops`: per-day quotas that stopped a run, and when they reset.
  /// - `source_file_refs`: schema and inline files a job file's jobs read, with their content
  ///   hash, so a changed schema re-reads the job file on resume; `source_files.stamp` and
  ///   `source_file_refs.stamp`: the file's stat when hashed (`FileDigest.stamp`).
  static func v3Trust(_ db: Database) throws {
    try db.execute(
      sql: """
        ALTER TABLE runs ADD COLUMN endpoint_kind TEXT;
        ALTER TABLE runs ADD COLUMN pid INTEGER;
        ALTER TABLE runs ADD COLUMN host TEXT;
        CREATE INDEX attempts_paid ON attempts(job_id, cost_usd) WHERE cost_usd IS NOT NULL;
        CREATE INDEX results_run ON results(run_id);
        ALTER TABLE source_files ADD COLUMN stamp TEXT;

        CREATE TABLE IF NOT EXISTS store_info (
          key   TEXT PRIMARY KEY,
          value TEXT NOT NULL
        ) WITHOUT ROWID;
        INSERT OR IGNORE INTO store_info (key, value)
          VALUES ('attempt_cost_since', (SELECT COALESCE(MAX(id), 0) + 1 FROM attempts));

        CREATE TABLE store_claims (
          id           INTEGER PRIMARY KEY CHECK (id = 1),
          token        TEXT NOT NULL,
          pid          INTEGER NOT NULL,
          host         TEXT NOT NULL,
          started_at   REAL NOT NULL,
          heartbeat_at REAL NOT NULL,
          run_id       INTEGER
        );

        CREATE TABLE quota_stops (
          model       TEXT NOT NULL,
          quota_id    TEXT NOT NULL,
          resets_at   REAL NOT NULL,
          recorded_at REAL NOT NULL,
          PRIMARY KEY (model, quota_id)
        ) WITHOUT ROWID;

        CREATE TABLE source_file_refs (
          path     TEXT NOT NULL,
          ref_path TEXT NOT NULL,
          size     INTEGER NOT NULL,
          sha256   TEXT NOT NULL,
          stamp    TEXT,
          PRIMARY KEY (path, ref_path)
        ) WITHOUT ROWID;
        """)
  }
}
