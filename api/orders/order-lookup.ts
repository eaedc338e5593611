/**
 * Verified lookups in personal tables (orders): a row is shown only to a customer who proves it is theirs, by
 * an email or postcode that matches the row, or by being signed in with the row's email. Otherwise the result
 * is one constant "not verified", the same whether the order does not exist, the proof is missing or wrong, so
 * nothing tells a stranger that an order number is real.
 */
import type { DocumentRepository } from "../../core/db/document-repository";

export interface OrderProof {
  emails: string[];
  postcodes: string[];
  /** The signed-in customer's email (an account linked to its orders). */
  verifiedEmail?: string;
}

export type OrderLookupResult = { verified: true; key: string; collection: string; data: Record<string, string> } | { verified: false };

const NOT_VERIFIED: OrderLookupResult = { verified: false };
const EMAIL_COLUMN = /e_?mail/i;
const POSTCODE_COLUMN = /post_?code|postal|zip/i;
const normEmail = (s: string) => s.trim().toLowerCase();
const normPostcode = (s: string) => s.replace(/\s+/g, "").toUpperCase();

export class OrderLookup {
  constructor(private readonly documents: Pick<DocumentRepository, "findPersonalRecords">) {}

  async lookup(tenantId: string, orderNumber: string, proof: OrderProof): Promise<OrderLookupResult> {
    const rows = await this.documents.findPersonalRecords(tenantId, orderNumber);
    const emails = new Set([...proof.emails, ...(proof.verifiedEmail ? [proof.verifiedEmail] : [])].map(normEmail));
    const postcodes = new Set(proof.postcodes.map(normPostcode));
    for (const r of rows) {
      const ok = Object.entries(r.data).some(([col, v]) =>
        v && ((EMAIL_COLUMN.test(col) && emails.has(normEmail(v))) || (POSTCODE_COLUMN.test(col) && postcodes.has(normPostcode(v)))),
      );
      if (ok) return { verified: true, key: r.key ?? orderNumber, collection: r.collection, data: r.data };
    }
    return NOT_VERIFIED;
  }
}

/** The columns an order answer may say (never the email or other proof columns back). */
const SAY = [/status/i, /carrier/i, /tracking/i, /estimated|delivery|eta/i, /order_?date|date/i, /total/i, /sku|item|product/i, /quantity|qty/i, /country/i];

const humanize = (h: string) => h.replace(/[_\s]+/g, " ").trim().toLowerCase();

/** "Order VM-100202: status delivered; carrier UPS; tracking number ...". */
export function describeOrder(r: Extract<OrderLookupResult, { verified: true }>): string {
  const parts = Object.entries(r.data)
    .filter(([col, v]) => v && !EMAIL_COLUMN.test(col) && !POSTCODE_COLUMN.test(col) && SAY.some((re) => re.test(col)) && !/^order_?(id|number|no)$/i.test(col))
    .map(([col, v]) => `${humanize(col)}: ${v}`);
  return `Here is order ${r.key}: ${parts.join("; ")}.`;
}
