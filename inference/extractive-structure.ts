/**
 * Structure inside a passage that the sentence splitter would break: structured records (CSV rows, one a line,
 * "Product VM-TV-5201: name: Lumis 55-inch TV; price usd: 599.99; stock: 48."), table rows (markdown pipes, or
 * the " | " lines PDF extraction gives), and lists (bulleted or numbered items with the sentence or heading that
 * introduces them). Found on the passage's lines; extractive-sentences.ts turns them into candidates and blanks
 * their lines before splitting the rest into sentences.
 *
 * Records are rendered for a question (renderRecord): generic over the columns, with roles read from the column
 * names only (name/title, price/cost, total/amount, stock/inventory, status/state): nothing here knows a sample
 * file's headers.
 */
import { splitSentences } from "../core/text";

export interface RecordField {
  name: string;
  value: string;
}

/** One structured record: what ingest/loaders/csv.ts renders a row as. */
export interface RecordRow {
  /** "Product", "Order". */
  entity: string;
  /** The id-like column's value ("VM-TV-5201"), when the row has one. */
  key?: string;
  fields: RecordField[];
}

export interface TableRow {
  /** The row as a sentence: "Laptops — return window: 15 days; notes: Includes all VoltBook models." */
  text: string;
  /** The table's header cells (empty when the table has no header). */
  headers: string[];
  /** The line that introduces the table ("How long it takes depends on how you paid:"), when there is one. */
  lead?: string;
  line: number;
}

export interface ListBlock {
  /** The sentence or heading that introduces the list. */
  lead: string;
  /** True when the lead is quoted in the answer (a sentence of the passage); a heading lead only helps matching. */
  showLead: boolean;
  /** Items in order, markers removed, continuation lines joined. */
  items: string[];
  /** "3." for a numbered item (its number as written), "-" for a bullet. */
  markers: string[];
  /** Line of the lead when it is quoted, else of the first item. */
  line: number;
}

export interface PassageStructure {
  /** The passage's lines with record, table and skipped lines blanked (lists are left for the sentence splitter). */
  lines: string[];
  records: { row: RecordRow; line: number }[];
  rows: TableRow[];
  lists: ListBlock[];
}

/** Most items a list keeps (a longer list is cut after this many). */
export const MAX_LIST_ITEMS = 8;

export const BULLET = /^\s*(?:[-*•+]|\d+[.)])\s+/;
const NUMBERED = /^\s*(\d+)[.)]\s+/;
const FIELD = /^([^:;]{1,40}): ([\s\S]*)$/;
const FIELD_START = /; (?=[^:;]{1,40}: )/;
const RECORD_HEAD = /^(\p{Lu}[^:;]{0,60}?): (.+)$/u;

/** A record line ("Entity KEY: column: value; column: value"), or null. At least two column: value pairs. */
export function parseRecordLine(line: string): RecordRow | null {
  const m = RECORD_HEAD.exec(line.trim());
  if (!m) return null;
  const parts = m[2]!.replace(/\.\s*$/, "").split(FIELD_START);
  if (parts.length < 2) return null;
  const fields: RecordField[] = [];
  for (const part of parts) {
    const f = FIELD.exec(part);
    if (!f) return null;
    fields.push({ name: f[1]!.trim(), value: f[2]!.trim() });
  }
  const head = m[1]!.trim().split(/\s+/);
  const last = head[head.length - 1]!;
  const keyed = head.length >= 2 && /[\d_-]/.test(last);
  return { entity: keyed ? head.slice(0, -1).join(" ") : head.join(" "), ...(keyed ? { key: last } : {}), fields };
}

const PIPE_ROW = /^\s*\|.*\|\s*$| \| /;
const SEPARATOR = /^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$/;

function cells(line: string): string[] {
  return line.trim().replace(/^\|/, "").replace(/\|$/, "").split("|").map((c) => c.trim());
}

