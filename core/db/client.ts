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

/** The parsers drizzle-orm's PGlite driver passes with every query: date and time types kept as text. */
const asText = (value: string) => value;
const DRIZZLE_PARSER_TYPES = [1114, 1184, 1186, 1082, 1231, 1115, 1185, 1187, 1182];
export const DRIZZLE_PARSERS = Object.fromEntries(DRIZZLE_PARSER_TYPES.map((t) => [t, asText]));

type Queryable = { query: (sql: string, params?: unknown[], opts?: Record<string, unknown>) => Promise<unknown> };

/**
 * PGlite merges per-query `parsers` into its ~300 defaults on every call: ~0.5-0.7 ms per statement, more than the
 * statement itself, all on the API's JS thread. The instance is created with drizzle's parsers instead, and this
 * view of it drops the per-query copy when it is exactly those (anything else is passed on unchanged).
 */
export function withInstanceParsers<T extends Queryable & { transaction?: (fn: (tx: Queryable) => Promise<unknown>) => Promise<unknown> }>(client: T): T {
  const same = (p: unknown) => {
    if (!p || typeof p !== "object") return false;
    const keys = Object.keys(p);
    return keys.length === DRIZZLE_PARSER_TYPES.length && keys.every((k) => DRIZZLE_PARSER_TYPES.includes(Number(k)));
  };
  const wrapQuery = (target: Queryable) => (sql: string, params?: unknown[], opts?: Record<string, unknown>) => {
    if (opts && same(opts.parsers)) {
      const { parsers: _dropped, ...rest } = opts;
      return target.query(sql, params, rest);
    }
    return target.query(sql, params, opts);
  };
  return new Proxy(client, {
    get(target, prop, receiver) {
      if (prop === "query") return wrapQuery(target);
      if (prop === "transaction" && target.transaction) {
        return (fn: (tx: Queryable) => Promise<unknown>) =>
          target.transaction!((tx) => fn(new Proxy(tx, { get: (t, p, r) => (p === "query" ? wrapQuery(t) : Reflect.get(t, p, r)) })));
      }
      const v = Reflect.get(target, prop, receiver);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
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
      client = await PGlite.create(join(dataDir), { parsers: DRIZZLE_PARSERS });
    } catch (cause) {
      unlock();
      throw errors.unavailable(
        "DATABASE_UNAVAILABLE",
        `the embedded database in ${dataDir} could not be opened (is another process using it?): ${(cause as Error).message}`,
        cause,
      );
    }
  } else {
    client = await PGlite.create({ parsers: DRIZZLE_PARSERS });
  }
  const db = drizzle(withInstanceParsers(client), { schema, casing: "snake_case" });
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

