/**
 * Maps the [n] citation markers of generated text to passages, incrementally, as the text streams.
 *
 * Markers: [n], [n, m] (any spacing around commas), and adjacent markers [n][m]; numbers have 1-3 digits, so
 * "[2024]" stays text. n refers to passages[n-1]. A number with no passage is invalid: it is removed from its
 * marker ([1, 9] -> [1]); a marker left with no valid number is removed together with the whitespace before it
 * ("two years [9]." -> "two years."). Invalid numbers are reported, in order of first appearance.
 *
 * Streaming: push() returns the text that is safe to emit now. Trailing whitespace and an unfinished marker
 * ("[1", "[1, ") are held back until the next delta decides them, so a marker split across deltas is mapped
 * exactly like a whole one. A held-back run that cannot be a marker (longer than MAX_PARTIAL characters) is
 * released as text. flush() releases what is held at the end, dropping an unclosed marker.
 */
import { splitSentences } from "../../core/text";

export interface MappedCitation {
  /** The number as it appears in the text. */
  n: number;
  /** Index into the passages (n - 1). */
  passageIndex: number;
  passageId: string;
}

export interface MappedChunk {
  /** Text to emit (may be empty). */
  text: string;
  /** Citations seen for the first time in this chunk, in text order. */
  citations: MappedCitation[];
}

const COMPLETE = /(\s*)\[\s*(\d{1,3}(?:\s*,\s*\d{1,3})*)\s*\]/g;
const HOLD = /\s*(?:\[[\d,\s]*)?$/;
const MAX_PARTIAL = 40;

export class CitationMapper {
  private held = "";
  private carry = "";
  private emitted = "";
  private readonly seen = new Map<number, MappedCitation>();
  private readonly invalid = new Set<number>();
  private markers = 0;

  /** `passageIds[i]` is the id of passage i (cited as [i + 1]). */
  constructor(private readonly passageIds: readonly string[]) {}

  push(delta: string): MappedChunk {
    const buf = this.held + delta;
    this.held = "";
    const citations: MappedCitation[] = [];
    let out = "";
    let last = 0;
    for (const m of buf.matchAll(COMPLETE)) {
      if (m.index > last) {
        out += buf.slice(last, m.index);
        this.carry = "";
      }
      last = m.index + m[0].length;
      // A dropped marker's whitespace goes to the marker right after it ("x [9][2]" -> "x [2]").
      const ws = m[1] || this.carry;
      this.carry = "";
      const valid: number[] = [];
      for (const part of m[2]!.split(",")) {
        const n = Number(part.trim());
        if (n >= 1 && n <= this.passageIds.length) {
          if (!valid.includes(n)) valid.push(n);
        } else {
          this.invalid.add(n);
        }
      }
      if (valid.length === 0) {
        this.carry = ws; // dropped with the marker unless another marker follows at once
        continue;
      }
      this.markers++;
      out += `${ws}[${valid.join(", ")}]`;
      for (const n of valid) {
        if (this.seen.has(n)) continue;
        const c = { n, passageIndex: n - 1, passageId: this.passageIds[n - 1]! };
        this.seen.set(n, c);
        citations.push(c);
      }
    }
    let tail = buf.slice(last);
    const hold = HOLD.exec(tail)![0];
    const partial = hold.trimStart();
    if (hold && partial.length <= MAX_PARTIAL) {
      this.held = hold;
      tail = tail.slice(0, tail.length - hold.length);
    }
    if (tail) this.carry = "";
    out += tail;
    this.emitted += out;
    return { text: out, citations };
  }

  /** Ends the text: releases held whitespace; an unclosed marker at the very end is dropped. */
  flush(): MappedChunk {
    const held = this.held;
    this.held = "";
    const text = held.trimStart().startsWith("[") ? "" : held;
    this.emitted += text;
    return { text, citations: [] };
  }

  /** Everything emitted so far (markers mapped, invalid ones removed). */
  get text(): string {
    return this.emitted;
  }

  /** Distinct valid citations, in order of first appearance. */
  get citations(): MappedCitation[] {
    return [...this.seen.values()];
  }

  /** Distinct invalid numbers, in order of first appearance. */
  get invalidCitations(): number[] {
    return [...this.invalid];
  }

  /** Markers kept in the text (each occurrence counts). */
  get markerCount(): number {
    return this.markers;
  }
}

/** Maps a whole text at once (same rules as streaming). */
export function mapCitations(text: string, passageIds: readonly string[]): { text: string; citations: MappedCitation[]; invalidCitations: number[] } {
  const m = new CitationMapper(passageIds);
  m.push(text);
  m.flush();
  return { text: m.text, citations: m.citations, invalidCitations: m.invalidCitations };
}

const MARKER = /\[\d{1,3}(?:, \d{1,3})*\]/;
const LEADING_MARKER = /^(?:\[\d{1,3}(?:, \d{1,3})*\]\s*)+/;

/**
 * Share of the text's sentences that carry a citation marker (0 when there is no sentence). A sentence that
 * starts with a marker ("claim. [1] Next.") credits the sentence before it too.
 */
export function citationCoverage(text: string): number {
  const sentences = splitSentences(text).map((s) => s.text);
  if (sentences.length === 0) return 0;
  const cited = sentences.map((s) => MARKER.test(s));
  sentences.forEach((s, i) => {
    if (i > 0 && LEADING_MARKER.test(s)) cited[i - 1] = true;
  });
  // A sentence that is nothing but markers is not a claim of its own.
  const claims = sentences.map((s) => s.replace(LEADING_MARKER, "").trim().length > 0);
  const total = claims.filter(Boolean).length;
  if (total === 0) return 0;
  return cited.filter((c, i) => c && claims[i]).length / total;
}
