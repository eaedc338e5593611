/**
 * Large generated documents for ingestion benchmarks and tests (no dependency on ../shared): hard-wrapped plain
 * text, Markdown, HTML and CSV of about `bytes` bytes, deterministic for a seed. The words are a small
 * customer-service vocabulary; sentences end with a period, paragraphs are wrapped at ~72 columns and separated by
 * blank lines, and a heading starts every ~20 paragraphs.
 */
import { seededRandom } from "../../inference/simulator/faults";

const WORDS = (
  "order orders return returns refund refunds shipping delivery package parcel customer account password invoice " +
  "payment card warranty repair replacement device laptop phone tablet charger battery screen cable store online " +
  "support agent ticket request days business week within after before policy item items product products label " +
  "address carrier tracking number status delayed lost damaged original packaging receipt store credit exchange " +
  "subscription plan monthly annual cancel renew discount coupon code price tax duties customs country canada " +
  "europe free standard express overnight pickup locker the a an of to in for on with is are can will may must " +
  "not be your our you we please contact us if when and or this that it as by from at"
).split(" ");
const TOPICS = ["Orders", "Returns", "Refunds", "Shipping", "Payments", "Accounts", "Warranty", "Delivery", "Invoices", "Subscriptions"];

/** Mulberry32: a small deterministic PRNG (the simulator's). */
export const prng = seededRandom;

function sentence(next: () => number): string {
  const n = 8 + Math.floor(next() * 14);
  const words: string[] = [];
  for (let i = 0; i < n; i++) words.push(WORDS[Math.floor(next() * WORDS.length)]!);
  if (next() < 0.15) words.splice(1 + Math.floor(next() * (n - 1)), 0, `SKU-${1000 + Math.floor(next() * 9000)}`);
  const s = words.join(" ");
  return s[0]!.toUpperCase() + s.slice(1) + ".";
}

function paragraphText(next: () => number): string {
  const n = 3 + Math.floor(next() * 6);
  return Array.from({ length: n }, () => sentence(next)).join(" ");
}

/** Hard-wraps a paragraph at `width` columns. */
export function wrap(text: string, width = 72): string {
  const lines: string[] = [];
  let line = "";
  for (const w of text.split(" ")) {
    if (line && line.length + 1 + w.length > width) {
      lines.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(line);
  return lines.join("\n");
}

export type LargeFormat = "text" | "markdown" | "html" | "csv";

/** Builds a document of about `bytes` bytes (ASCII, so bytes = characters). */
export function largeDocument(format: LargeFormat, bytes: number, seed = 1): string {
  const next = prng(seed);
  const parts: string[] = [];
  let size = 0;
  const add = (s: string) => {
    parts.push(s);
    size += s.length;
  };
  let p = 0;
  if (format === "csv") {
    add("order_id,status,customer,carrier,notes\n");
    for (let i = 0; size < bytes; i++) {
      const note = sentence(next).replace(/,/g, "");
      add(`ORD-${100000 + i},${["shipped", "pending", "delivered", "returned"][i % 4]},Customer ${i % 997},${["DHL", "UPS", "FedEx"][i % 3]},"${note}"\n`);
    }
    return parts.join("");
  }
  if (format === "html") add("<!doctype html><html><head><title>Customer service handbook</title></head><body>\n<h1>Customer service handbook</h1>\n");
  if (format === "markdown") add("# Customer service handbook\n\n");
  if (format === "text") add("Customer Service Handbook\n\n");
  while (size < bytes) {
    if (p % 20 === 0) {
      const h = `${TOPICS[(p / 20) % TOPICS.length]} Topic ${p / 20 + 1}`;
      add(format === "markdown" ? `## ${h}\n\n` : format === "html" ? `<h2>${h}</h2>\n` : `${h}\n\n`);
    }
    const para = paragraphText(next);
    add(format === "html" ? `<p>${wrap(para)}</p>\n` : `${wrap(para)}\n\n`);
    p++;
  }
  if (format === "html") add("</body></html>\n");
  return parts.join("");
}
