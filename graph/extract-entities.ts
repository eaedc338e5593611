/**
 * Deterministic entity and relation extraction from one chunk (the embedded default; no model):
 * - catalogue rows ("Product VM-LT-1401: name: VoltBook 14; category: laptops; brand: Voltmart; ..."): the
 *   record is an entity named by its name field with its key as alias, related to the short categorical values
 *   of its other fields by the field's name (brand, category...), and to time spans of "_months"/"_days" fields;
 * - names already known to the tenant's graph (catalogue names, configured domain terms), matched by key;
 * - codes (VM-LT-1401, E-102, USB-C), time spans ("15 days", "2-year"), capitalised name phrases ("Voltmart
 *   Protect", "Reno, Nevada") and noun-phrase keyphrases (runs of content words, RAKE-like, the best few);
 * - typed relations between the mentions of each sentence (relation-patterns.ts).
 * Generic rules, not fitted to any question set.
 */
import { splitSentences } from "../core/text/sentences";
import { STOP_WORDS } from "../core/text/tokenize";
import { entityKey, isAbbreviation, keyWords } from "./entity-key";
import { relationBetween } from "./relation-patterns";

export interface Mention {
  name: string;
  type: string;
  start: number;
  end: number;
  /** Other names stated for it here (a record's key, "(RMA)" after a long name). */
  aliases?: string[];
}

export interface ExtractedRelation {
  source: string;
  target: string;
  type: string;
}

export interface ChunkExtraction {
  mentions: Mention[];
  relations: ExtractedRelation[];
}

/** Names the extractor recognises by key: the tenant's known entities and configured domain terms. */
export interface Gazetteer {
  /** key -> the name and type to report. */
  lookup(key: string): { name: string; type: string } | undefined;
  /** Longest name in words (how far to look ahead). */
  readonly maxWords: number;
  /** False when no known name starts with this word key (skips the look-ahead). */
  startsWith?(wordKey: string): boolean;
}

const NUMBER_WORDS = "one two three four five six seven eight nine ten eleven twelve fourteen fifteen thirty sixty ninety".split(" ");
const TIME_SPAN = new RegExp(`\\b(\\d+|${NUMBER_WORDS.join("|")})[- ](hour|day|week|month|year)s?\\b`, "gi");
const CODE = /\b(?:[A-Z]{1,6}\d*-[A-Z0-9]{1,8}(?:-[A-Z0-9]{1,8})*|[A-Z]{1,3}\d{2,5}|\d{3}-\d{2,4}[A-Z]?)\b/g;
/** A capitalised word, CamelCase (VoltBook) or an abbreviation, optionally followed by a number (VoltBook 14). */
const NAME_WORD = String.raw`(?:[A-Z][a-z]+[A-Z]?[a-z]*|[A-Z]{2,6}\d*)(?:\s\d{1,4}(?![\d.,%]))?`;
const NAME_PHRASE = new RegExp(String.raw`\b${NAME_WORD}(?:\s(?:of|and|&|for)?\s?${NAME_WORD}){0,4}\b`, "g");
const ROW = /^([A-Z][\w ]{0,40}?) ([^:\s]{1,60}): (.+)$/s;
const NAME_FIELDS = ["name", "title", "product name", "product", "plan", "item"];
const HEAD_TYPES: [RegExp, string][] = [
  [/\b(plan|protection|subscription|membership|program)$/i, "plan"],
  [/\b(policy|policies|terms|warranty|guarantee)$/i, "policy"],
  [/\b(inc|llc|ltd|corp|corporation|company|bank|services?)$/i, "organisation"],
];
const PLACE_CUE = /\b(?:in|to|from|at|ship(?:s|ping)? to)\s$/i;
/** Capitalised words that start sentences or frame a question, never a name on their own. */
const FUNCTION_CAPS = new Set(["If", "The", "This", "That", "These", "Those", "You", "Your", "We", "Our", "It", "Its", "For", "To", "In", "On", "At", "Please", "When", "What", "How", "Why", "Where", "Which", "Who", "Do", "Does", "Can", "Is", "Are", "Yes", "No", "Not", "All", "Any", "Each", "Every", "Some", "Most", "After", "Before", "With", "Without", "Note", "See", "Also", "Only", "Once", "Then", "Page", "Step", "And", "Or", "But", "A", "An", "I", "Section"]);

