/**
 * Verified lookups in personal tables (orders): a row is shown only to a customer who proves it is theirs, by an
 * email or a postcode that matches a personal field of the row, or by being signed in with the row's email
 * (`verifiedEmail`). Otherwise the result is one constant "not verified", the same whether the order does not
 * exist, the proof is missing or the proof is wrong: one indexed query in every case, so neither the answer nor
 * its timing tells a stranger that an order number is real. A verified result carries the row without its
 * personal columns (nothing to echo back).
 */
import { PersonalRecordRepository, type PersonalCollection, type PersonalRecord } from "../../core/db/personal-record-repository";
import type { Stores } from "../../core/stores/open-stores";

export interface OrderProof {
  email?: string;
  postcode?: string;
}

export interface OrderLookupRequest {
  tenantId: string;
  orderNumber: string;
  proof?: OrderProof;
  /** A signed-in customer's email (an account proves it owns that email's orders). */
  verifiedEmail?: string;
}

export interface VerifiedOrder {
  verified: true;
  collection: string;
  key: string;
  /** The row's columns that are not personal (status, carrier, tracking number, dates, ...). */
  fields: Record<string, string>;
}

export type OrderLookupResult = VerifiedOrder | { readonly verified: false };

/** The one answer for every lookup that is not verified. */
export const NOT_VERIFIED: OrderLookupResult = Object.freeze({ verified: false as const });

const EMAIL_VALUE = /^[^\s@]+@[^\s@]+\.[^\s@]{2,}$/;
/** Columns whose values are postcodes (common schema names, as in ingest/loaders/personal-columns.ts). */
const POSTCODE_COLUMN = /(^|_)(post_?code|postal_?code|zip|zip_?code|zipcode)($|_)/;
const normName = (h: string) => h.toLowerCase().trim().replace(/[^a-z0-9]+/g, "_").replace(/^_|_$/g, "");
export const normEmail = (s: string) => s.trim().toLowerCase();
export const normPostcode = (s: string) => s.replace(/[\s-]+/g, "").toUpperCase();

/** Whether the proof (or the signed-in email) matches a personal field of the row. */
export function proves(row: Pick<PersonalRecord, "data" | "personalColumns">, req: Pick<OrderLookupRequest, "proof" | "verifiedEmail">): boolean {
  const emails = [req.proof?.email, req.verifiedEmail].flatMap((e) => (e?.trim() ? [normEmail(e)] : []));
  const postcode = req.proof?.postcode?.trim() ? normPostcode(req.proof.postcode) : undefined;
  return row.personalColumns.some((col) => {
    const v = row.data[col]?.trim();
    if (!v) return false;
    if (EMAIL_VALUE.test(v) && emails.includes(normEmail(v))) return true;
    return postcode !== undefined && POSTCODE_COLUMN.test(normName(col)) && normPostcode(v) === postcode;
  });
}

const TTL_MS = 30_000;

export class OrderLookup {
  private readonly known = new Map<string, { at: number; collections: Promise<PersonalCollection[]> }>();

  constructor(
    private readonly records: Pick<PersonalRecordRepository, "findByKey" | "collections"> & Partial<Pick<PersonalRecordRepository, "findByEmail">>,
    opts: { onVersionChange?: (fn: (tenantId: string) => void) => unknown } = {},
  ) {
    // A table this process ingests or deletes is seen at once; another replica's within TTL_MS.
    opts.onVersionChange?.((tenantId) => this.known.delete(tenantId));
  }

  async lookup(req: OrderLookupRequest): Promise<OrderLookupResult> {
    const rows = await this.records.findByKey(req.tenantId, req.orderNumber.trim());
    const row = rows.find((r) => proves(r, req));
    if (!row) return NOT_VERIFIED;
    const fields = Object.fromEntries(Object.entries(row.data).filter(([col]) => !row.personalColumns.includes(col)));
    return { verified: true, collection: row.collection, key: row.key, fields };
  }

  /**
   * The orders of a signed-in customer: rows whose personal email column holds the account's email (an account
   * proves it owns its email; an email typed into the chat does not, so this takes only `verifiedEmail`).
   */
  async ordersOf(tenantId: string, verifiedEmail: string): Promise<VerifiedOrder[]> {
    if (!this.records.findByEmail || !verifiedEmail.trim()) return [];
    const rows = await this.records.findByEmail(tenantId, verifiedEmail);
    return rows
      .filter((r) => r.key && proves(r, { verifiedEmail }))
      .map((row) => ({ verified: true as const, collection: row.collection, key: row.key, fields: Object.fromEntries(Object.entries(row.data).filter(([col]) => !row.personalColumns.includes(col))) }));
  }

  /** The tenant's personal tables (cached briefly: the route stage asks on every message). */
  collections(tenantId: string): Promise<PersonalCollection[]> {
    const hit = this.known.get(tenantId);
    if (hit && performance.now() - hit.at < TTL_MS) return hit.collections;
    const collections = this.records.collections(tenantId);
    this.known.set(tenantId, { at: performance.now(), collections });
    collections.catch(() => this.known.delete(tenantId));
    return collections;
  }
}

/** The lookup over the stores' database; a table this process ingests or deletes refreshes its tenant's cache. */
export function createOrderLookup(stores: Pick<Stores, "database" | "documents">): OrderLookup {
  return new OrderLookup(new PersonalRecordRepository(stores.database.db), { onVersionChange: (fn) => stores.documents.onVersionChange((tenantId) => fn(tenantId)) });
}
