/**
 * Page text from PDF.js text items, line by line:
 *   - items are joined and hasEOL ends a line (as unpdf's extractText builds it);
 *   - a gap of more than CELL_GAP_EMS font sizes inside a line (table cells, a label and its value) becomes
 *     CELL_SEPARATOR, so later stages can tell a row of cells from a line of prose;
 *   - right-to-left runs drawn in visual order are put back in logical order. PDF producers draw glyphs left to
 *     right on the page; PDF.js reorders the text inside one item (its bidi pass), but a line made of several items
 *     (one per word, or a font change for digits and Latin inside Arabic) comes in the order the items were
 *     drawn. Following the Unicode bidi algorithm at the level of items: in a line whose strong letters are
 *     mostly right-to-left, the items run right to left, except that a stretch of left-to-right items (Latin words,
 *     numbers) keeps its own order; in a left-to-right line, a run of right-to-left items (with the spaces, digits
 *     and punctuation between them) is reversed. Only items whose x positions increase (visual order) are moved.
 */

/** A PDF.js text item (the fields used here). */
export interface PdfTextItem {
  str?: string;
  hasEOL?: boolean;
  transform?: number[];
  width?: number;
  height?: number;
  dir?: string;
}

/** A horizontal gap wider than this many font sizes between two pieces of one line separates table cells. */
const CELL_GAP_EMS = 2;
/** The cell separator in raw page text (pdf-sections.ts renders it as " | "). */
export const CELL_SEPARATOR = "\t";

const RTL_LETTER = /[\u0590-\u05FF\u0600-\u06FF\u0700-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF]/u;
const RTL_LETTERS = /[\u0590-\u05FF\u0600-\u06FF\u0700-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF]/gu;
const LTR_LETTERS = /(?![\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF])\p{L}/gu;

interface Piece {
  text: string;
  /** Left edge on the page, undefined when unknown (rotated text). */
  x?: number;
  kind: "R" | "L" | "N";
}

function kindOf(text: string): Piece["kind"] {
  if (RTL_LETTER.test(text) && !(text.match(LTR_LETTERS)?.length)) return "R";
  if (RTL_LETTER.test(text)) return (text.match(RTL_LETTERS)?.length ?? 0) >= (text.match(LTR_LETTERS)?.length ?? 0) ? "R" : "L";
  return /\p{L}/u.test(text) ? "L" : "N";
}

/** True when the pieces' x positions never decrease (drawn left to right). */
function leftToRight(pieces: Piece[]): boolean {
  for (let i = 1; i < pieces.length; i++) {
    const a = pieces[i - 1]!.x;
    const b = pieces[i]!.x;
    if (a === undefined || b === undefined || b < a - 0.5) return false;
  }
  return true;
}

/** Puts the pieces of one line in logical order (see the module comment). */
export function logicalOrder(pieces: Piece[]): Piece[] {
  if (!pieces.some((p) => p.kind === "R") || pieces.length < 2) return pieces;
  const text = pieces.map((p) => p.text).join("");
  const rtlLine = (text.match(RTL_LETTERS)?.length ?? 0) > (text.match(LTR_LETTERS)?.length ?? 0);
  if (rtlLine) {
    if (!leftToRight(pieces)) return pieces;
    const reversed = [...pieces].reverse();
    // Left-to-right stretches (Latin, numbers and what lies between them) keep their own order.
    const out: Piece[] = [];
    for (let i = 0; i < reversed.length; ) {
      if (reversed[i]!.kind === "R") {
        out.push(reversed[i++]!);
        continue;
      }
      let j = i;
      while (j < reversed.length && reversed[j]!.kind !== "R") j++;
      out.push(...reversed.slice(i, j).reverse());
      i = j;
    }
    return out;
  }
  const out: Piece[] = [];
  for (let i = 0; i < pieces.length; ) {
    if (pieces[i]!.kind !== "R") {
      out.push(pieces[i++]!);
      continue;
    }
    // A run from one right-to-left piece to the last one before a left-to-right letter.
    let end = i;
    for (let k = i + 1; k < pieces.length && pieces[k]!.kind !== "L"; k++) if (pieces[k]!.kind === "R") end = k;
    const run = pieces.slice(i, end + 1);
    out.push(...(leftToRight(run) ? run.reverse() : run));
    i = end + 1;
  }
  return out;
}

export function itemsToText(items: PdfTextItem[]): string {
  let text = "";
  let line: Piece[] = [];
  let lineEnd: { x: number; y: number; size: number } | undefined;
  const endsWithSeparator = () => line.length > 0 && line[line.length - 1]!.text === CELL_SEPARATOR;
  const separator = (x: number) => {
    const last = line[line.length - 1];
    if (last) last.text = last.text.replace(/[ \u00A0]+$/, "");
    line.push({ text: CELL_SEPARATOR, x, kind: "N" });
  };
  const flushLine = () => {
    text += logicalOrder(line.filter((p) => p.text)).map((p) => p.text).join("");
    line = [];
  };
  for (const item of items) {
    if (typeof item.str !== "string") continue;
    const t = item.transform;
    const horizontal = !!t && t.length >= 6 && Math.abs(t[1]!) < 1e-6 && Math.abs(t[2]!) < 1e-6 && t[0]! > 0;
    const size = Math.max(item.height ?? 0, horizontal ? Math.abs(t![3]!) : 0);
    const width = item.width ?? 0;
    const piece = (x?: number): Piece => ({ text: item.str!, x, kind: kindOf(item.str!) });
    if (horizontal && size > 0) {
      const x = t![4]!;
      const y = t![5]!;
      const sameLine = lineEnd && Math.abs(y - lineEnd.y) < 0.5 * Math.max(size, lineEnd.size);
      const gap = sameLine ? x - lineEnd!.x : 0;
      const blank = item.str.trim() === "";
      if (blank && width > CELL_GAP_EMS * size) {
        // PDF.js reports a wide gap as a whitespace item spanning it.
        if (!endsWithSeparator()) separator(x);
      } else if (!blank && sameLine && gap > CELL_GAP_EMS * Math.max(size, lineEnd!.size) && !endsWithSeparator()) {
        separator(x - gap);
        line.push(piece(x));
      } else if (!(blank && endsWithSeparator())) {
        line.push(piece(x));
      }
      lineEnd = { x: x + width, y, size };
    } else {
      line.push(piece());
    }
    if (item.hasEOL) {
      flushLine();
      text += "\n";
      lineEnd = undefined;
    }
  }
  flushLine();
  return text;
}
