/**
 * Fits ranked passages into the prompt's token budget (core/text estimateTokens): passages are kept in order
 * until the budget is full. A passage longer than what is left (or than perPassageMax) is trimmed at a sentence
 * boundary instead of dropped; the first passage is cut at a word boundary if not even its first sentence fits,
 * so the result is never empty while one word of it fits. Trimmed text stays a verbatim prefix of the original
 * (charEnd is moved to match), so citations still point into the source.
 */
import { errors } from "../../core/errors";
import { estimateTokens, splitSentences } from "../../core/text";

export interface BudgetOptions {
  /** Total tokens for all passages (whole number >= 1). */
  maxTokens: number;
  /** Most tokens a single passage may take (whole number >= 1; default: no limit). */
  perPassageMax?: number;
  /** Tokens each passage costs besides its text, e.g. its "[n] title, page" header (default 0). */
  overheadTokens?: number;
  /** When the budget runs out, a passage after the first is kept trimmed only if this many tokens of it fit (default 24). */
  minTrimTokens?: number;
}

function wholeNumber(name: string, v: number | undefined, min: number): void {
  if (v !== undefined && (!Number.isInteger(v) || v < min)) throw errors.invalid("INVALID_BUDGET", `${name} must be a whole number >= ${min}`);
}

/**
 * The longest prefix of `text` within `maxTokens` that ends at a sentence boundary; with `wordCut`, falls back
 * to the longest prefix ending at a word boundary. Null when nothing fits.
 */
export function trimToTokens(text: string, maxTokens: number, wordCut = false): string | null {
  if (estimateTokens(text) <= maxTokens) return text;
  let best: string | null = null;
  for (const span of splitSentences(text)) {
    const prefix = text.slice(0, span.end);
    if (estimateTokens(prefix) > maxTokens) break;
    best = prefix;
  }
  if (best !== null || !wordCut) return best;
  let end = 0;
  for (const m of text.matchAll(/\S+/g)) {
    const next = m.index + m[0].length;
    if (estimateTokens(text.slice(0, next)) > maxTokens) break;
    end = next;
  }
  return end > 0 ? text.slice(0, end) : null;
}

export function fitBudget<T extends { text: string }>(passages: readonly T[], options: BudgetOptions): T[] {
  if (!Array.isArray(passages)) throw errors.invalid("INVALID_PASSAGES", "passages must be an array");
  if (options?.maxTokens === undefined) throw errors.invalid("INVALID_BUDGET", "maxTokens is required");
  wholeNumber("maxTokens", options.maxTokens, 1);
  wholeNumber("perPassageMax", options.perPassageMax, 1);
  wholeNumber("overheadTokens", options.overheadTokens, 0);
  wholeNumber("minTrimTokens", options.minTrimTokens, 1);
  const overhead = options.overheadTokens ?? 0;
  const minTrim = options.minTrimTokens ?? 24;
  const perPassage = options.perPassageMax ?? Infinity;

  let left = options.maxTokens;
  const out: T[] = [];
  for (const p of passages) {
    if (!p || typeof p.text !== "string") throw errors.invalid("INVALID_PASSAGES", `passage ${out.length + 1} has no text`);
    const room = Math.min(perPassage, left - overhead);
    if (room < 1) break;
    const first = out.length === 0;
    const tokens = estimateTokens(p.text);
    if (tokens <= room) {
      out.push(p);
      left -= tokens + overhead;
      continue;
    }
    const budgetBound = room < perPassage;
    const trimmed = trimToTokens(p.text, room, first);
    const used = trimmed === null ? 0 : estimateTokens(trimmed);
    // At the end of the budget, a trimmed passage is only worth its header when enough of it survives.
    if (trimmed === null || (!first && budgetBound && used < Math.min(minTrim, tokens))) {
      if (budgetBound) break; // the budget is full
      continue; // only perPassageMax was too small for this passage's first sentence
    }
    out.push(withText(p, trimmed));
    left -= used + overhead;
  }
  return out;
}

function withText<T extends { text: string }>(p: T, text: string): T {
  const copy = { ...p, text };
  const c = copy as unknown as { charStart?: unknown; charEnd?: unknown };
  if (typeof c.charStart === "number" && typeof c.charEnd === "number") c.charEnd = c.charStart + text.length;
  return copy;
}
