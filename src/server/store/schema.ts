import type { Database } from "better-sqlite3";

/** Version of the tables below; stored in PRAGMA user_version. */
export const SCHEMA_VERSION = 3;

/** The oldest schema this server upgrades in place (later versions only added tables). */
const OLDEST_UPGRADABLE = 2;

const TABLES = `
CREATE TABLE IF NOT EXISTS inputs (
  seq INTEGER PRIMARY KEY,
  user_id TEXT NOT NULL,
  app_id TEXT NOT NULL,
  id TEXT NOT NULL,
  data BLOB NOT NULL,
  kind TEXT,
  blob_file TEXT,
  media_blob TEXT,
  text_blob TEXT,
  url TEXT,
  status_code INTEGER NOT NULL,
  status_description TEXT NOT NULL DEFAULT '',
  job_id TEXT,
  created_ms INTEGER NOT NULL,
  modified_ms INTEGER NOT NULL,
  UNIQUE (user_id, app_id, id)
);
CREATE INDEX IF NOT EXISTS inputs_by_app ON inputs (user_id, app_id);
CREATE INDEX IF NOT EXISTS inputs_by_app_status ON inputs (user_id, app_id, status_code);
CREATE INDEX IF NOT EXISTS inputs_by_status ON inputs (status_code);
CREATE INDEX IF NOT EXISTS inputs_by_url ON inputs (user_id, app_id, url) WHERE url IS NOT NULL;
CREATE INDEX IF NOT EXISTS inputs_by_blob_file ON inputs (blob_file) WHERE blob_file IS NOT NULL;

CREATE TABLE IF NOT EXISTS datasets (
  seq INTEGER PRIMARY KEY,
  user_id TEXT NOT NULL,
  app_id TEXT NOT NULL,
  id TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  notes TEXT NOT NULL DEFAULT '',
  metadata TEXT,
  created_ms INTEGER NOT NULL,
  modified_ms INTEGER NOT NULL,
  UNIQUE (user_id, app_id, id)
);

CREATE TABLE IF NOT EXISTS dataset_inputs (
  user_id TEXT NOT NULL,
  app_id TEXT NOT NULL,
  dataset_id TEXT NOT NULL,
  input_id TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  PRIMARY KEY (user_id, app_id, dataset_id, input_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS dataset_inputs_by_input ON dataset_inputs (user_id, app_id, input_id);

CREATE TABLE IF NOT EXISTS annotations (
  seq INTEGER PRIMARY KEY,
  user_id TEXT NOT NULL,
  app_id TEXT NOT NULL,
  id TEXT NOT NULL,
  input_id TEXT NOT NULL,
  data BLOB NOT NULL,
  info TEXT,
  input_level INTEGER NOT NULL DEFAULT 0,
  created_ms INTEGER NOT NULL,
  modified_ms INTEGER NOT NULL,
  UNIQUE (user_id, app_id, id)
);
CREATE INDEX IF NOT EXISTS annotations_by_input ON annotations (user_id, app_id, input_id);

CREATE TABLE IF NOT EXISTS jobs (
  seq INTEGER PRIMARY KEY,
  user_id TEXT NOT NULL,
  app_id TEXT NOT NULL,
  id TEXT NOT NULL,
  pending INTEGER NOT NULL DEFAULT 0,
  in_progress INTEGER NOT NULL DEFAULT 0,
  success INTEGER NOT NULL DEFAULT 0,
  failed INTEGER NOT NULL DEFAULT 0,
  cancelled INTEGER NOT NULL DEFAULT 0,
  created_ms INTEGER NOT NULL,
  modified_ms INTEGER NOT NULL,
  UNIQUE (user_id, app_id, id)
);

CREATE TABLE IF NOT EXISTS extraction_jobs (
  seq INTEGER PRIMARY KEY,
  user_id TEXT NOT NULL,
  app_id TEXT NOT NULL,
  id TEXT NOT NULL,
  job_id TEXT NOT NULL,
  url TEXT NOT NULL,
  source TEXT NOT NULL,
  upload_id TEXT,
  conflict INTEGER NOT NULL DEFAULT 0,
  template BLOB,
  credentials_kind TEXT,
  status_code INTEGER NOT NULL,
  status_details TEXT NOT NULL DEFAULT '',
  image_count INTEGER NOT NULL DEFAULT 0,
  video_count INTEGER NOT NULL DEFAULT 0,
  text_count INTEGER NOT NULL DEFAULT 0,
  audio_count INTEGER NOT NULL DEFAULT 0,
  archives_pending INTEGER NOT NULL DEFAULT 0,
  archives_in_progress INTEGER NOT NULL DEFAULT 0,
  archives_completed INTEGER NOT NULL DEFAULT 0,
  archives_failed INTEGER NOT NULL DEFAULT 0,
  duplicates INTEGER NOT NULL DEFAULT 0,
  rejected INTEGER NOT NULL DEFAULT 0,
  problems TEXT NOT NULL DEFAULT '[]',
  pos_file INTEGER NOT NULL DEFAULT 0,
  pos_entry INTEGER NOT NULL DEFAULT 0,
  created_ms INTEGER NOT NULL,
  modified_ms INTEGER NOT NULL,
  UNIQUE (user_id, app_id, id)
);
CREATE INDEX IF NOT EXISTS extraction_jobs_by_job ON extraction_jobs (user_id, app_id, job_id);
CREATE INDEX IF NOT EXISTS extraction_jobs_by_status ON extraction_jobs (status_code);

CREATE TABLE IF NOT EXISTS uploads (
  seq INTEGER PRIMARY KEY,
  user_id TEXT NOT NULL,
  app_id TEXT NOT NULL,
  id TEXT NOT NULL,
  job_id TEXT NOT NULL,
  dir TEXT NOT NULL,
  content_name TEXT NOT NULL DEFAULT '',
  content_length INTEGER NOT NULL,
  conflict INTEGER NOT NULL DEFAULT 0,
  template BLOB,
  status_code INTEGER NOT NULL,
  extraction_id TEXT,
  created_ms INTEGER NOT NULL,
  modified_ms INTEGER NOT NULL,
  UNIQUE (user_id, app_id, id)
);
CREATE INDEX IF NOT EXISTS uploads_by_job ON uploads (user_id, app_id, job_id);

CREATE TABLE IF NOT EXISTS upload_parts (
  upload_seq INTEGER NOT NULL,
  part_number INTEGER NOT NULL,
  range_start INTEGER NOT NULL,
  length INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  PRIMARY KEY (upload_seq, part_number)
) WITHOUT ROWID;
`;

/** Sets the connection up (WAL, relaxed fsync) and creates the tables. */
export function migrate(db: Database): void {
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("busy_timeout = 5000");
  const version = Number(db.pragma("user_version", { simple: true }));
  if (version > SCHEMA_VERSION) {
    throw new Error(
      `the data folder was written by a newer server (schema ${version}, this one knows ${SCHEMA_VERSION})`,
    );
  }
  if (version !== 0 && version < OLDEST_UPGRADABLE) {
    throw new Error(
      `the data folder was written by an older development version of the server (schema ${version}); ` +
        "move it away and start with an empty one",
    );
  }
  db.exec(TABLES);
  db.pragma(`user_version = ${SCHEMA_VERSION}`);
}
