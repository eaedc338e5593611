/**
 * The main thread's side of the embedded database thread (pglite-worker.ts): a client with the part of PGlite's
 * interface drizzle-orm's PGlite driver uses (query, exec, transaction, close), every call a message to the
 * worker. PGlite has one session, so a transaction holds it: while one runs (BEGIN ... COMMIT over messages),
 * other queries wait for it to end, as they would inside PGlite; queries outside a transaction are sent at once
 * and run in arrival order.
 */
import { types } from "@electric-sql/pglite";
import type { PgliteReply, PgliteRequest } from "./pglite-worker";

const WORKER_URL = new URL("./pglite-worker.ts", import.meta.url).href;

/** The parsers drizzle-orm's PGlite session passes: date and time types kept as text. The worker applies these. */
const KNOWN_PARSERS = new Set([types.TIMESTAMP, types.TIMESTAMPTZ, types.INTERVAL, types.DATE, 1231, 1115, 1185, 1187, 1182].map(String));

export interface QueryResult {
  rows: unknown[];
  fields: { name: string; dataTypeID: number }[];
  affectedRows?: number;
}

interface QueryOptions {
  rowMode?: "array" | "object";
  parsers?: Record<string, unknown>;
}

/** A database error as PGlite raised it, rebuilt on this side (message, SQLSTATE code, detail...). */
export class PgliteError extends Error {
  code?: string;
  detail?: string;
  constructor(fields: Record<string, unknown> & { message: string }) {
    super(fields.message);
    this.name = "PgliteError";
    Object.assign(this, fields);
  }
}

type Queryable = Pick<PgliteProxy, "query" | "exec">;
type WithoutId<T> = T extends { id: number } ? Omit<T, "id"> : never;

export class PgliteProxy {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  private nextId = 1;
  /** Resolves when the running transaction (if any) has ended. */
  private txDone: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor() {
    this.worker = new Worker(WORKER_URL);
    this.worker.onmessage = (ev: MessageEvent<PgliteReply>) => {
      const p = this.pending.get(ev.data.id);
      if (!p) return;
      this.pending.delete(ev.data.id);
      if (ev.data.ok) p.resolve(ev.data.result);
      else p.reject(new PgliteError(ev.data.error));
    };
    this.worker.onerror = (ev) => {
      const e = new Error(`the embedded database thread failed: ${(ev as ErrorEvent).message ?? "unknown error"}`);
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
  }

  /** Starts the thread and opens the database (in `dataDir`, or in memory). */
  static async open(dataDir?: string): Promise<PgliteProxy> {
    const p = new PgliteProxy();
    try {
      await p.send({ op: "open", dataDir });
    } catch (e) {
      p.worker.terminate();
      throw e;
    }
    return p;
  }

  private send(m: WithoutId<PgliteRequest>): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error("the embedded database is closed"));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...m, id } as PgliteRequest);
    });
  }

  private direct(sql: string, params: unknown[] = [], o: QueryOptions = {}): Promise<QueryResult> {
    if (o.parsers) {
      for (const k of Object.keys(o.parsers)) {
        if (!KNOWN_PARSERS.has(k)) throw new Error(`the embedded database thread does not apply a parser for type ${k}`);
      }
    }
    return this.send({ op: "query", sql, params, rowMode: o.rowMode ?? "object" }) as Promise<QueryResult>;
  }

  async query(sql: string, params: unknown[] = [], o: QueryOptions = {}): Promise<QueryResult> {
    await this.txDone;
    return this.direct(sql, params, o);
  }

  async exec(sql: string): Promise<QueryResult[]> {
    await this.txDone;
    return this.send({ op: "exec", sql }) as Promise<QueryResult[]>;
  }

  /** Runs `fn` in one transaction; statements of others wait until it commits or rolls back. */
  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const before = this.txDone;
    let end!: () => void;
    const done = new Promise<void>((r) => (end = r));
    this.txDone = before.then(() => done);
    await before;
    const tx: Queryable = {
      query: (sql, params, o) => this.direct(sql, params, o),
      exec: (sql) => this.send({ op: "exec", sql }) as Promise<QueryResult[]>,
    };
    try {
      await this.direct("BEGIN");
      const out = await fn(tx);
      await this.direct("COMMIT");
      return out;
    } catch (e) {
      await this.direct("ROLLBACK").catch(() => {});
      throw e;
    } finally {
      end();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.txDone.catch(() => {});
    await this.send({ op: "close" }).catch(() => {});
    this.closed = true;
    this.worker.terminate();
  }
}
