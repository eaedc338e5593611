/** Renders an IndexFilter as a LanceDB (DataFusion SQL) predicate. Values are quoted, never interpolated raw. */
import type { IndexFilter } from "../ports/filters";

export const quote = (v: string) => `'${v.replace(/'/g, "''")}'`;

const inList = (column: string, values: string[]) => `${column} IN (${values.map(quote).join(", ")})`;

/** Tags are stored as "|a|b|" so a tag test is a LIKE on the delimited form. */
export const encodeTags = (tags: string[]) => (tags.length ? `|${tags.join("|")}|` : "");
export const decodeTags = (encoded: string) => (encoded ? encoded.slice(1, -1).split("|") : []);

const likeEscape = (v: string) => v.replace(/[\\%_]/g, (c) => `\\${c}`);

export function filterToSql(f: IndexFilter): string {
  const parts = [`tenant_id = ${quote(f.tenantId)}`];
  if (f.docTypes?.length) parts.push(inList("doc_type", f.docTypes));
  if (f.sources?.length) parts.push(inList("source", f.sources));
  if (f.documentIds?.length) parts.push(inList("document_id", f.documentIds));
  for (const tag of f.tags ?? []) parts.push(`tags LIKE ${quote(`%|${likeEscape(tag)}|%`)}`);
  return parts.join(" AND ");
}

/** Same filter as a predicate for in-memory indexes. */
export function matchesFilter(
  row: { tenantId: string; docType: string; source: string; documentId: string; tags: string[] },
  f: IndexFilter,
): boolean {
  if (row.tenantId !== f.tenantId) return false;
  if (f.docTypes?.length && !f.docTypes.includes(row.docType)) return false;
  if (f.sources?.length && !f.sources.includes(row.source)) return false;
  if (f.documentIds?.length && !f.documentIds.includes(row.documentId)) return false;
  if (f.tags?.length && !f.tags.every((t) => row.tags.includes(t))) return false;
  return true;
}
