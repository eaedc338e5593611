/**
 * Structure-aware chunker. The document's full text is its sections joined by "\n\n"; every chunk is an exact
 * slice of it (fullText.slice(charStart, charEnd) === text). Chunks follow headings (consecutive sections with
 * the same heading path form one logical section; tiny neighbouring sections under the same parent are merged),
 * prefer breaks at section > page > paragraph > sentence > word boundaries, never cut a word (except a single
 * token longer than the chunk size), and repeat trailing sentences of the previous chunk of the same section as
 * overlap. Size is a target in characters with a hard maximum of 1.5x.
 */
import { splitSentences } from "../core/text";
import type { ChunkDraft, LoadedDocument, LoadedSection } from "./types";

export interface ChunkOptions {
  /** Target chunk length in characters. */
  size: number;
  /** Trailing sentences of the previous chunk (same section) repeated up to this many characters. */
  overlap: number;
}

export const SECTION_SEPARATOR = "\n\n";
/** A section shorter than this share of the size counts as tiny and may merge with its neighbour. */
const TINY = 0.4;
/** A preferred (stronger) break is taken when the chunk is at least this full. */
const MIN_FILL = 0.5;
/** Remaining text shorter than this share of the size is absorbed into the current chunk (within the hard max). */
const TAIL = 0.35;
const RANK = { word: 0, sentence: 1, paragraph: 2, page: 3, section: 4 } as const;
type Boundary = keyof typeof RANK;

interface Piece {
  start: number;
  end: number;
  /** The kind of break before this piece. */
  boundary: Boundary;
  /** Start of the run of same-path sections this piece belongs to (overlap never reaches before it). */
  runStart: number;
}

interface Run {
  path: string[];
  sections: number[];
  start: number;
  end: number;
}

/** The text chunk offsets refer to: sections' text joined by "\n\n". */
export function fullTextOf(doc: LoadedDocument): string {
  return doc.sections.map((s) => s.text).join(SECTION_SEPARATOR);
}

const samePath = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
const isPrefix = (p: string[], of: string[]) => p.length <= of.length && p.every((x, i) => x === of[i]);
/**
 * Siblings under a named parent, or a parent's intro followed by its child, or untitled text before the first
 * heading. Top-level siblings ("Parking", "Accessibility") are not merged: the chunk would have no true path.
 */
function shareParent(a: string[], b: string[]): boolean {
  if (!isPrefix(a.slice(0, -1), b) || !isPrefix(b.slice(0, -1), a)) return false;
  return a.length === 0 || (a[0] === b[0] && b.length > 0);
}

function commonPath(paths: string[][]): string[] {
  const first = paths[0] ?? [];
  let n = first.length;
  for (const p of paths) while (n > 0 && !isPrefix(first.slice(0, n), p)) n--;
  return n > 0 ? first.slice(0, n) : (paths.find((p) => p.length > 0) ?? []);
}

/** Runs of consecutive sections with the same heading path, then tiny runs merged under a shared parent. */
function groupRuns(sections: LoadedSection[], offsets: number[], size: number): Run[][] {
  const runs: Run[] = [];
  sections.forEach((s, i) => {
    const last = runs[runs.length - 1];
    const end = offsets[i]! + s.text.length;
    if (last && samePath(last.path, s.headingPath)) {
      last.sections.push(i);
      last.end = end;
    } else runs.push({ path: s.headingPath, sections: [i], start: offsets[i]!, end });
  });
  const groups: Run[][] = [];
  for (const run of runs) {
    const group = groups[groups.length - 1];
    const prev = group?.[group.length - 1];
    const groupLen = group ? prev!.end - group[0]!.start : 0;
    const runLen = run.end - run.start;
    const tiny = group && (runLen < size * TINY || groupLen < size * TINY);
    if (group && prev && tiny && run.end - group[0]!.start <= size && shareParent(prev.path, run.path)) group.push(run);
    else groups.push([run]);
  }
  return groups;
}

/** Splits [start, end) of text at whitespace into windows of at most `size` characters. */
function wordWindows(text: string, start: number, end: number, size: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let s = start;
  while (s < end) {
    while (s < end && /\s/.test(text[s]!)) s++;
    if (s >= end) break;
    if (end - s <= size) {
      out.push([s, end]);
      break;
    }
    let cut = s + size;
    while (cut > s && !/\s/.test(text[cut]!)) cut--;
    if (cut === s) {
      cut = s + size; // one token longer than the size: the only place a word is cut
      if (/[\uDC00-\uDFFF]/.test(text[cut]!)) cut--;
    }
    let e = cut;
    while (e > s && /\s/.test(text[e - 1]!)) e--;
    out.push([s, e]);
    s = cut;
  }
  return out;
}

