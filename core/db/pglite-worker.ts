/**
 * The embedded database's thread: one PGlite instance (Postgres compiled to WASM) in a Bun Worker, so its
 * statements (about a millisecond of CPU each) never run on the API's event loop, where they would hold up every
 * open stream and every request waiting for its handler. pglite-proxy.ts is the other side.
 *
 * Messages in:  {id, op: "open", dataDir?} | {id, op: "query", sql, params, rowMode} | {id, op: "exec", sql} | {id, op: "close"}
 * Messages out: {id, ok: true, result} | {id, ok: false, error: {message, code?, detail?, ...}}
 * Date and time values stay strings (the same identity parsers drizzle-orm's PGlite driver passes).
 */
import { PGlite, types } from "@electric-sql/pglite";

declare const self: Worker;

export type PgliteRequest =
  | { id: number; op: "open"; dataDir?: string }
  | { id: number; op: "query"; sql: string; params: unknown[]; rowMode: "array" | "object" }
  | { id: number; op: "exec"; sql: string }
  | { id: number; op: "close" };

export type PgliteReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: Record<string, unknown> & { message: string } };

const asString = (value: string) => value;
/** Kept as text, as drizzle-orm's PGlite session asks (it maps them to Date itself where a column says so). */
const PARSERS = {
  [types.TIMESTAMP]: asString,
  [types.TIMESTAMPTZ]: asString,
  [types.INTERVAL]: asString,
  [types.DATE]: asString,
  1231: asString, // numeric[]
  1115: asString, // timestamp[]
  1185: asString, // timestamptz[]
  1187: asString, // interval[]
  1182: asString, // date[]
};

let db: PGlite | undefined;

const errorOf = (e: unknown): Record<string, unknown> & { message: string } => {
  const out: Record<string, unknown> & { message: string } = { message: e instanceof Error ? e.message : String(e) };
  if (e && typeof e === "object") {
    for (const k of ["code", "detail", "hint", "severity", "constraint", "table", "column", "schema", "position"]) {
      const v = (e as Record<string, unknown>)[k];
      if (v !== undefined && (typeof v === "string" || typeof v === "number")) out[k] = v;
    }
  }
  return out;
};

async function handle(m: PgliteRequest): Promise<unknown> {
  switch (m.op) {
    case "open":
      db = m.dataDir ? await PGlite.create(m.dataDir) : await PGlite.create();
      return null;
    case "query": {
      if (!db) throw new Error("the embedded database is not open");
      const r = await db.query(m.sql, m.params, { rowMode: m.rowMode, parsers: PARSERS });
      return { rows: r.rows, fields: r.fields, affectedRows: r.affectedRows };
    }
    case "exec":
      if (!db) throw new Error("the embedded database is not open");
      return (await db.exec(m.sql)).map((r) => ({ rows: r.rows, fields: r.fields, affectedRows: r.affectedRows }));
    case "close":
      await db?.close();
      db = undefined;
      return null;
  }
}

self.onmessage = async (ev: MessageEvent<PgliteRequest>) => {
  const m = ev.data;
  try {
    self.postMessage({ id: m.id, ok: true, result: await handle(m) } satisfies PgliteReply);
  } catch (e) {
    self.postMessage({ id: m.id, ok: false, error: errorOf(e) } satisfies PgliteReply);
  }
};
