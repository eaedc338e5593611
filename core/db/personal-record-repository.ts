/**
 * Personal tables: CSV documents whose columns hold personal data (ingest/loaders/personal-columns.ts), kept as
 * records only and read back only through a verified lookup (api/orders/order-lookup.ts). Readers see the active
 * version of a document only, like every other reader of chunks and records.
 */
import { and, asc, eq, gt, sql } from "drizzle-orm";
import type { DocumentInfo } from "../ports/store";
import type { Db } from "./client";
import { documents, records } from "./schema";

/** A personal table of a tenant, as its metadata describes it. */
export interface PersonalCollection {
  documentId: string;
  collection: string;
  keyColumn?: string;
  /** The shape of its keys (ingest/loaders/key-pattern.ts): how an order number of it looks in a message. */
  keyPattern?: string;
  personalColumns: string[];
}

/** A row of a personal table, with the columns its document marks personal. */
export interface PersonalRecord {
  documentId: string;
  collection: string;
  key: string;
  data: Record<string, string>;
  personalColumns: string[];
}

const recordIsActive = and(eq(documents.id, records.documentId), eq(documents.version, records.version));
const isPersonal = sql`${documents.metadata}->>'personal' = 'true'`;
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

export class PersonalRecordRepository {
  constructor(private readonly db: Db) {}

  /**
   * Rows with this key in the tenant's personal tables (active versions; key compared case-insensitively).
   * One query on records_tenant_upper_key_idx, whether or not the key exists.
   */
  async findByKey(tenantId: string, key: string): Promise<PersonalRecord[]> {
    const rows = await this.db
      .select({ documentId: records.documentId, collection: records.collection, key: records.key, data: records.data, metadata: documents.metadata })
      .from(records)
      .innerJoin(documents, recordIsActive)
      .where(and(eq(records.tenantId, tenantId), sql`upper(${records.key}) = upper(${key})`, isPersonal))
      .orderBy(asc(records.documentId), asc(records.rowNumber))
      .limit(5);
    return rows.map((r) => ({
      documentId: r.documentId,
      collection: r.collection,
      key: r.key ?? key,
      data: r.data,
      personalColumns: strings((r.metadata as Record<string, unknown>).personalColumns),
    }));
  }

  /**
   * Rows of the tenant's personal tables that hold this email in any column (active versions; compared
   * case-insensitively), newest rows last, at most `limit`. The caller checks the column is a personal one and
   * decides what the email proves: only a signed-in account's own email may be used here.
   */
  async findByEmail(tenantId: string, email: string, limit = 20): Promise<PersonalRecord[]> {
    const rows = await this.db
      .select({ documentId: records.documentId, collection: records.collection, key: records.key, data: records.data, metadata: documents.metadata })
      .from(records)
      .innerJoin(documents, recordIsActive)
      .where(and(eq(records.tenantId, tenantId), isPersonal, sql`exists (select 1 from jsonb_each_text(${records.data}) e where lower(e.value) = lower(${email.trim()}))`))
      .orderBy(asc(records.documentId), asc(records.rowNumber))
      .limit(limit);
    return rows.map((r) => ({
      documentId: r.documentId,
      collection: r.collection,
      key: r.key ?? "",
      data: r.data,
      personalColumns: strings((r.metadata as Record<string, unknown>).personalColumns),
    }));
  }

  /** The tenant's personal tables (active documents marked personal). */
  async collections(tenantId: string): Promise<PersonalCollection[]> {
    const rows = await this.db
      .select({ id: documents.id, metadata: documents.metadata })
      .from(documents)
      .where(and(eq(documents.tenantId, tenantId), isPersonal))
      .orderBy(asc(documents.id));
    return rows.map(({ id, metadata }) => {
      const m = metadata as Record<string, unknown>;
      return {
        documentId: id,
        collection: typeof m.collection === "string" ? m.collection : "records",
        ...(typeof m.keyColumn === "string" ? { keyColumn: m.keyColumn } : {}),
        ...(typeof m.keyPattern === "string" ? { keyPattern: m.keyPattern } : {}),
        personalColumns: strings(m.personalColumns),
      };
    });
  }

  /** CSV documents (every tenant) with chunks and never checked for personal columns: from before the check. */
  async uncheckedTables(): Promise<DocumentInfo[]> {
    const rows = await this.db
      .select()
      .from(documents)
      .where(and(eq(documents.format, "csv"), gt(documents.chunkCount, 0), sql`(${documents.metadata}->>'personal') is null`))
      .orderBy(asc(documents.tenantId), asc(documents.id));
    return rows.map(({ content: _content, ...info }) => info);
  }

  /** The records of a document's active version, in row order. */
  async rowsOf(tenantId: string, documentId: string): Promise<Record<string, string>[]> {
    const rows = await this.db
      .select({ data: records.data })
      .from(records)
      .innerJoin(documents, recordIsActive)
      .where(and(eq(records.tenantId, tenantId), eq(records.documentId, documentId)))
      .orderBy(asc(records.rowNumber));
    return rows.map((r) => r.data);
  }

  /** Marks a table checked and not personal (this version; a re-ingest writes its own metadata). */
  async markNotPersonal(tenantId: string, documentId: string, version: number): Promise<void> {
    await this.db
      .update(documents)
      .set({ metadata: sql`${documents.metadata} || '{"personal": false}'::jsonb` })
      .where(and(eq(documents.tenantId, tenantId), eq(documents.id, documentId), eq(documents.version, version)));
  }
}
