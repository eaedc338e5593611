/** Slots a message names: order numbers, SKUs, emails, ISO dates (understand extracts them; the order route reads them). */
import type { Slots } from "./stage";

export const ORDER = /\b[A-Z]{2,4}-\d{5,10}\b|\b[A-Z]{2,4}-\d{4}-\d{3,8}\b/gi;
export const SKU = /\b[A-Z]{2,4}-[A-Z]{2,4}-\d{3,6}\b|\bSKU-?\d{3,8}\b/gi;
const EMAIL = /\b[A-Z0-9._%+-]+@[A-Z0-9.-]+\.[A-Z]{2,}\b/gi;
const ISO_DATE = /\b\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])\b/g;

const unique = (xs: string[]) => [...new Set(xs)];

export function extractSlots(text: string): Slots {
  const skus = unique((text.match(SKU) ?? []).map((s) => s.toUpperCase()));
  return {
    orderNumbers: unique((text.match(ORDER) ?? []).map((s) => s.toUpperCase())).filter((o) => !skus.includes(o)),
    skus,
    emails: unique((text.match(EMAIL) ?? []).map((s) => s.toLowerCase())),
    dates: unique(text.match(ISO_DATE) ?? []),
  };
}
