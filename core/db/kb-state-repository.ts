/** Small per-tenant key/value state (fitted embedder parameters, knowledge-base version). */
import { and, eq } from "drizzle-orm";
import type { Db } from "./client";
import { kbState } from "./schema";

export class KbStateRepository {
  constructor(private readonly db: Db) {}

  async get<T>(tenantId: string, key: string): Promise<T | null> {
    const rows = await this.db
      .select({ value: kbState.value })
      .from(kbState)
      .where(and(eq(kbState.tenantId, tenantId), eq(kbState.key, key)))
      .limit(1);
    return (rows[0]?.value as T | undefined) ?? null;
  }

  async delete(tenantId: string, key: string): Promise<void> {
    await this.db.delete(kbState).where(and(eq(kbState.tenantId, tenantId), eq(kbState.key, key)));
  }

  /** Stores `value` unless the key has one (the first writer wins, across replicas). */
  async setIfAbsent(tenantId: string, key: string, value: unknown): Promise<void> {
    await this.db.insert(kbState).values({ tenantId, key, value }).onConflictDoNothing({ target: [kbState.tenantId, kbState.key] });
  }

  async set(tenantId: string, key: string, value: unknown): Promise<void> {
    await this.db
      .insert(kbState)
      .values({ tenantId, key, value })
      .onConflictDoUpdate({ target: [kbState.tenantId, kbState.key], set: { value, updatedAt: new Date() } });
  }
}
