/**
 * Candidate sentences for the extractive generator: split passages into sentences, strip markdown markup and
 * drop everything that would read badly on its own (headings, table rows, bare bullets, chunk-boundary
 * fragments, lead-ins, FAQ questions, verbless phrases). Also the light stemmer shared by the scorer.
 */
import { foldForMatch, splitSentences, STOP_WORDS, tokenize } from "../core/text";
import { BULLET, findStructure, type ListBlock, type RecordRow } from "./extractive-structure";

export interface Candidate {
  /** 0-based index of the passage in the array given to the generator. */
  passageIndex: number;
  /** 0-based ordinal of the sentence among the passage's kept sentences. */
  position: number;
  /** Cleaned display text (markup removed, whitespace collapsed). */
  text: string;
  /** Lower-cased alphanumeric form, equal for the same sentence repeated in overlapping chunks. */
  key: string;
  /** Distinct stemmed content tokens. */
  terms: string[];
  /** Stemmed content tokens of the passage's title and section path (the sentence's context). */
  contextTerms: string[];
  /**
   * Absent for a prose sentence. "row": a table row rendered as a sentence; "record": a structured record (CSV
   * row), rendered for the question when chosen; "list": a list with the sentence or heading that introduces it.
   */
  kind?: "row" | "record" | "list";
  record?: RecordRow;
  list?: ListBlock;
  /** For a list: the keys of the sentences it contains (its lead and items), which it replaces when chosen. */
  members?: string[];
}

const STEM_CACHE = new Map<string, string>();
const STEM_CACHE_MAX = 50_000;

/** Light suffix stripping (plural, -ing, -ed, final e) so "returned", "returns" and "returning" meet. */
export function stem(word: string): string {
  const hit = STEM_CACHE.get(word);
  if (hit !== undefined) return hit;
  const out = stemUncached(word);
  if (STEM_CACHE.size >= STEM_CACHE_MAX) STEM_CACHE.clear();
  STEM_CACHE.set(word, out);
  return out;
}

function stemUncached(word: string): string {
  let w = word.toLowerCase();
  if (w.length <= 3 || /\d/.test(w)) return w;
  if (w.endsWith("ies") && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith("sses")) w = w.slice(0, -2);
  else if (w.endsWith("s") && !/(ss|us|is)$/.test(w)) w = w.slice(0, -1);
  if (w.endsWith("ied") && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith("ing") && w.length - 3 >= 3) w = undouble(w.slice(0, -3));
  else if (w.endsWith("ed") && w.length - 2 >= 3) w = undouble(w.slice(0, -2));
  if (w.endsWith("e") && w.length > 3) w = w.slice(0, -1);
  return w;
}

function undouble(w: string): string {
  const n = w.length;
  return n >= 3 && w[n - 1] === w[n - 2] && !/[aeioulsz]/.test(w[n - 1]!) ? w.slice(0, -1) : w;
}

const SURFACE = new Map<string, string>();

/** A word that has this stem (the first one seen), for looking the term up in a word-vector table. */
export function surfaceOf(term: string): string {
  return SURFACE.get(term) ?? term;
}

/**
 * The parts of a two-part hyphenated token ("75-inch" -> "75", "inch"; "e-mail" -> "mail"), so a text that writes
 * the compound and one that spaces it meet. Parts shorter than two characters and stop words are left out;
 * codes of three or more parts ("VM-TV-5201") stay whole.
 */
export function compoundParts(token: string): string[] {
  const parts = token.split("-");
  if (parts.length !== 2) return [];
  return parts.filter((x) => x.length >= 2 && !STOP_WORDS.has(x));
}

/** Distinct stemmed content tokens of a text (or of its tokens, when already tokenized), with compound parts. */
export function stemmedTerms(text: string, tokens?: readonly string[]): string[] {
  const out = new Set<string>();
  const add = (t: string) => {
    const s = stem(t);
    out.add(s);
    if (!SURFACE.has(s)) {
      if (SURFACE.size >= STEM_CACHE_MAX) SURFACE.clear();
      SURFACE.set(s, t);
    }
  };
  for (const t of Array.isArray(tokens) ? tokens : tokenize(text)) {
    if (STOP_WORDS.has(t)) continue;
    add(t);
    for (const part of compoundParts(t)) add(part);
  }
  return [...out];
}

const AUXILIARIES = new Set(
  ("is are was were be been being am can could may might must shall should will would do does did has have had " +
    "cannot can't don't doesn't didn't isn't aren't wasn't weren't won't wouldn't shouldn't hasn't haven't hadn't")
    .split(" "),
);

