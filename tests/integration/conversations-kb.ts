/** A small knowledge base (returns, shipping, warranty) for the conversation and streaming suites. */
import type { TestServices } from "../helpers/services";

export const KB = [
  {
    title: "Return policy",
    text: `# Returns
## Laptops and phones
Laptops and phones can be returned within 15 days of delivery if they are in their original packaging.
## Other items
Headphones and accessories can be returned within 30 days of delivery. Opened software cannot be returned.`,
  },
  {
    title: "Shipping policy",
    text: `# Shipping
## Canada
We ship to Canada with UPS Standard. Orders to Canada take 5 to 8 business days and duties are paid at checkout.
## United States
Standard shipping in the United States is free on orders over $50.`,
  },
  {
    title: "Warranty terms",
    text: `# Warranty
## What is covered
The warranty covers manufacturing defects for one year from delivery.
## What is not covered
Water damage is not covered by the warranty. Drops and cracked screens are not covered either.`,
  },
];

export async function ingestKb(t: TestServices): Promise<Map<string, string>> {
  const results = await t.services.pipeline.ingestMany(
    KB.map((d) => ({
      tenantId: t.config.defaultTenant,
      source: `kb/${d.title}`,
      sourceType: "text" as const,
      bytes: new TextEncoder().encode(d.text),
      filename: `${d.title}.md`,
      title: d.title,
    })),
  );
  const ids = new Map<string, string>();
  results.forEach((r, i) => {
    if (r instanceof Error) throw r;
    ids.set(KB[i]!.title, r.document.id);
  });
  // The heading channel is written in the background: wait, so rankings are the same from the first search on.
  await t.services.stores.headings?.idle();
  return ids;
}
