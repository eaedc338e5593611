/** Sentence splitter that knows common abbreviations, decimals, list items and line-broken headings. */

const ABBREVIATIONS = new Set(
  "mr mrs ms dr prof sr jr st vs etc e.g i.e inc ltd co corp no nos approx dept est fig min max mt rd ave jan feb mar apr jun jul aug sep sept oct nov dec u.s u.k a.m p.m".split(
    " ",
  ),
);

export interface SentenceSpan {
  text: string;
  start: number;
  end: number;
}

/** Characters searched back for the space before a period: longer words are never abbreviations. */
const WORD_WINDOW = 32;
const OPENERS = `("'“‘`;

/**
 * The lower-cased word before position `i` (from the last space), leading opening quotes/brackets removed; or
 * undefined when it is longer than any abbreviation. Looks back at most WORD_WINDOW characters, so text without
 * spaces (lists of codes, one item per line) stays linear instead of rescanning to its start at every period.
 */
function wordBefore(text: string, i: number): string | undefined {
  const from = Math.max(0, i - WORD_WINDOW);
  let sp = -1;
  for (let k = i - 1; k >= from; k--) {
    if (text.charCodeAt(k) === 32) {
      sp = k;
      break;
    }
  }
  if (sp < 0 && from > 0) {
    // No space in the window: the word is long unless it is a long run of opening quotes before a short word.
    for (let k = from; k < i - 8; k++) if (!OPENERS.includes(text[k]!)) return undefined;
    sp = text.lastIndexOf(" ", i - 1);
  }
  return text.slice(sp + 1, i).toLowerCase().replace(/^[("'“‘]+/, "");
}

/** Splits text into sentences with their offsets in the input. Blank lines and list bullets end a sentence. */
export function splitSentences(text: string): SentenceSpan[] {
  const spans: SentenceSpan[] = [];
  let start = 0;
  const push = (end: number) => {
    const raw = text.slice(start, end);
    const lead = raw.length - raw.trimStart().length;
    const trimmed = raw.trim();
    if (trimmed) spans.push({ text: trimmed.replace(/\s+/g, " "), start: start + lead, end: start + lead + trimmed.length });
    start = end;
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === "\n") {
      // A blank line, or a line that starts a list item / heading, ends the sentence.
      const rest = text.slice(i + 1, i + 8);
      const prevLine = text.slice(text.lastIndexOf("\n", i - 1) + 1, i).trim();
      if (text[i + 1] === "\n" || /^\s*([-*•]|\d+[.)]|#)\s/.test(rest) || /^#{1,6}\s/.test(prevLine) || /[:.!?]$/.test(prevLine) && /^\s*\p{Lu}/u.test(rest)) {
        push(i + 1);
      }
      continue;
    }
    if (ch !== "." && ch !== "!" && ch !== "?") continue;
    // Swallow runs of terminators and closing quotes/brackets.
    let j = i + 1;
    while (j < text.length && /[.!?"'”’)\]]/.test(text[j]!)) j++;
    if (j < text.length && !/\s/.test(text[j]!)) continue; // "4.5", "e.g.x", "example.com"
    if (ch === ".") {
      const before = wordBefore(text, i);
      if (before !== undefined && (ABBREVIATIONS.has(before) || /^[a-z]$/i.test(before))) continue; // "Dr.", "e.g.", initials
      const next = text.slice(j).trimStart();
      if (next && /^[a-z0-9]/.test(next) && !/^\d+[.)]\s/.test(next)) continue; // continues in lower case
    }
    push(j);
    i = j - 1;
  }
  push(text.length);
  return spans;
}