/** Paragraph, sentence and word pieces of one section, each at most `size` long. */
function sectionPieces(full: string, start: number, end: number, first: Boundary, runStart: number, size: number): Piece[] {
  const pieces: Piece[] = [];
  const push = (s: number, e: number, b: Boundary) => {
    pieces.push({ start: s, end: e, boundary: pieces.length === 0 ? first : b, runStart });
  };
  const gap = /\n[ \t]*\n\s*/g;
  let paraStart = start;
  const paragraphs: Array<[number, number]> = [];
  const body = full.slice(start, end);
  for (const m of body.matchAll(gap)) {
    paragraphs.push([paraStart, start + m.index!]);
    paraStart = start + m.index! + m[0].length;
  }
  paragraphs.push([paraStart, end]);
  for (const [ps, pe] of paragraphs) {
    let s = ps;
    let e = pe;
    while (s < e && /\s/.test(full[s]!)) s++;
    while (e > s && /\s/.test(full[e - 1]!)) e--;
    if (s >= e) continue;
    if (e - s <= size) {
      push(s, e, "paragraph");
      continue;
    }
    let firstInPara = true;
    for (const sent of splitSentences(full.slice(s, e))) {
      const ss = s + sent.start;
      const se = s + sent.end;
      for (const [ws, we] of se - ss <= size ? [[ss, se] as [number, number]] : wordWindows(full, ss, se, size)) {
        push(ws, we, firstInPara ? "paragraph" : ws === ss ? "sentence" : "word");
        firstInPara = false;
      }
    }
  }
  return pieces;
}

/** Start of the trailing sentences of [start, end) that fit in `overlap` characters (never the whole chunk). */
function overlapStart(full: string, start: number, end: number, overlap: number, floor: number): number | undefined {
  let best: number | undefined;
  const spans = splitSentences(full.slice(start, end));
  for (let k = spans.length - 1; k >= 1; k--) {
    const at = start + spans[k]!.start;
    if (end - at > overlap || at < floor) break;
    best = at;
  }
  return best;
}

/** Splits a loaded document into chunk drafts with exact offsets, pages and section paths. */
export function chunkDocument(doc: LoadedDocument, opts: ChunkOptions): ChunkDraft[] {
  const size = Math.max(1, Math.floor(opts.size));
  const max = Math.floor(size * 1.5);
  const overlap = Math.max(0, Math.min(Math.floor(opts.overlap), Math.floor(size / 2)));
  const full = fullTextOf(doc);
  const offsets: number[] = [];
  let at = 0;
  for (const s of doc.sections) {
    offsets.push(at);
    at += s.text.length + SECTION_SEPARATOR.length;
  }
  const pageAt = (offset: number): number | null => {
    let lo = 0;
    let hi = offsets.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (offsets[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return doc.sections[lo]?.page ?? null;
  };

  const chunks: ChunkDraft[] = [];
  for (const group of groupRuns(doc.sections, offsets, size)) {
    const sectionPath = commonPath(group.map((r) => r.path));
    const pieces: Piece[] = [];
    group.forEach((run, r) => {
      run.sections.forEach((si, k) => {
        const sec = doc.sections[si]!;
        const prevPage = k > 0 ? doc.sections[run.sections[k - 1]!]!.page : undefined;
        const first: Boundary = r > 0 && k === 0 ? "section" : k > 0 && sec.page !== prevPage ? "page" : "paragraph";
        // A loop, not push(...): a long section has more pieces than a call can take arguments.
        for (const piece of sectionPieces(full, offsets[si]!, offsets[si]! + sec.text.length, first, run.start, size)) pieces.push(piece);
      });
    });

    let prev: { start: number; end: number } | undefined;
    let i = 0;
    while (i < pieces.length) {
      const head = pieces[i]!;
      let start = head.start;
      if (prev && overlap > 0) {
        const ov = overlapStart(full, prev.start, prev.end, overlap, head.runStart);
        if (ov !== undefined && head.end - ov <= max) start = ov;
      }
      let j = i + 1;
      while (j < pieces.length && pieces[j]!.end - start <= size) j++;
      const last = pieces[pieces.length - 1]!;
      if (j < pieces.length && last.end - start <= max && last.end - pieces[j]!.start < size * TAIL) j = pieces.length;
      else if (j < pieces.length) {
        let best = j;
        for (let k = j - 1; k > i; k--) {
          if (pieces[k - 1]!.end - start < size * MIN_FILL) break;
          if (RANK[pieces[k]!.boundary] > RANK[pieces[best]!.boundary]) best = k;
        }
        j = best;
      }
      const end = pieces[j - 1]!.end;
      const page = pageAt(start);
      chunks.push({
        ordinal: chunks.length,
        text: full.slice(start, end),
        page,
        pageEnd: page === null ? null : (pageAt(end - 1) ?? page),
        sectionPath,
        charStart: start,
        charEnd: end,
      });
      prev = { start, end };
      i = j;
    }
  }
  return chunks;
}
