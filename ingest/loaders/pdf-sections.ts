/**
 * Turns raw PDF page text (lines from PDF.js) into clean sections: drops running headers/footers and page numbers,
 * assigns heading paths (from the outline when there is one, otherwise from heading-like lines), de-hyphenates
 * line-broken words and joins wrapped lines into paragraphs separated by blank lines.
 */
import type { LoadedSection } from "../types";
import type { PdfOutlineEntry } from "./pdf-worker";
import { detectHeading, HeadingTrail, headingKey, isPageFurniture } from "./headings";

const LIST_ITEM = /^([-•*▪◦–·]|\d{1,3}[.)]|\(?[a-z]\))\s+/;
const EDGE = 2;
const NUMBERED_HEADING = /^\d{1,2}(\.\d{1,2})*\.?\s+\S/;

/** Lines of raw page text; a cell separator (a wide gap, see pdf-worker.ts) stays as one tab between cells. */
function pageLines(text: string): string[] {
  return text.split("\n").map((l) =>
    l
      .replace(/[ \u00A0]+/g, " ")
      .replace(/ ?\t[\t ]*/g, "\t")
      .replace(/^\t+|\t+$/g, "")
      .trim(),
  );
}

/** A line of two or more cells (a table row, a label and its value). */
const isRow = (line: string) => line.includes("\t");
const renderRow = (line: string) => line.split("\t").join(" | ");

/**
 * Identity of a possible running header/footer line: digits ignored; a line that carries a page number at its
 * start or end ("4 1.1. TOPOLOGY", "Page 3") is also tied to the offset between that number and the page index,
 * so numbered text that merely recurs ("Example 10") does not count.
 */
function runningKey(line: string, pageIndex: number): string {
  const key = line.replace(/\d+/g, "#");
  // "Manual title   Page 3 of 11": an explicit page counter marks furniture whatever its numbers are.
  if (/\bpage\s+\d+(\s*(of|\/)\s*\d+)?$/i.test(line)) return key;
  const n = /^(\d{1,4})\b/.exec(line)?.[1] ?? /\b(\d{1,4})$/.exec(line)?.[1];
  return n === undefined ? key : `${key}@${Number(n) - pageIndex}`;
}

const edgeLines = (lines: string[]) => {
  const nonEmpty = lines.filter(Boolean);
  return new Set([...nonEmpty.slice(0, EDGE), ...nonEmpty.slice(-EDGE)]);
};

/** Keys of lines repeated at the top or bottom of many pages (running headers/footers). */
function runningLines(pages: string[][]): Set<string> {
  const withText = pages.filter((p) => p.some(Boolean)).length;
  if (withText < 3) return new Set();
  const counts = new Map<string, number>();
  pages.forEach((lines, index) => {
    for (const key of new Set([...edgeLines(lines)].map((l) => runningKey(l, index)))) counts.set(key, (counts.get(key) ?? 0) + 1);
  });
  // Number-free lines must recur on half the pages; page-numbered ones change by chapter, so three pages do.
  const min = Math.max(3, Math.ceil(withText * 0.5));
  return new Set([...counts].filter(([k, n]) => n >= (k.includes("@") ? 3 : min)).map(([k]) => k));
}

function stripFurniture(lines: string[], running: Set<string>, pageIndex: number): string[] {
  const edge = edgeLines(lines);
  const kept = lines.filter((l) => !(edge.has(l) && (isPageFurniture(l) || running.has(runningKey(l, pageIndex)))));
  // Pages that repeat the same content (e.g. one label per page) are not all header: keep them.
  if (kept.some(Boolean)) return kept;
  return lines.filter((l) => !isPageFurniture(l));
}

/** Joins wrapped lines into paragraphs; blank lines, list items and short sentence-final lines end paragraphs. */
export function linesToParagraphs(lines: string[]): string {
  const lengths = lines.filter(Boolean).map((l) => l.length).sort((a, b) => a - b);
  const typical = lengths[Math.floor(lengths.length * 0.8)] ?? 0;
  const paragraphs: string[] = [];
  let current = "";
  const flush = () => {
    if (current.trim()) paragraphs.push(current.trim());
    current = "";
    inTable = false;
  };
  const ends = (l: string) => /[.!?:]["”’)]?$/.test(l);
  let inList = false;
  let inTable = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const prev = lines[i - 1] ?? "";
    if (!line) {
      flush();
      inList = false;
      continue;
    }
    if (isRow(line)) {
      // Table rows stay one per line, in a block of their own.
      if (current && !inTable) flush();
      current = current ? `${current}\n${renderRow(line)}` : renderRow(line);
      inList = false;
      inTable = true;
      continue;
    }
    if (inTable) {
      // A line between two rows is a wrapped cell: it stays in the table block, on its own line.
      if (lines[i + 1] && isRow(lines[i + 1]!)) {
        current += `\n${line}`;
        continue;
      }
      flush();
    }
    const item = LIST_ITEM.test(line);
    // After a finished list item, a capitalised non-item line starts a new paragraph.
    if (inList && !item && ends(prev) && /^\p{Lu}/u.test(line)) flush();
    if (item && current) current += "\n" + line;
    else if (!current) current = line;
    else if (/\p{L}-$/u.test(current) && /^\p{Ll}/u.test(line)) current = current.slice(0, -1) + line;
    else current += " " + line;
    inList = item || (inList && !!current);
    const next = lines[i + 1];
    const shortFinal = ends(line) && line.length < typical * 0.75;
    if (shortFinal && next !== undefined && !/^\p{Ll}/u.test(next) && !LIST_ITEM.test(next)) {
      flush();
      inList = false;
    }
  }
  flush();
  return paragraphs.join("\n\n");
}