const VERBS = new Set(
  ("accept allow apply arrive ask begin bring buy call cancel change charge check choose claim contact contain cost cover create " +
    "deliver depend determine email enter exchange exclude expire extend fail file find follow get give go help hold include inspect " +
    "issue keep last leave let log make mean need notify offer open order pay place print process provide purchase qualify receive " +
    "recommend refund register reject remain repair replace report request require reserve respond return review run sell send ship " +
    "show sign start stop submit take track transfer update use void wait want waive work write")
    .split(" ")
    .map(stem),
);

/** True when the words contain something that can act as a verb (auxiliary, common verb, -ed word past the first). */
export function hasVerb(words: readonly string[]): boolean {
  return words.some((w, i) => {
    if (AUXILIARIES.has(w)) return true;
    if (w.endsWith("ed")) return i > 0 && w.length >= 5; // a leading "Opened software" is an adjective
    return VERBS.has(stem(w));
  });
}

const DANGLING_START = new Set("and or but nor so yet which because whereas although though plus also otherwise then".split(" "));
const TABLE_LINE = /^\s*\|.*\|\s*$|^\s*[-=_|:+\s]{3,}$|\t.*\t/;

/** Removes markdown emphasis, links, code ticks, quotes markers, heading hashes and bullet markers. */
export function cleanMarkup(sentence: string): string {
  return sentence
    .replace(/\[([^\]]+)\]\((?:[^)\s]+)\)/g, "$1")
    .replace(/\*\*|__|`/g, "")
    .replace(/(^|\s)[*_](\S[^*_]*\S|\S)[*_](?=[\s.,;:!?]|$)/g, "$1$2")
    .replace(/^\s*>\s*/, "")
    .replace(/^\s*#{1,6}\s+/, "")
    .replace(BULLET, "")
    .replace(/\s+/g, " ")
    .trim();
}

/** A line that titles a section rather than saying something: "## Returns", "Standard returns", "EXCLUSIONS". */
function isHeadingLine(line: string, nextLine: string | undefined): boolean {
  const t = line.trim();
  if (!t) return false;
  if (/^#{1,6}\s/.test(t)) return true;
  if (BULLET.test(t) || /[.!?]["')\]]*$/.test(t)) return false;
  if (t.endsWith(":")) return true;
  const words = t.replace(/\*\*|__/g, "").split(/\s+/);
  if (words.length > 8 || tokenize(t).some((w) => AUXILIARIES.has(w))) return false;
  if (nextLine !== undefined && /^\s*[a-z0-9(]/.test(nextLine)) return false; // a wrapped prose line
  if (/[,;]$|\b(and|or|the|of|to|a|an|within|for|with|in|on|by)$/i.test(t)) return false;
  const capitalised = words.filter((w) => /^\p{Lu}/u.test(w)).length;
  return t === t.toUpperCase() || capitalised >= Math.ceil(words.length / 2) || (/^\p{Lu}/u.test(t) && words.length <= 4);
}

/** The bullet items right after line `start` (blank lines allowed), or null when they are full sentences. */
function bulletRun(lines: readonly string[], start: number): { items: string[]; end: number } | null {
  const items: string[] = [];
  let end = start;
  for (let i = start; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === "") continue;
    if (!BULLET.test(line)) break;
    const item = cleanMarkup(line).replace(/[.;,]\s*$/, "");
    if (!item || item.split(/\s+/).length > 12 || /[.!?]\s/.test(item)) return null;
    items.push(item);
    end = i + 1;
  }
  return items.length >= 2 ? { items, end } : null;
}

/**
 * Blanks headings and table rows so the sentence splitter sees them as paragraph breaks, closes bare bullets,
 * and folds a lead-in with its short bullet items into one sentence ("Final sale items: Gift cards, ...").
 */
export function prepareText(text: string): string {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const nextNonEmpty = (i: number) => lines.slice(i + 1).find((l) => l.trim() !== "");
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const list = /:\s*$/.test(line) && !BULLET.test(line) ? bulletRun(lines, i + 1) : null;
    if (list) {
      const sep = list.items.some((item) => item.includes(",")) ? "; " : ", ";
      out.push(`${cleanMarkup(line).replace(/:\s*$/, "")}: ${list.items.join(sep)}.`);
      while (out.length < list.end) out.push("");
      i = list.end - 1;
    } else if (TABLE_LINE.test(line) || (line.match(/\|/g)?.length ?? 0) >= 2 || isHeadingLine(line, nextNonEmpty(i))) {
      out.push("");
    } else if (BULLET.test(line) && !/[.!?:;,]["')\]]*\s*$/.test(line)) {
      out.push(`${line.trimEnd()}.`);
    } else {
      out.push(line);
    }
  }
  return out.join("\n");
}

/** "Lead-in: item, item, item." — a folded list, which needs no verb of its own. */
const FOLDED_LIST = /^[^:]{2,80}: [^:]+[,;] [^:]+\.$/;

/** Why a cleaned sentence is unfit to stand alone in an answer, or null when it is fine. */
export function fragmentReason(sentence: string, tokens?: readonly string[]): string | null {
  const words: readonly string[] = Array.isArray(tokens) ? tokens : tokenize(sentence); // safe as a .map callback
  if (words.length < 4 || sentence.length < 20) return "too short";
  if (words.length > 80) return "too long";
  if (/^[\p{Ll}]/u.test(sentence) || /^[,;:)\]}.\-–—…]/.test(sentence)) return "continuation";
  if (DANGLING_START.has(words[0]!)) return "dangling conjunction";
  if (/\?["')\]]*$/.test(sentence)) return "question";
  if (/:$/.test(sentence)) return "lead-in";
  if (!/[.!]["')\]]*$/.test(sentence)) return "truncated";
  const nonSpace = sentence.replace(/\s/g, "");
  const letters = nonSpace.replace(/\P{L}+/gu, "").length;
  if (letters / nonSpace.length < 0.6 || (sentence.match(/\|/g)?.length ?? 0) >= 2) return "table debris";
  if (!hasVerb(words) && !FOLDED_LIST.test(sentence)) return "no verb";
  return null;
}

/** Matching key: the same sentence from two overlapping chunks gets the same key. */
export function sentenceKey(sentence: string): string {
  return foldForMatch(sentence).replace(/[^\p{L}\p{N}]+/gu, " ").trim();
}

/** A record's terms and plain text (every column: value), for matching; the answer renders it for the question. */
function recordText(row: RecordRow): string {
  return `${row.entity}${row.key ? ` ${row.key}` : ""}: ${row.fields.map((f) => `${f.name} ${f.value}`).join("; ")}`;
}

/**
 * Everything in the passages fit to be quoted, in passage order then position: prose sentences, table rows as
 * sentences, records, and lists with their lead (extractive-structure.ts). A list's items are also candidates
 * on their own (as sentences), so one item can answer alone.
 */
export function extractCandidates(passages: readonly { text: string; title?: string; sectionPath?: string[] }[]): Candidate[] {
  const out: Candidate[] = [];
  passages.forEach((p, passageIndex) => {
    const contextTerms = stemmedTerms([p.title ?? "", ...(p.sectionPath ?? [])].join(" "));
    const structure = findStructure(p.text, p.sectionPath?.[p.sectionPath.length - 1] ?? "");
    const units: { at: number; c: Omit<Candidate, "position"> }[] = [];
    const prepared = prepareText(structure.lines.join("\n"));
    const lineStarts: number[] = [0];
    for (let i = 0; i < prepared.length; i++) if (prepared[i] === "\n") lineStarts.push(i + 1);
    const lineOf = (offset: number) => {
      let lo = 0;
      let hi = lineStarts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (lineStarts[mid]! <= offset) lo = mid;
        else hi = mid - 1;
      }
      return lo;
    };
    for (const span of splitSentences(prepared)) {
      const text = cleanMarkup(span.text);
      const words = tokenize(text);
      if (fragmentReason(text, words) !== null) continue;
      units.push({ at: lineOf(span.start) + span.start / (prepared.length + 1), c: { passageIndex, text, key: sentenceKey(text), terms: stemmedTerms(text, words), contextTerms } });
    }
    for (const row of structure.rows) {
      if (tokenize(row.text).length > 80) continue;
      // The header and the line that introduces the table are the row's context, like a section title.
      const context = [...new Set([...contextTerms, ...stemmedTerms([...row.headers, row.lead ?? ""].join(" "))])];
      units.push({ at: row.line, c: { passageIndex, kind: "row", text: row.text, key: sentenceKey(row.text), terms: stemmedTerms(row.text), contextTerms: context } });
    }
    for (const { row, line } of structure.records) {
      const text = recordText(row);
      units.push({ at: line, c: { passageIndex, kind: "record", record: row, text, key: sentenceKey(text), terms: stemmedTerms(text), contextTerms } });
    }
    for (const list of structure.lists) {
      const text = [list.lead, ...list.items].join(" ");
      const members = [list.lead, ...list.items].flatMap((t) => splitSentences(t).map((s) => sentenceKey(cleanMarkup(s.text))));
      units.push({ at: list.line - 0.5, c: { passageIndex, kind: "list", list, members, text, key: sentenceKey(text), terms: stemmedTerms(text), contextTerms } });
    }
    units.sort((a, b) => a.at - b.at);
    units.forEach((u, position) => out.push({ ...u.c, position }));
  });
  return out;
}
