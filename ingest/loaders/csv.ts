/**
 * CSV loader (csv-parse): header row required; BOM, quoted fields and a sniffed delimiter (, ; tab). Every row
 * becomes a LoadedRecord (collection = file base name, key = id-like column) and a one-line text section such as
 * "Order ORD-1001: status: shipped; customer: Ann Lee; carrier: DHL." under headingPath [collection]; the chunker
 * packs consecutive rows into chunks. The "column: value" pairs let the extractive generator read the row back
 * (inference/extractive-structure.ts) and say it as a sentence; the indexed words are the same as without the
 * colons.
 *
 * A table with personal columns (personal-columns.ts: email, phone, address, names of people, ...) is personal:
 * its rows become records only, with no section at all, so no chunk of it reaches any shared index (vector,
 * keyword, heading) or the document's stored text; they are read back only by a verified lookup. Its metadata
 * names the personal columns and the shape of its keys (key-pattern.ts), by which the answer pipeline
 * recognises an order number in a message.
 */
import { parse, type CsvError } from "csv-parse/sync";
import { errors } from "../../core/errors";
import type { LoadedDocument, LoadedRecord, LoadedSection } from "../types";
import { keyPattern } from "./key-pattern";
import { personalColumns } from "./personal-columns";
import { sectionList, type TextLimit } from "./text-limit";

const KEY_NAME = /^(id|sku|order_?id|order_?(number|no|num)|.+_id|id_.+)$/;

/** Picks the delimiter that occurs most often in the header line (quoted parts ignored). */
export function sniffDelimiter(source: string, preferTab = false): string {
  const header = (source.replace(/^\uFEFF/, "").split(/\r?\n/).find((l) => l.trim()) ?? "").replace(/"[^"]*"/g, "");
  const counts: Array<[string, number]> = [",", ";", "\t", "|"].map((d) => [d, header.split(d).length - 1]);
  counts.sort((a, b) => b[1] - a[1]);
  if (preferTab && header.includes("\t")) return "\t";
  return counts[0]![1] > 0 ? counts[0]![0] : ",";
}

const normName = (h: string) => h.toLowerCase().trim().replace(/[^a-z0-9]+/g, "_").replace(/^_|_$/g, "");

function uniqueHeaders(raw: string[]): string[] {
  const seen = new Map<string, number>();
  return raw.map((h, i) => {
    const base = h.trim() || `column_${i + 1}`;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base}_${n}`;
  });
}

/** "orders" -> "Order", "order_items" -> "Order item", "categories" -> "Category". */
export function entityName(collection: string): string {
  const words = collection.replace(/[_\-\s]+/g, " ").trim();
  const singular = words.replace(/ies$/i, "y").replace(/(ss|us)$/i, "$1").replace(/(?<=[^s])s$/i, "");
  return singular.charAt(0).toUpperCase() + singular.slice(1);
}

const humanize = (h: string) => h.replace(/[_\s]+/g, " ").trim().toLowerCase();

export function renderRow(entity: string, headers: string[], row: string[], keyIndex: number): string {
  const key = row[keyIndex]?.trim();
  const parts: string[] = [];
  headers.forEach((h, i) => {
    const v = row[i]?.replace(/\s+/g, " ").trim();
    if (i !== keyIndex && v) parts.push(`${humanize(h)}: ${v}`);
  });
  const text = `${entity}${key ? ` ${key}` : ""}: ${parts.join("; ") || `${humanize(headers[keyIndex]!)}: ${key ?? ""}`.trim()}`;
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

interface Parsed {
  record: string[];
  info: { lines: number };
}

function parseRows(source: string, delimiter: string): Parsed[] {
  let lastLine = 0;
  try {
    return parse(source, {
      bom: true,
      delimiter,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      on_record: (record, context) => {
        lastLine = context.lines;
        return record;
      },
    }) as unknown as Parsed[];
  } catch (e) {
    const err = e as CsvError & { lines?: number };
    const line = err.code === "CSV_QUOTE_NOT_CLOSED" ? lastLine + 1 : err.lines ?? lastLine + 1;
    const reason = err.code === "CSV_QUOTE_NOT_CLOSED" ? "a quoted field is never closed" : err.message.replace(/^[^:]+:\s*/, "");
    throw errors.invalid("CSV_MALFORMED", `malformed CSV at line ${line}: ${reason}`, { line, reason: err.code });
  }
}

export function loadCsv(source: string, filename?: string, opts: { tsv?: boolean } & Partial<TextLimit> = {}): LoadedDocument {
  const collection = (filename ?? "records").toLowerCase().trim().replace(/\s+/g, "_");
  const delimiter = sniffDelimiter(source, opts.tsv);
  const rows = parseRows(source, delimiter);
  if (rows.length === 0) throw errors.invalid("EMPTY_DOCUMENT", "the CSV is empty");
  if (rows.length === 1) throw errors.invalid("EMPTY_DOCUMENT", "the CSV has a header row but no data rows");

  const headers = uniqueHeaders(rows[0]!.record);
  const keyIndex = Math.max(0, headers.findIndex((h) => KEY_NAME.test(normName(h))));
  const entity = entityName(collection);
  const personal = personalColumns(headers, rows.slice(1).map((r) => r.record));
  const records: LoadedRecord[] = [];
  const sections = sectionList(opts.maxChars === undefined ? undefined : { maxChars: opts.maxChars });

  for (const { record, info } of rows.slice(1)) {
    if (record.length > headers.length && record.slice(headers.length).some((v) => v.trim())) {
      throw errors.invalid(
        "CSV_MALFORMED",
        `malformed CSV at line ${info.lines}: the row has ${record.length} fields but the header has ${headers.length}`,
        { line: info.lines },
      );
    }
    if (record.every((v) => !v.trim())) continue;
    const data: Record<string, string> = {};
    headers.forEach((h, i) => (data[h] = record[i]?.trim() ?? ""));
    const key = data[headers[keyIndex]!] || undefined;
    records.push(key ? { collection, key, data } : { collection, data });
    if (!personal.length) sections.push({ text: renderRow(entity, headers, record, keyIndex), headingPath: [collection] });
  }
  if (records.length === 0) throw errors.invalid("EMPTY_DOCUMENT", "the CSV has no non-empty data rows");

  return {
    title: filename ?? collection,
    mimeType: "text/csv",
    format: "csv",
    sections,
    records,
    metadata: {
      collection,
      columns: headers,
      keyColumn: headers[keyIndex],
      rowCount: records.length,
      delimiter,
      // personal: false says the table was checked (api/startup.ts re-checks tables ingested before the flag).
      ...(personal.length ? { personal: true, personalColumns: personal, ...personalKey(records) } : { personal: false }),
    },
  };
}

function personalKey(records: LoadedRecord[]): { keyPattern?: string } {
  const pattern = keyPattern(records.flatMap((r) => (r.key ? [r.key] : [])));
  return pattern ? { keyPattern: pattern } : {};
}
