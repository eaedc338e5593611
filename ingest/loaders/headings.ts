/**
 * Heuristics for heading-like lines in unstructured text (PDF pages, plain text): short, no final sentence
 * punctuation, Title Case / ALL CAPS, or numbered like "3.2 Battery care". Also maintains heading paths.
 */
import { collapseWhitespace, foldForMatch } from "../../core/text";

const NUMBERED = /^((?:\d{1,2}\.){0,4}\d{1,2})\.?\s+(\p{Lu}.*)$/u;
const ROMAN = /^([IVX]{1,5})\.\s+(\p{Lu}.*)$/u;
const LABELLED = /^(chapter|section|part|appendix)\s+([\dA-Z]{1,4})\b[.:]?\s*(.*)$/i;
const MINOR_WORDS = new Set(
  "a an and as at but by for from in into of on or per the to via vs with without und der die das".split(" "),
);
const NOISE = /^(page\s+\d+(\s+of\s+\d+)?|\d+|[-–—]\s*\d+\s*[-–—]|\d+\s*\/\s*\d+)$/i;

export interface HeadingInfo {
  /** The heading text as it reads, e.g. "3.2 Battery care". */
  title: string;
  /** Depth: dotted numbering depth ("3.2" -> 2), otherwise 1. */
  level: number;
}

/** Page numbers, "Page 3 of 10" and similar furniture lines. */
export function isPageFurniture(line: string): boolean {
  return NOISE.test(line.trim());
}

function isTitleCase(words: string[]): boolean {
  const lettered = words.filter((w) => /\p{L}/u.test(w));
  if (lettered.length === 0) return false;
  if (!/^[\p{Lu}\d"“'(]/u.test(lettered[0]!)) return false;
  const significant = lettered.filter((w) => !MINOR_WORDS.has(w.toLowerCase()));
  if (significant.length === 0) return false;
  const capitalised = significant.filter((w) => /^["“'(]?[\p{Lu}\d]/u.test(w)).length;
  return capitalised / significant.length >= 0.75;
}

function isAllCaps(line: string): boolean {
  const letters = line.replace(/[^\p{L}]/gu, "");
  return letters.length >= 3 && letters === letters.toUpperCase() && letters !== letters.toLowerCase();
}

/** Returns heading info when the line looks like a heading, else undefined. */
/** Two or more cells: separated by a tab (a PDF cell gap, a TSV-like line) or by " | " (a table row as text). */
export function isTableRow(line: string): boolean {
  const cells = line.split(/\t| \| /).filter((c) => c.trim());
  return cells.length >= 2 || /^\s*\|.*\|\s*$/.test(line);
}

export function detectHeading(raw: string): HeadingInfo | undefined {
  // A row of short cells ("Laptop | 15 Days", "Product Type<gap>Return Window") is Title Case but no heading.
  if (isTableRow(raw)) return undefined;
  const line = collapseWhitespace(raw);
  if (line.length < 3 || line.length > 90 || isPageFurniture(line)) return undefined;
  if (/[.,;:!?]$/.test(line) && !/\.\.\.$/.test(line)) return undefined;
  if (!/\p{L}{2}/u.test(line)) return undefined;
  const words = line.split(" ");
  if (words.length > 12) return undefined;
  // Table-of-contents lines ("2 Bar ........ 12", "1 Foo 2") are not headings.
  if (/(\.{3,}|\s\d+)$/.test(line) && /^\d/.test(line)) return undefined;

  const numbered = NUMBERED.exec(line);
  if (numbered) {
    const level = numbered[1]!.split(".").length;
    return words.length >= 2 ? { title: line, level } : undefined;
  }
  if (ROMAN.test(line) || LABELLED.test(line)) return { title: line, level: 1 };
  if (isAllCaps(line) && words.length <= 8) return { title: line, level: 1 };
  if (isTitleCase(words) && (words.length >= 2 || line.length >= 5) && words.length <= 10) return { title: line, level: 1 };
  return undefined;
}

/** "3.2 Battery care" -> "battery care"; folds case and accents for comparisons. */
export function headingKey(title: string): string {
  return foldForMatch(collapseWhitespace(title))
    .replace(/^((chapter|section|part|appendix)\s+)?([\divx]{1,5}(\.[\divx]{1,4})*\.?)\s+/i, "")
    .replace(/[^\p{L}\p{N} ]/gu, "")
    .trim();
}

/** Keeps the current heading path while headings of various levels arrive. */
export class HeadingTrail {
  private stack: Array<{ level: number; title: string }> = [];

  push(title: string, level: number): string[] {
    while (this.stack.length > 0 && this.stack[this.stack.length - 1]!.level >= level) this.stack.pop();
    this.stack.push({ level, title });
    return this.path();
  }

  /** Replaces the whole trail with an explicit path (e.g. from a PDF outline). */
  set(path: string[]): void {
    this.stack = path.map((title, i) => ({ level: i + 1, title }));
  }

  path(): string[] {
    return this.stack.map((h) => h.title);
  }
}
