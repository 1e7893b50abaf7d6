import { execFile, execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import pg from "pg";

/**
 * The PostgreSQL `.ci/run` starts (a throwaway cluster, test/support/postgres-cluster.sh)
 * at HEARTH_TEST_PG_URL. In CI its absence is an error, never a silent skip; on a
 * desk the suite says it skipped and why (start one with the script).
 */
export function postgresUrl(): string | undefined {
  const url = process.env["HEARTH_TEST_PG_URL"];
  if (url === undefined || url === "") {
    if (process.env["CI"]) throw new Error("HEARTH_TEST_PG_URL is not set in CI: .ci/run must start PostgreSQL");
    console.warn('HEARTH_TEST_PG_URL is not set: skipping the tests against PostgreSQL (eval "$(test/support/postgres-cluster.sh start)" makes one)');
    return undefined;
  }
  return url;
}

/** A new, empty database on the test cluster, for one test's own: its URL, and a drop for afterwards. */
export async function freshDatabase(url: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `hearth_t_${process.pid}_${Math.floor(Math.random() * 1e9).toString(36)}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const own = new URL(url);
  own.pathname = `/${name}`;
  return {
    url: own.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

// From the sources (vitest) or from dist/ (benchmarks): the script itself is not built.
const script = [new URL("./postgres-cluster.sh", import.meta.url), new URL("../../../test/support/postgres-cluster.sh", import.meta.url)].map((u) => fileURLToPath(u)).find((p) => existsSync(p)) as string;

/** A cluster of the test's own (so it may restart it): its URL, a restart, and a stop. */
export function ownCluster(): { url: string; restart(): Promise<void>; stop(): void } {
  const out = execFileSync(script, ["start"], { encoding: "utf8" });
  const url = /HEARTH_TEST_PG_URL=(\S+)/.exec(out)?.[1];
  const dir = /HEARTH_TEST_PG_DIR=(\S+)/.exec(out)?.[1];
  if (url === undefined || dir === undefined) throw new Error(`postgres-cluster.sh said: ${out}`);
  return {
    url,
    // Asynchronous: the test's own clients go on working (and failing) while it restarts.
    restart: () => new Promise((resolve, reject) => execFile(script, ["restart", dir], (error) => (error === null ? resolve() : reject(error)))),
    stop: () => execFileSync(script, ["stop", dir], { stdio: "ignore" }),
  };
}
