/**
 * The one database client factory: postgres.js when DATABASE_URL is set, PGlite (embedded, in DATA_DIR/pg)
 * otherwise. Both run the same Drizzle migrations and expose the same Drizzle API. PGlite runs on the API's
 * thread: moving it to a worker thread was measured (BENCHMARKS.md, issue 8) and made streams slower on 2 cores.
 */
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { sql } from "drizzle-orm";
import { errors } from "../errors";
import { lockDirectory } from "./dir-lock";
import { schema } from "./schema";
import { redactUrl as redact } from "../text/redact-url";

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export interface Database {
  db: Db;
  kind: "postgres" | "pglite";
  /** Round trip to the store; throws when it is unreachable. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres://... ; omitted means embedded PGlite. */
  url?: string;
  /** PGlite data directory; omitted with no url means an in-memory PGlite (tests). */
  dataDir?: string;
  /** Postgres schema to use (tests isolate themselves in their own schema). */
  searchPath?: string;
  maxConnections?: number;
}

const MIGRATIONS = resolve(import.meta.dir, "migrations");

export async function createDatabase(opts: DatabaseOptions): Promise<Database> {
  if (opts.url) return createPostgres(opts.url, opts);
  return createPglite(opts.dataDir);
}

async function createPostgres(url: string, opts: DatabaseOptions): Promise<Database> {
  const { default: postgres } = await import("postgres");
  const { drizzle } = await import("drizzle-orm/postgres-js");
  const { migrate } = await import("drizzle-orm/postgres-js/migrator");
  const client = postgres(url, {
    max: opts.maxConnections ?? 10,
    onnotice: () => {},
    connect_timeout: 10,
    ...(opts.searchPath ? { connection: { search_path: opts.searchPath } } : {}),
  });
  const db = drizzle(client, { schema, casing: "snake_case" });
  try {
    if (opts.searchPath) await client.unsafe(`CREATE SCHEMA IF NOT EXISTS "${opts.searchPath.replace(/"/g, "")}"`);
    await migrate(db, { migrationsFolder: MIGRATIONS, migrationsSchema: opts.searchPath ?? "drizzle" });
  } catch (cause) {
    await client.end({ timeout: 1 }).catch(() => {});
    throw errors.unavailable("DATABASE_UNAVAILABLE", `PostgreSQL at ${redact(url)} is not usable: ${(cause as Error).message}`, cause);
  }
  return {
    db: db as unknown as Db,
    kind: "postgres",
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    close: () => client.end({ timeout: 5 }),
  };
}

async function createPglite(dataDir?: string): Promise<Database> {
  const { PGlite } = await import("@electric-sql/pglite");
  const { drizzle } = await import("drizzle-orm/pglite");
  const { migrate } = await import("drizzle-orm/pglite/migrator");
  let client: InstanceType<typeof PGlite>;
  let unlock = () => {};
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true });
    unlock = lockDirectory(dataDir, "the embedded database");
    try {
      client = await PGlite.create(join(dataDir));
    } catch (cause) {
      unlock();
      throw errors.unavailable(
        "DATABASE_UNAVAILABLE",
        `the embedded database in ${dataDir} could not be opened (is another process using it?): ${(cause as Error).message}`,
        cause,
      );
    }
  } else {
    client = await PGlite.create();
  }
  const db = drizzle(client, { schema, casing: "snake_case" });
  try {
    await migrate(db, { migrationsFolder: MIGRATIONS });
  } catch (e) {
    await client.close().catch(() => {});
    unlock();
    throw e;
  }
  return {
    db: db as unknown as Db,
    kind: "pglite",
    ping: async () => {
      await client.query("select 1");
    },
    close: async () => {
      await client.close();
      unlock();
    },
  };
}

