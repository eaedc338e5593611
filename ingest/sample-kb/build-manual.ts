/**
 * Renders voltbook-14-manual.md into voltbook-14-manual.pdf beside it, then reads the PDF back with unpdf to
 * prove that its text extracts, that the page count and Title metadata are right, and that every heading
 * made it into the text. Exits non-zero when a check fails.
 *
 *   npx bun ingest/sample-kb/build-manual.ts
 */
import { readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { extractText, getDocumentProxy, getMeta } from "unpdf";
import { parseManualMarkdown } from "./manual-markdown.ts";
import { renderManualPdf, type ManualPdfResult } from "./manual-pdf.ts";

export const MANUAL_TITLE = "VoltBook 14 User Manual";
const MIN_PAGES = 8;
const MAX_PAGES = 12;

const here = dirname(fileURLToPath(import.meta.url));
export const MANUAL_SOURCE = join(here, "voltbook-14-manual.md");
export const MANUAL_PDF = join(here, "voltbook-14-manual.pdf");

/** Collapses whitespace so text wrapped across PDF lines compares equal to the source. */
export const flattenText = (text: string): string => text.replace(/\s+/g, " ").trim().toLowerCase();

export interface ManualCheck {
  pageCount: number;
  extractedPages: number;
  title: string;
  characters: number;
  missingHeadings: string[];
  firstPageText: string;
  problems: string[];
}

/** Reads a rendered manual back with unpdf and compares it with what was laid out. */
export async function verifyManualPdf(bytes: Uint8Array, expectedPages: number, headings: string[]): Promise<ManualCheck> {
  const pdf = await getDocumentProxy(new Uint8Array(bytes));
  const { totalPages, text } = await extractText(pdf, { mergePages: false });
  const { info } = await getMeta(pdf);
  const all = flattenText(text.join("\n"));
  const title = typeof info.Title === "string" ? info.Title : "";
  const missingHeadings = headings.filter((heading) => !all.includes(flattenText(heading)));
  const problems: string[] = [];
  if (totalPages !== expectedPages) problems.push(`unpdf sees ${totalPages} pages, the layout made ${expectedPages}`);
  if (totalPages < MIN_PAGES || totalPages > MAX_PAGES) problems.push(`${totalPages} pages is outside ${MIN_PAGES}-${MAX_PAGES}`);
  if (title !== MANUAL_TITLE) problems.push(`Title metadata is "${title}"`);
  if (missingHeadings.length > 0) problems.push(`${missingHeadings.length} headings missing from the extracted text`);
  text.forEach((pageText, index) => {
    if (index > 0 && !pageText.includes(`Page ${index + 1} of ${totalPages}`)) problems.push(`page ${index + 1} has no footer page number`);
  });
  return { pageCount: expectedPages, extractedPages: totalPages, title, characters: all.length, missingHeadings, firstPageText: text[0] ?? "", problems };
}

/** Lays out the manual from its Markdown source; the fixed date keeps the output byte-for-byte reproducible. */
export async function renderVoltbookManual(): Promise<ManualPdfResult> {
  const markdown = await readFile(MANUAL_SOURCE, "utf8");
  return renderManualPdf(parseManualMarkdown(markdown), {
    title: MANUAL_TITLE,
    author: "Voltmart, Inc.",
    subject: "User manual for the VoltBook 14 laptop (model VB1401, SKU VM-LT-1401)",
    keywords: ["VoltBook 14", "VM-LT-1401", "laptop", "manual", "Voltmart"],
    date: new Date("2026-01-15T12:00:00Z"),
  });
}

async function main(): Promise<void> {
  const result = await renderVoltbookManual();
  await writeFile(MANUAL_PDF, result.bytes);

  const check = await verifyManualPdf(result.bytes, result.pageCount, result.headings.map((h) => h.text));
  console.log(`wrote ${MANUAL_PDF} (${result.bytes.length} bytes)`);
  console.log(`pages: ${check.pageCount} laid out, ${check.extractedPages} read back by unpdf`);
  console.log(`title: ${check.title}`);
  console.log(`extracted characters: ${check.characters}; non-WinAnsi characters replaced: ${result.replacedChars}`);
  console.log("sections:");
  for (const heading of result.headings.filter((h) => h.level === 2)) console.log(`  p.${heading.page}  ${heading.text}`);
  console.log(`first page text: ${check.firstPageText.replace(/\s+/g, " ").slice(0, 240)}...`);
  if (check.missingHeadings.length > 0) console.log(`missing headings: ${check.missingHeadings.join(" | ")}`);
  if (check.problems.length > 0) {
    for (const problem of check.problems) console.error(`FAIL: ${problem}`);
    process.exit(1);
  }
  console.log("OK: text extracts, page count, title and footers verified");
}

if (import.meta.main) await main();
