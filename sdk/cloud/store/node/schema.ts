/**
 * The PostgreSQL schema of the cloud's store, as STORE.md describes it. Made
 * on open (each statement is idempotent), under an advisory lock so instances
 * starting together do not race each other's CREATEs.
 */
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS hearth_devices (
  device      text PRIMARY KEY,
  model       text NOT NULL,
  model_hash  text NOT NULL,
  firmware    text NOT NULL,
  boot_count  bigint NOT NULL,
  session     integer NOT NULL,
  max_seq     bigint NOT NULL,
  online      boolean NOT NULL,
  presence_at bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS hearth_inbox (
  device  text NOT NULL,
  session integer NOT NULL,
  seq     bigint NOT NULL,
  at      bigint NOT NULL,
  PRIMARY KEY (device, session, seq)
);
CREATE INDEX IF NOT EXISTS hearth_inbox_at ON hearth_inbox (at);
CREATE TABLE IF NOT EXISTS hearth_reported (
  device  text NOT NULL,
  member  text NOT NULL,
  value   jsonb NOT NULL,
  session integer NOT NULL,
  seq     bigint NOT NULL,
  at      bigint NOT NULL,
  PRIMARY KEY (device, member)
);
CREATE TABLE IF NOT EXISTS hearth_history (
  device text NOT NULL,
  member text NOT NULL,
  at     bigint NOT NULL,
  seq    bigint NOT NULL,
  value  jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS hearth_history_device_at ON hearth_history (device, at);
CREATE INDEX IF NOT EXISTS hearth_history_at ON hearth_history (at);
CREATE TABLE IF NOT EXISTS hearth_events (
  device text NOT NULL,
  at     bigint NOT NULL,
  seq    bigint NOT NULL,
  name   text NOT NULL,
  fields jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS hearth_events_device_at ON hearth_events (device, at);
CREATE TABLE IF NOT EXISTS hearth_answers (
  device  text NOT NULL,
  command bigint NOT NULL,
  result  jsonb NOT NULL,
  at      bigint NOT NULL,
  PRIMARY KEY (device, command)
);
CREATE TABLE IF NOT EXISTS hearth_desired (
  device         text PRIMARY KEY,
  version        bigint NOT NULL,
  doc            jsonb NOT NULL,
  device_version bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS hearth_rollouts (
  update_id bigint NOT NULL,
  device    text NOT NULL,
  phase     text NOT NULL,
  "offset"  bigint NOT NULL,
  detail    text NOT NULL,
  session   integer NOT NULL,
  seq       bigint NOT NULL,
  at        bigint NOT NULL,
  PRIMARY KEY (update_id, device)
);
CREATE TABLE IF NOT EXISTS hearth_rollout_plans (
  update_id    bigint PRIMARY KEY,
  image        bytea NOT NULL,
  devices      text[] NOT NULL,
  share        double precision NOT NULL,
  max_failures integer,
  at           bigint NOT NULL
);
CREATE SEQUENCE IF NOT EXISTS hearth_seq_blocks MINVALUE 0 MAXVALUE 4094 START 0 CYCLE;
`;

/** The advisory lock key the schema is made under (any constant no other user of the database takes). */
export const SCHEMA_LOCK = 0x4865617274;

/** The NOTIFY channel answers travel on between instances. */
export const ANSWERS_CHANNEL = "hearth_answers";

/** The NOTIFY channel a new rollout plan's id travels on, to every instance. */
export const PLANS_CHANNEL = "hearth_rollout_plans";
