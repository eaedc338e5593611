/** The sample knowledge base (a fictional electronics store) that the first start ingests. */
import { readdirSync, readFileSync, existsSync } from "node:fs";
import { extname, join, resolve } from "node:path";
import type { IngestRequest } from "./pipeline";

export const SAMPLE_KB_DIR = resolve(import.meta.dir, "sample-kb");
const DATA_EXTENSIONS = new Set([".md", ".html", ".htm", ".json", ".csv", ".pdf", ".txt"]);

/** The sample files to ingest: data files only; a Markdown source that has a rendered PDF beside it is skipped. */
export function sampleKbFiles(dir = SAMPLE_KB_DIR): string[] {
  if (!existsSync(dir)) return [];
  const names = readdirSync(dir);
  return names
    .filter((n) => DATA_EXTENSIONS.has(extname(n).toLowerCase()))
    .filter((n) => n.toLowerCase() !== "readme.md")
    .filter((n) => !(extname(n) === ".md" && names.includes(n.replace(/\.md$/, ".pdf"))))
    .sort()
    .map((n) => join(dir, n));
}

export function sampleKbRequests(tenantId: string, dir = SAMPLE_KB_DIR): IngestRequest[] {
  return sampleKbFiles(dir).map((path) => ({
    tenantId,
    source: `sample-kb/${path.slice(dir.length + 1)}`,
    sourceType: "file" as const,
    bytes: new Uint8Array(readFileSync(path)),
    filename: path.slice(dir.length + 1),
    tags: ["sample"],
  }));
}