interface Segment {
  page: number;
  path: string[];
  lines: string[];
}

function isHeadingInContext(lines: string[], i: number): ReturnType<typeof detectHeading> {
  const h = detectHeading(lines[i]!);
  if (!h) return undefined;
  const prev = lines.slice(0, i).reverse().find(Boolean);
  const next = lines.slice(i + 1).find(Boolean);
  // The previous line must end a sentence, be a heading or be a table row (a table ends where its rows end).
  if (prev !== undefined && lines[i - 1] && !/[.!?:]["”’)]?$/.test(prev) && !detectHeading(prev) && !isRow(prev)) return undefined;
  if (next !== undefined && /^\p{Ll}/u.test(next)) return undefined;
  return h;
}

/** Assigns heading paths to page lines and splits pages at headings. */
function segmentPages(pages: string[][], outline: PdfOutlineEntry[]): { segments: Segment[]; firstHeading?: string } {
  const trail = new HeadingTrail();
  const segments: Segment[] = [];
  let firstHeading: string | undefined;
  const byPage = new Map<number, PdfOutlineEntry[]>();
  for (const entry of outline) byPage.set(entry.page, [...(byPage.get(entry.page) ?? []), entry]);

  let numberedCount = 0;
  if (!outline.length) {
    pages.forEach((lines) =>
      lines.forEach((l, i) => {
        const h = l ? isHeadingInContext(lines, i) : undefined;
        if (h && NUMBERED_HEADING.test(h.title)) numberedCount++;
      }),
    );
  }
  const numberedDoc = numberedCount >= 3;
  let seenNumbered = false;

  pages.forEach((lines, index) => {
    const page = index + 1;
    let current: Segment = { page, path: trail.path(), lines: [] };
    const open = (path: string[]) => {
      if (current.lines.some(Boolean)) segments.push(current);
      current = { page, path, lines: [] };
    };
    if (outline.length > 0) {
      let cursor = 0;
      for (const entry of byPage.get(page) ?? []) {
        const key = headingKey(entry.path[entry.path.length - 1]!);
        const at = lines.findIndex((l, i) => i >= cursor && l && headingKey(l) === key);
        if (at >= 0) {
          current.lines.push(...lines.slice(cursor, at));
          cursor = at + 1;
        }
        trail.set(entry.path);
        firstHeading ??= entry.path[entry.path.length - 1];
        open(trail.path());
      }
      current.lines.push(...lines.slice(cursor));
    } else {
      lines.forEach((line, i) => {
        let h = line ? isHeadingInContext(lines, i) : undefined;
        // In a numbered document ("3.2 Battery care"), once numbering has started an unnumbered title-case line
        // is a table header or a label, not a heading.
        if (h && numberedDoc && seenNumbered && !NUMBERED_HEADING.test(h.title)) h = undefined;
        if (h && NUMBERED_HEADING.test(h.title)) seenNumbered = true;
        if (!h) return void current.lines.push(line);
        firstHeading ??= h.title;
        open(trail.push(h.title, h.level));
      });
    }
    if (current.lines.some(Boolean)) segments.push(current);
  });
  return { segments, firstHeading };
}

export interface PdfSectionsResult {
  sections: LoadedSection[];
  firstHeading?: string;
}

/** Builds sections (one or more per page, never spanning pages) from raw page text. */
export function buildPdfSections(rawPages: string[], outline: PdfOutlineEntry[]): PdfSectionsResult {
  const split = rawPages.map(pageLines);
  const running = runningLines(split);
  const cleaned = split.map((lines, i) => stripFurniture(lines, running, i));
  const { segments, firstHeading } = segmentPages(cleaned, outline);
  const sections: LoadedSection[] = [];
  for (const seg of segments) {
    const text = linesToParagraphs(seg.lines);
    if (text) sections.push({ text, page: seg.page, headingPath: seg.path });
  }
  return { sections, firstHeading };
}

/** Cleans a PDF metadata title; returns undefined for useless values ("untitled", "Microsoft Word - x.docx"). */
export function cleanPdfTitle(title: string | undefined): string | undefined {
  const t = title?.replace(/^Microsoft (Word|PowerPoint) - /i, "").replace(/\s+/g, " ").trim();
  if (!t || /^(untitled|untitled document|document\d*)$/i.test(t) || /\.(docx?|pdf|odt|tex|pptx?)$/i.test(t)) return undefined;
  return t;
}
