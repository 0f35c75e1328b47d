-- journal-v2.sql: a journal of schema version 2 (restores and drills),
-- with a finished run, an open one and an ended drill with a failure, for
-- the migration test in check_journal.  Made from journal_sql_v1 and
-- journal_sql_v2 of that version; keep it as it is.
PRAGMA user_version = 2;
CREATE TABLE runs (  id INTEGER PRIMARY KEY,  "trigger" TEXT NOT NULL,  patterns TEXT NOT NULL DEFAULT '',  day TEXT NOT NULL,  started_ms INTEGER NOT NULL,  ended_ms INTEGER NOT NULL DEFAULT 0,  outcome TEXT NOT NULL DEFAULT '',  total INTEGER NOT NULL DEFAULT 0,  succeeded INTEGER NOT NULL DEFAULT 0,  failed INTEGER NOT NULL DEFAULT 0);
CREATE INDEX runs_started ON runs(started_ms);
CREATE INDEX runs_day ON runs(day);
CREATE INDEX runs_ended ON runs(ended_ms);
CREATE TABLE jobs (  id INTEGER PRIMARY KEY,  run_id INTEGER NOT NULL REFERENCES runs(id),  project TEXT NOT NULL,  instance TEXT NOT NULL,  "database" TEXT NOT NULL,  version TEXT NOT NULL DEFAULT '',  object TEXT NOT NULL DEFAULT '',  state TEXT NOT NULL,  attempts INTEGER NOT NULL DEFAULT 0,  failures INTEGER NOT NULL DEFAULT 0,  operation TEXT NOT NULL DEFAULT '',  outcome_unknown INTEGER NOT NULL DEFAULT 0,  size INTEGER NOT NULL DEFAULT 0,  crc32c TEXT NOT NULL DEFAULT '',  created_ms INTEGER NOT NULL DEFAULT 0,  first_attempt_ms INTEGER NOT NULL DEFAULT 0,  started_ms INTEGER NOT NULL DEFAULT 0,  ended_ms INTEGER NOT NULL DEFAULT 0,  next_attempt_ms INTEGER NOT NULL DEFAULT 0,  predicted_ms INTEGER NOT NULL DEFAULT 0,  last_status TEXT NOT NULL DEFAULT 'ok',  last_error TEXT NOT NULL DEFAULT '',  UNIQUE(run_id, project, instance, "database"));
CREATE INDEX jobs_run ON jobs(run_id);
CREATE INDEX jobs_db ON jobs(project, instance, "database", state,  ended_ms);
CREATE TABLE attempts (  id INTEGER PRIMARY KEY,  job_id INTEGER NOT NULL REFERENCES jobs(id),  attempt INTEGER NOT NULL,  started_ms INTEGER NOT NULL DEFAULT 0,  ended_ms INTEGER NOT NULL DEFAULT 0,  operation TEXT NOT NULL DEFAULT '',  outcome TEXT NOT NULL,  status TEXT NOT NULL,  error TEXT NOT NULL DEFAULT '',  UNIQUE(job_id, attempt));
INSERT INTO runs VALUES (1, 'schedule', '', '2023-11-13', 1699913600000, 1699914200000, 'succeeded', 2, 2, 0);
CREATE TABLE restores (  id INTEGER PRIMARY KEY,  requested_ms INTEGER NOT NULL,  ended_ms INTEGER NOT NULL DEFAULT 0,  source TEXT NOT NULL,  uri TEXT NOT NULL,  project TEXT NOT NULL,  instance TEXT NOT NULL,  "database" TEXT NOT NULL,  replace INTEGER NOT NULL DEFAULT 0,  dry_run INTEGER NOT NULL DEFAULT 0,  state TEXT NOT NULL,  size INTEGER NOT NULL DEFAULT 0,  error TEXT NOT NULL DEFAULT '',  steps TEXT NOT NULL DEFAULT '',  drill INTEGER NOT NULL DEFAULT 0);
CREATE INDEX restores_requested ON restores(requested_ms);
CREATE INDEX restores_source ON restores(source);
CREATE TABLE drills (  id INTEGER PRIMARY KEY,  "trigger" TEXT NOT NULL,  started_ms INTEGER NOT NULL,  ended_ms INTEGER NOT NULL DEFAULT 0,  total INTEGER NOT NULL DEFAULT 0,  succeeded INTEGER NOT NULL DEFAULT 0,  failed INTEGER NOT NULL DEFAULT 0);
INSERT INTO drills VALUES (1, 'manual', 1699920000000, 1699921000000, 2, 1, 1);
INSERT INTO restores VALUES (1, 1699920000000, 1699920500000, 'proj-a/inst-1/db1', 'gs://b/proj-a/inst-1/db1/2023-11-13T030000Z.sql.gz', 'scratch', 'pg', 'drill_1_db1', 0, 0, 'succeeded', 1234, '', '', 1);
INSERT INTO restores VALUES (2, 1699920000000, 1699921000000, 'proj-a/inst-1/db2', 'gs://b/proj-a/inst-1/db2/2023-11-13T030000Z.sql.gz', 'scratch', 'pg', 'drill_1_db2', 0, 0, 'failed', 99, 'import failed', '', 1);
INSERT INTO runs VALUES (2, 'catch-up', 'proj-a', '2023-11-14', 1700000000000, 0, '', 0, 0, 0);
INSERT INTO jobs VALUES (1, 1, 'proj-a', 'inst-1', 'db1', 'POSTGRES_15', 'proj-a/inst-1/db1/2023-11-13T030000Z.sql.gz', 'succeeded', 1, 0, 'op-1', 0, 1234, 'AAAAAA==', 1699913600000, 1699913600000, 1699913600000, 1699913690000, 0, 60000, 'ok', '');
INSERT INTO jobs VALUES (2, 1, 'proj-a', 'inst-1', 'db2', 'POSTGRES_15', 'proj-a/inst-1/db2/2023-11-13T030000Z.sql.gz', 'succeeded', 2, 1, 'op-2', 0, 99, 'BBBBBB==', 1699913600000, 1699913600000, 1699913700000, 1699913730000, 0, 60000, 'ok', '');
INSERT INTO jobs VALUES (3, 2, 'proj-a', 'inst-1', 'db1', 'POSTGRES_15', 'proj-a/inst-1/db1/2023-11-14T030000Z.sql.gz', 'exporting', 1, 0, 'op-3', 0, 0, '', 1700000000000, 1700000000000, 1700000000000, 0, 0, 90000, 'ok', '');
INSERT INTO jobs VALUES (4, 2, 'proj-a', 'inst-1', 'db2', 'POSTGRES_15', 'proj-a/inst-1/db2/2023-11-14T030000Z.sql.gz', 'retry_wait', 1, 1, '', 1, 0, '', 1700000000000, 1700000000000, 1700000000000, 0, 1700000020000, 30000, 'retry', 'HTTP 503');
INSERT INTO attempts VALUES (1, 1, 1, 1699913600000, 1699913690000, 'op-1', 'succeeded', 'ok', '');
INSERT INTO attempts VALUES (2, 2, 1, 1699913600000, 1699913650000, 'op-0', 'failed', 'retry', 'operation failed');
INSERT INTO attempts VALUES (3, 2, 2, 1699913700000, 1699913730000, 'op-2', 'succeeded', 'ok', '');
INSERT INTO attempts VALUES (4, 4, 1, 1700000000000, 1700000005000, '', 'failed', 'retry', 'HTTP 503');