/** Leading words that head a verb or adverb phrase rather than a noun phrase (generic English suffixes). */
const VERBISH = /^(?:\w+(?:es|ed|ing|ly)|\w+[^s]s)$/;
const NOT_NOUN_END = new Set(["first", "last", "next", "more", "less", "even", "still", "well", "back", "away", "whichever", "whatever", "however", "available", "possible", "free", "able", "new", "comes", "come", "goes", "make", "take", "give", "keep", "want", "need", "like", "sure"]);

const typeOfName = (name: string): string => HEAD_TYPES.find(([re]) => re.test(name))?.[1] ?? "name";

export interface ExtractOptions {
  gazetteer?: Gazetteer;
  /** Keyphrases kept per chunk (default 4). */
  keyphrases?: number;
}

export function extractEntities(chunk: { text: string; sectionPath: string[] }, o: ExtractOptions = {}): ChunkExtraction {
  const text = chunk.text;
  const mentions: Mention[] = [];
  const relations: ExtractedRelation[] = [];
  // catalogue rows, one a line (a chunk of a table holds several)
  const rowLines: { record: string; start: number; end: number }[] = [];
  let offset = 0;
  for (const line of text.split("\n")) {
    const row = ROW.exec(line.trim());
    if (row && line.includes(";")) {
      const record = extractRow(row, mentions, relations);
      rowLines.push({ record, start: offset, end: offset + line.length });
    }
    offset += line.length + 1;
  }
  const row = rowLines.length > 0;
  const taken = (s: number, e: number) => mentions.some((m) => s < m.end && e > m.start);
  const add = (m: Mention) => {
    if (!entityKey(m.name) || taken(m.start, m.end)) return;
    mentions.push(m);
  };
  // 1. known names (longest first at each position), 2. codes and spans, 3. name phrases, 4. keyphrases
  if (o.gazetteer) for (const m of gazetteerMatches(text, o.gazetteer)) add(m);
  for (const m of text.matchAll(CODE)) add({ name: m[0], type: /^E-?\d/.test(m[0]) ? "error_code" : "code", start: m.index, end: m.index + m[0].length });
  for (const m of text.matchAll(TIME_SPAN)) add({ name: `${m[1]!.toLowerCase()} ${m[2]!.toLowerCase()}s`, type: "time_span", start: m.index, end: m.index + m[0].length });
  for (const m of text.matchAll(NAME_PHRASE)) {
    let name = m[0];
    let start = m.index;
    // drop a sentence-initial function word ("The Voltmart Protect plan" -> "Voltmart Protect")
    const first = name.split(" ")[0]!;
    if (FUNCTION_CAPS.has(first)) {
      name = name.slice(first.length).trim();
      start += m[0].length - name.length;
    }
    if (!name || FUNCTION_CAPS.has(name) || name.length < 3) continue;
    const single = !name.includes(" ");
    // sentence, line, list item or table cell start
    const atSentenceStart = start === 0 || /(^|[.!?:]\s+|\n\s*|[|#*>\-]\s*)$/.test(text.slice(Math.max(0, start - 3), start));
    // A single plain capitalised word opening a sentence is just capitalisation.
    if (single && atSentenceStart && /^[A-Z][a-z]+$/.test(name)) continue;
    const abbr = /\(([A-Z][A-Z0-9]{1,5})\)/.exec(text.slice(start + name.length, start + name.length + 10));
    const type = PLACE_CUE.test(text.slice(Math.max(0, start - 12), start)) && !/\d/.test(name) ? "place" : isAbbreviation(name) ? "term" : typeOfName(name);
    add({ name, type, start, end: start + name.length, aliases: abbr ? [abbr[1]!] : undefined });
  }
  if (!row) for (const m of keyphrases(text, o.keyphrases ?? 4)) add(m);
  // the deepest heading names the chunk's topic
  const heading = chunk.sectionPath.at(-1)?.replace(/^[\d.\s]+/, "").trim();
  mentions.sort((a, b) => a.start - b.start);
  if (row) {
    // a catalogue row: what its text names (features, codes) belongs to the record
    for (const m of mentions) {
      const line = m.end > 0 ? rowLines.find((l) => m.start >= l.start && m.end <= l.end) : undefined;
      if (line && entityKey(m.name) !== entityKey(line.record)) relations.push({ source: line.record, target: m.name, type: "has" });
    }
  } else for (const s of splitSentences(text)) relateSentence(text, s, mentions, relations);
  if (heading && heading.length <= 60 && entityKey(heading) && !row) {
    const topic = { name: heading, type: "topic", start: -1, end: -1 };
    for (const m of mentions.slice(0, 6)) if (entityKey(m.name) !== entityKey(heading)) relations.push({ source: heading, target: m.name, type: "topic_of" });
    mentions.unshift(topic);
  }
  return { mentions, relations };
}

/** One catalogue row: the record, its categorical values and spans; returns the record's name. */
function extractRow(row: RegExpExecArray, mentions: Mention[], relations: ExtractedRelation[]): string {
  const [, entity, key, body] = row;
  const fields = body!.split(/;\s+/).map((p) => {
    const i = p.indexOf(": ");
    return i > 0 ? { field: p.slice(0, i).trim().toLowerCase(), value: p.slice(i + 2).trim().replace(/\.$/, "") } : undefined;
  });
  const named = fields.find((f) => f && NAME_FIELDS.includes(f.field));
  const recordName = named?.value ?? key!;
  const type = entity!.trim().toLowerCase();
  mentions.push({ name: recordName, type, start: 0, end: 0, aliases: named ? [key!] : undefined });
  for (const f of fields) {
    if (!f || f === named) continue;
    const span = /^(\d+)$/.exec(f.value);
    const unit = /(month|day|year|week)s?\b/.exec(f.field);
    if (span && unit && Number(span[1]) > 0) {
      const name = `${span[1]} ${unit[1]}s`;
      mentions.push({ name, type: "time_span", start: 0, end: 0 });
      relations.push({ source: recordName, target: name, type: f.field.replace(/\s+/g, "_") });
      continue;
    }
    // short categorical values (a brand, a category), not prices, counts or descriptions
    const words = f.value.split(/\s+/);
    if (words.length <= 4 && f.value.length <= 40 && /\p{L}{2}/u.test(f.value) && !/^[\d.,$%\s-]+$/.test(f.value)) {
      mentions.push({ name: f.value, type: f.field.replace(/\s+/g, "_"), start: 0, end: 0 });
      relations.push({ source: recordName, target: f.value, type: f.field.replace(/\s+/g, "_") });
    }
  }
  return recordName;
}

/** Known names in the text: at each word, the longest run of words whose key the gazetteer knows. */
export function gazetteerMatches(text: string, g: Gazetteer): Mention[] {
  const words = [...text.matchAll(/[\p{L}\p{N}][\p{L}\p{N}.+#'’-]*/gu)];
  // each word's key once; a run's key is its words' keys joined (as entityKey joins them)
  const keys = words.map((w) => keyWords(w[0]).join("-"));
  const out: Mention[] = [];
  for (let i = 0; i < words.length; i++) {
    // a name does not start with a function word ("the VoltBook 14 Pro" is matched from "VoltBook")
    if (!keys[i] || STOP_WORDS.has(words[i]![0].toLowerCase()) || (g.startsWith && !g.startsWith(keys[i]!))) continue;
    let key = "";
    let best: { n: number; hit: { name: string; type: string } } | undefined;
    for (let n = 1; n <= Math.min(g.maxWords, words.length - i); n++) {
      const k = keys[i + n - 1]!;
      if (!k) break;
      key = n === 1 ? k : `${key}-${k}`;
      const hit = g.lookup(key);
      if (hit) best = { n, hit };
    }
    if (best) {
      const last = words[i + best.n - 1]!;
      out.push({ name: best.hit.name, type: best.hit.type, start: words[i]!.index, end: last.index + last[0].length });
      i += best.n - 1;
    }
  }
  return out;
}

/** Noun-phrase keyphrases: runs of 2-3 content words between stop words and punctuation, best RAKE scores first. */
function keyphrases(text: string, max: number): Mention[] {
  type Word = { w: string; s: number; e: number };
  const runs: Word[][] = [];
  let run: Word[] = [];
  const flush = () => {
    if (run.length >= 2) runs.push(run);
    run = [];
  };
  for (const m of text.matchAll(/[\p{L}][\p{L}'-]*|[^\s\p{L}]+/gu)) {
    const w = m[0];
    const lower = w.toLowerCase();
    if (!/^\p{L}/u.test(w) || STOP_WORDS.has(lower) || lower.length < 3 || /\d/.test(w) || /^[A-Z]/.test(w)) flush();
    else run.push({ w: lower, s: m.index, e: m.index + w.length });
    // a space only separates words of one run; anything else between them ends it
    const next = text[m.index + w.length];
    if (next !== undefined && next !== " ") flush();
  }
  flush();
  const cands: { words: string[]; start: number; end: number }[] = [];
  for (const r of runs) {
    // verbs and adverbs at the edges are not part of the noun phrase ("covers accidental damage")
    while (r.length > 1 && VERBISH.test(r[0]!.w)) r.shift();
    while (r.length > 1 && (NOT_NOUN_END.has(r.at(-1)!.w) || /(?:ly|ed)$/.test(r.at(-1)!.w))) r.pop();
    if (r.length >= 2 && r.length <= 3 && !r.some((x) => NOT_NOUN_END.has(x.w))) cands.push({ words: r.map((x) => x.w), start: r[0]!.s, end: r.at(-1)!.e });
  }
  const freq = new Map<string, number>();
  const degree = new Map<string, number>();
  for (const c of cands) for (const w of c.words) {
    freq.set(w, (freq.get(w) ?? 0) + 1);
    degree.set(w, (degree.get(w) ?? 0) + c.words.length);
  }
  const seen = new Set<string>();
  return cands
    .map((c) => ({ c, score: c.words.reduce((s, w) => s + degree.get(w)! / freq.get(w)!, 0) }))
    .sort((a, b) => b.score - a.score || a.c.start - b.c.start)
    .filter(({ c }) => !seen.has(c.words.join(" ")) && seen.add(c.words.join(" ")))
    .slice(0, max)
    .map(({ c }) => ({ name: c.words.join(" "), type: "concept", start: c.start, end: c.end }));
}

/**
 * Relations between the mentions of one sentence, typed by the words between each pair: a typed pattern relates
 * any two of its first 8 mentions; a plain co-occurrence (related_to) only neighbours (the next two mentions),
 * so a long sentence does not become a clique.
 */
function relateSentence(text: string, s: { start: number; end: number }, mentions: Mention[], out: ExtractedRelation[]): void {
  const inside = mentions.filter((m) => m.start >= s.start && m.end <= s.end && m.end > m.start).slice(0, 8);
  for (let i = 0; i < inside.length; i++) {
    for (let j = i + 1; j < inside.length; j++) {
      const a = inside[i]!;
      const b = inside[j]!;
      if (entityKey(a.name) === entityKey(b.name)) continue;
      const type = relationBetween(text.slice(a.end, b.start), b.type);
      if (type === "related_to" && j > i + 2) continue;
      out.push({ source: a.name, target: b.name, type });
    }
  }
}
