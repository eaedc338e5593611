/**
 * Synthetic but realistic customer-service text for load benchmarks, built from the real sentences of
 * ../shared/datasets (Bitext agent responses and StackFAQ answers), deterministic for a seed.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parse } from "csv-parse/sync";

const SHARED = resolve(import.meta.dir, "../../../shared/datasets");

export function sentencePool(): string[] {
  const rows = parse(readFileSync(`${SHARED}/bitext-customer-support/Bitext_Sample_Customer_Support_Training_Dataset.csv`), {
    columns: true,
    skip_empty_lines: true,
  }) as { response: string }[];
  const faq = (JSON.parse(readFileSync(`${SHARED}/stackfaq/stackExchange-FAQ.json`, "utf8")) as { root: { qapair: { answer: string[] | string }[] } }).root.qapair;
  const texts = [...rows.map((r) => r.response), ...faq.flatMap((q) => (Array.isArray(q.answer) ? q.answer : [q.answer]))];
  const out = new Set<string>();
  for (const t of texts) {
    const clean = t.replace(/\{\{([^}]+)\}\}/g, (_, name: string) => name.replace(/ Anonymized/i, "").trim()).replace(/\s+/g, " ");
    for (const s of clean.split(/(?<=[.!?])\s+(?=[A-Z])/)) if (s.length > 30 && s.length < 400) out.add(s.trim());
  }
  return [...out];
}

import { seededRandom as rng } from "../../inference/simulator/faults";

export { rng };

const TOPICS = ["Orders", "Returns", "Refunds", "Shipping", "Payments", "Accounts", "Warranty", "Delivery", "Invoices", "Subscriptions", "Devices", "Security"];

/** Paragraph of about `chars` characters from the pool. */
export function paragraph(pool: string[], next: () => number, chars: number): string {
  const parts: string[] = [];
  let n = 0;
  while (n < chars) {
    const s = pool[Math.floor(next() * pool.length)]!;
    parts.push(s);
    n += s.length + 1;
  }
  return parts.join(" ");
}

/** Markdown documents with `sections` headed sections of ~`chars` characters each (one chunk per section). */
export function markdownDocuments(count: number, sections: number, chars: number, seed = 1): { title: string; text: string }[] {
  const pool = sentencePool();
  const next = rng(seed);
  return Array.from({ length: count }, (_, d) => {
    const topic = TOPICS[d % TOPICS.length]!;
    const title = `${topic} handbook ${d + 1}`;
    const body = Array.from({ length: sections }, (_, s) => `## ${topic} topic ${s + 1}\n\n${paragraph(pool, next, chars)}`).join("\n\n");
    return { title, text: `# ${title}\n\n${body}` };
  });
}
