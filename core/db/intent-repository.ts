/**
 * A tenant's intent set (the router's data), kept as one versioned JSON value in kb_state under `intents`: a
 * tenant that never edited its intents has no value and routes by the defaults the caller passes. Every change
 * is a compare-and-set on the version, retried on a conflict, so two admins editing at once never lose a change
 * and a replica reading the set sees one whole version.
 */
import { and, eq, sql } from "drizzle-orm";
import type { Db } from "./client";
import { kbState } from "./schema";

export interface IntentRecord {
  name: string;
  description: string;
  route: string;
  examples: string[];
  threshold?: number;
  reply?: string;
  createdAt?: string;
  updatedAt?: string;
}

export interface IntentSet {
  version: number;
  /** False while the tenant routes by the defaults (nothing stored yet). */
  customised: boolean;
  intents: IntentRecord[];
}

const KEY = "intents";

export class IntentRepository {
  constructor(private readonly db: Db) {}

  async get(tenantId: string, defaults: readonly IntentRecord[]): Promise<IntentSet> {
    const rows = await this.db
      .select({ value: kbState.value })
      .from(kbState)
      .where(and(eq(kbState.tenantId, tenantId), eq(kbState.key, KEY)))
      .limit(1);
    const v = rows[0]?.value as { version: number; intents: IntentRecord[] } | undefined;
    return v ? { version: v.version, customised: true, intents: v.intents } : { version: 0, customised: false, intents: defaults.map((d) => ({ ...d })) };
  }

  /**
   * Applies `change` to the current set and stores the result if nobody stored another version meanwhile (else
   * reads again and retries). `change` may throw to refuse (nothing is stored). Returns the stored set and what
   * `change` returned.
   */
  async update<T>(tenantId: string, defaults: readonly IntentRecord[], change: (intents: IntentRecord[]) => { intents: IntentRecord[]; result: T }): Promise<{ set: IntentSet; result: T }> {
    for (let attempt = 0; attempt < 8; attempt++) {
      const current = await this.get(tenantId, defaults);
      const { intents, result } = change(current.intents.map((i) => ({ ...i, examples: [...i.examples] })));
      const value = { version: current.version + 1, intents };
      let stored: boolean;
      if (!current.customised) {
        const ins = await this.db.insert(kbState).values({ tenantId, key: KEY, value }).onConflictDoNothing({ target: [kbState.tenantId, kbState.key] }).returning({ k: kbState.key });
        stored = ins.length > 0;
      } else {
        const upd = await this.db
          .update(kbState)
          .set({ value, updatedAt: new Date() })
          .where(and(eq(kbState.tenantId, tenantId), eq(kbState.key, KEY), sql`(${kbState.value}->>'version')::int = ${current.version}`))
          .returning({ k: kbState.key });
        stored = upd.length > 0;
      }
      if (stored) return { set: { version: value.version, customised: true, intents }, result };
    }
    throw new Error("the intent set changed too often while updating it");
  }

  /** Back to the defaults (removes the stored set). */
  async reset(tenantId: string): Promise<void> {
    await this.db.delete(kbState).where(and(eq(kbState.tenantId, tenantId), eq(kbState.key, KEY)));
  }
}