const lowerFirst = (s: string) => (/^\p{Lu}\p{Ll}/u.test(s) ? s.charAt(0).toLowerCase() + s.slice(1) : s);
const close = (s: string) => (/[.!?]["')\]]*$/.test(s) ? s : `${s}.`);
const stripMarkup = (s: string) => s.replace(/\*\*|__|`/g, "").replace(/\[([^\]]+)\]\([^)\s]+\)/g, "$1").trim();

/**
 * A table row as one sentence: two cells "A: B."; more, with a header, "A — h2: v2; h3: v3." (empty cells left
 * out); without a header "A: v2; v3.".
 */
export function renderTableRow(headers: readonly string[], row: readonly string[]): string {
  const cs = row.map(stripMarkup);
  const [first, ...rest] = cs;
  if (rest.length === 1) return close(`${first}: ${rest[0]}`);
  const named = headers.length === cs.length;
  const parts = rest.map((v, i) => (v ? (named && headers[i + 1] ? `${lowerFirst(stripMarkup(headers[i + 1]!))}: ${v}` : v) : "")).filter(Boolean);
  return close(named ? `${first} — ${parts.join("; ")}` : `${first}: ${parts.join("; ")}`);
}

const isNumber = (s: string) => /^\d+(?:[.,]\d+)?$/.test(s);

/** Heading-like line (markdown hashes, or a short capitalised line without final punctuation). */
function looksLikeHeading(line: string): boolean {
  const t = line.trim();
  if (/^#{1,6}\s/.test(t)) return true;
  if (/[.!?:;,]["')\]]*$/.test(t) || BULLET.test(t)) return false;
  const words = t.split(/\s+/);
  return words.length <= 8 && /^[\p{Lu}\d]/u.test(t);
}

/** "7.1 The laptop won't turn on" -> "The laptop won't turn on". */
const headingText = (h: string) => h.replace(/^#{1,6}\s+/, "").replace(/^\d+(?:\.\d+)*\.?\s+/, "").trim();

export function findStructure(text: string, heading = ""): PassageStructure {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const out = [...lines];
  const records: PassageStructure["records"] = [];
  const rows: TableRow[] = [];
  const lists: ListBlock[] = [];

  // Records: one a line. Lines before the first record are the tail of a record cut at the chunk's start.
  lines.forEach((line, i) => {
    const row = parseRecordLine(line);
    if (row) {
      records.push({ row, line: i });
      out[i] = "";
    }
  });
  if (records.length) for (let i = 0; i < records[0]!.line; i++) out[i] = "";

  // Tables: a run of pipe rows; the header is the row before a |---| separator, or (no separator) the first row
  // of a run of at least three whose cells are not bare numbers (a table of contents has page numbers).
  for (let i = 0; i < lines.length; ) {
    if (out[i] === "" || !PIPE_ROW.test(lines[i]!)) {
      i++;
      continue;
    }
    let j = i;
    const run: number[] = [];
    while (j < lines.length && (PIPE_ROW.test(lines[j]!) || SEPARATOR.test(lines[j]!) || (lines[j]!.trim() === "" && j + 1 < lines.length && PIPE_ROW.test(lines[j + 1]!)))) {
      if (lines[j]!.trim() !== "") run.push(j);
      j++;
    }
    const sep = run.findIndex((k) => SEPARATOR.test(lines[k]!));
    let headers: string[] = [];
    let body: number[] = [];
    if (sep === 1) {
      headers = cells(lines[run[0]!]!);
      body = run.slice(2);
    } else if (sep < 0 && run.length >= 3 && !cells(lines[run[0]!]!).some(isNumber)) {
      headers = cells(lines[run[0]!]!);
      body = run.slice(1);
    }
    if (body.length) {
      for (const k of run) out[k] = "";
      let p = i - 1;
      while (p >= 0 && lines[p]!.trim() === "") p--;
      const lead = p >= 0 && /:\s*$/.test(lines[p]!) ? stripMarkup(lines[p]!.replace(/^#{1,6}\s+/, "")) : undefined;
      for (const k of body) {
        const cs = cells(lines[k]!);
        if (cs.filter(Boolean).length < 2 || SEPARATOR.test(lines[k]!)) continue;
        rows.push({ text: renderTableRow(headers, cs), headers, ...(lead ? { lead } : {}), line: k });
      }
    }
    i = j;
  }

  // Lists: bulleted or numbered items (a non-bullet line between two items continues the item before it).
  for (let i = 0; i < out.length; i++) {
    if (!BULLET.test(out[i]!) || out[i]!.includes("|")) continue;
    const items: string[] = [];
    const markers: string[] = [];
    const itemLines: number[] = [];
    let cur = "";
    let j = i;
    const startItem = (k: number) => {
      if (cur) items.push(cur);
      cur = stripMarkup(out[k]!.replace(BULLET, ""));
      markers.push(NUMBERED.exec(out[k]!)?.[1] ? `${NUMBERED.exec(out[k]!)![1]}.` : "-");
      itemLines.push(k);
    };
    startItem(i);
    j = i + 1;
    while (j < out.length) {
      if (out[j]!.trim() === "") {
        j++;
        continue;
      }
      if (BULLET.test(out[j]!) && !out[j]!.includes("|")) {
        startItem(j);
        j++;
        continue;
      }
      // Non-bullet lines: a continuation when another item follows them, else the list is over.
      let k = j;
      const para: string[] = [];
      while (k < out.length && out[k]!.trim() !== "" && !BULLET.test(out[k]!)) para.push(out[k++]!.trim());
      let n = k;
      while (n < out.length && out[n]!.trim() === "") n++;
      if (n < out.length && BULLET.test(out[n]!) && !out[n]!.includes("|")) {
        cur = `${cur} ${stripMarkup(para.join(" "))}`;
        j = k;
        continue;
      }
      break;
    }
    if (cur) items.push(cur);
    const last = itemLines[itemLines.length - 1]!;
    if (items.length >= 2) {
      let p = i - 1;
      while (p >= 0 && out[p]!.trim() === "") p--;
      const prev = p >= 0 ? out[p]! : undefined;
      let block: ListBlock | null = null;
      const keep = { items: items.slice(0, MAX_LIST_ITEMS), markers: markers.slice(0, MAX_LIST_ITEMS) };
      // Short items after a "Lead:" line are folded into one sentence by the splitter (prepareText) instead.
      const folded = prev !== undefined && /:\s*$/.test(prev) && items.every((it) => it.split(/\s+/).length <= 12 && !/[.!?]\s/.test(it));
      if (folded) block = null;
      else if (prev === undefined) {
        if (heading) block = { lead: headingText(heading), showLead: false, ...keep, line: i };
      } else if (/:\s*$/.test(prev)) {
        block = { lead: stripMarkup(prev.replace(BULLET, "").replace(/^#{1,6}\s+/, "").trim()), showLead: true, ...keep, line: p };
      } else if (looksLikeHeading(prev)) {
        block = { lead: headingText(prev), showLead: false, ...keep, line: i };
      } else {
        let a = p;
        while (a > 0 && out[a - 1]!.trim() !== "") a--;
        const sentences = splitSentences(out.slice(a, p + 1).join(" "));
        const lead = sentences[sentences.length - 1]?.text.trim();
        if (lead) block = { lead: stripMarkup(lead), showLead: true, ...keep, line: p };
      }
      if (block) lists.push(block);
    }
    i = Math.max(i, last);
  }
  return { lines: out, records, rows, lists };
}

// ---------------------------------------------------------------------------------------------------------
// Rendering a record for a question.

export type FieldRole = "name" | "price" | "total" | "stock" | "status";

/** The role of a column, from its name only. */
export function fieldRole(name: string): FieldRole | null {
  const n = name.toLowerCase().replace(/[_\s]+/g, " ").trim();
  if (/^(?:\w+ )?(?:name|title)$/.test(n) && !/\b(?:customer|user|contact|first|last|file|user)\b/.test(n)) return "name";
  if (/\b(?:price|cost|msrp)\b/.test(n)) return "price";
  if (/\b(?:total|amount)\b/.test(n)) return "total";
  if (/\b(?:stock|inventory|on hand|available)\b/.test(n)) return "stock";
  if (/^(?:\w+ )?(?:status|state)$/.test(n)) return "status";
  return null;
}

const CURRENCY: Record<string, string> = { usd: "$", dollars: "$", eur: "€", euro: "€", euros: "€", gbp: "£" };
/** Unit words a column name may end with: "weight kg" 1.35 -> "weight 1.35 kg". */
const UNIT = /^(?:days?|weeks?|months?|years?|hours?|minutes?|seconds?|kg|g|lbs?|oz|cm|mm|m|km|in|inches|ft|gb|tb|mb|w|wh|mah|v|hz|percent|pct|%)$/i;

/** The column name without its unit, and the value with it: ("warranty months", "24") -> "warranty 24 months". */
export function fieldPhrase(f: RecordField): string {
  const words = f.name.trim().split(/\s+/);
  const unit = words.length > 1 ? words[words.length - 1]! : "";
  const base = unit ? words.slice(0, -1).join(" ") : f.name.trim();
  const cur = CURRENCY[unit.toLowerCase()];
  if (cur && isNumber(f.value)) return `${base} ${cur}${f.value}`;
  if (unit && UNIT.test(unit) && isNumber(f.value)) return `${base} ${f.value} ${unit}`;
  return `${f.name.trim()} ${f.value}`;
}

function money(f: RecordField): string {
  const words = f.name.trim().split(/\s+/);
  const cur = CURRENCY[words[words.length - 1]!.toLowerCase()];
  return cur && isNumber(f.value) ? `${cur}${f.value}` : f.value;
}

export interface RecordQuestion {
  /** Does a field say something the question asks (its name or value covers a question term not covered yet)? */
  asks: (field: RecordField) => boolean;
  /** True when the question names this record by an identifier (its key, or an id-like value such as an email). */
  identifies: boolean;
}

/** Free text longer than this many words counts as a description: shown only when the question asks about it. */
const SHORT_VALUE_WORDS = 8;

/**
 * A record as one sentence: "The Lumis 55-inch TV (VM-TV-5102) costs $599.99; 48 in stock." The subject is the
 * name column with the key, else "Entity KEY"; then the role columns (status, price, stock, total); then the
 * other columns the question asks about, or, when the question identifies the record (its key or an id-like
 * value), every other short column.
 */
export function renderRecord(row: RecordRow, q: RecordQuestion): string {
  const name = row.fields.find((f) => fieldRole(f.name) === "name" && f.value);
  const subject = name ? `The ${name.value}${row.key ? ` (${row.key})` : ""}` : `${row.entity}${row.key ? ` ${row.key}` : ""}`;
  const clauses: string[] = [];
  const used = new Set<RecordField>(name ? [name] : []);
  for (const f of row.fields) {
    if (!f.value || used.has(f)) continue;
    const role = fieldRole(f.name);
    if (role === "status") clauses.push(`is ${f.value}`);
    else if (role === "price") clauses.push(`costs ${money(f)}`);
    else if (role === "stock") clauses.push(isNumber(f.value) && Number(f.value.replace(/,/g, "")) === 0 ? "is out of stock" : isNumber(f.value) ? `${f.value} in stock` : `stock ${f.value}`);
    else if (role === "total") clauses.push(`${f.name.split(/\s+/)[0]!.toLowerCase()} ${money(f)}`);
    else continue;
    used.add(f);
  }
  const extra: string[] = [];
  for (const f of row.fields) {
    if (!f.value || used.has(f)) continue;
    const short = f.value.split(/\s+/).length <= SHORT_VALUE_WORDS;
    if (q.asks(f) || (q.identifies && short)) extra.push(fieldPhrase(f));
  }
  const [head, ...tail] = [...clauses, ...extra];
  if (!head) return close(subject);
  const joined = /^(?:is|costs) /.test(head) ? `${subject} ${head}` : `${subject}: ${head}`;
  return close([joined, ...tail].join("; ").replace(/[.]\s*;/g, ";"));
}
