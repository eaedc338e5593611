/**
 * Builds real Services for integration tests: PGlite in memory, or PostgreSQL in a schema of its own
 * (TEST_DATABASE_URL), LanceDB in a temporary directory, the real local embedder. Cleans up after itself.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { loadConfig, type Config } from "../../core/config";
import { createServices, type Services } from "../../api/services";

export type DbKind = "pglite" | "postgres";

/** The database kinds to run integration suites on: PGlite always, PostgreSQL when TEST_DATABASE_URL is set. */
export const DB_KINDS: DbKind[] = process.env.TEST_DATABASE_URL ? ["pglite", "postgres"] : ["pglite"];
if (!process.env.TEST_DATABASE_URL && !(globalThis as { __pgNote?: boolean }).__pgNote) {
  (globalThis as { __pgNote?: boolean }).__pgNote = true;
  console.warn("TEST_DATABASE_URL is not set: PostgreSQL integration suites are skipped (PGlite suites run). .ci/run sets it.");
}

export interface TestServices {
  services: Services;
  config: Config;
  dir: string;
  cleanup(): Promise<void>;
}

export async function testServices(kind: DbKind, env: Record<string, string> = {}, opts: { sampleKb?: boolean } = {}): Promise<TestServices> {
  const dir = mkdtempSync(join(tmpdir(), "cs-test-"));
  const schema = `t_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const config = loadConfig({
    DATA_DIR: dir,
    ...(kind === "postgres" ? { DATABASE_URL: process.env.TEST_DATABASE_URL } : {}),
    ...(process.env.EMBEDDINGS_CACHE_DIR ? { EMBEDDINGS_CACHE_DIR: process.env.EMBEDDINGS_CACHE_DIR } : {}),
    ...env,
  });
  const services = await createServices(config, {
    inMemoryDatabase: kind === "pglite",
    searchPath: kind === "postgres" ? schema : undefined,
    sampleKb: opts.sampleKb ?? false,
    log: () => {},
  });
  return {
    services,
    config,
    dir,
    async cleanup() {
      if (kind === "postgres") {
        await services.stores.database.db.execute(sql.raw(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)).catch(() => {});
      }
      await services.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
