/**
 * Word tokenizer shared by the keyword index, the embedder and the generators.
 * Keeps codes such as "SKU-1042", "ORD-2024-0001", "4.5" and "e-mail" as single tokens.
 */
import { foldForMatch } from "./normalize";

const TOKEN = /[\p{L}\p{N}]+(?:[-_.'’/][\p{L}\p{N}]+)*/gu;

export function tokenize(text: string): string[] {
  const out: string[] = [];
  for (const m of foldForMatch(text).matchAll(TOKEN)) out.push(m[0].replace(/’/g, "'"));
  return out;
}

/** English stop words: function words that carry no topic. */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  (
    "a about above after again against all am an and any are aren't as at be because been before being below between both but by " +
    "can can't cannot could couldn't did didn't do does doesn't doing don't down during each few for from further had hadn't has hasn't " +
    "have haven't having he he'd he'll he's her here here's hers herself him himself his how how's i i'd i'll i'm i've if in into is isn't " +
    "it it's its itself let's me more most mustn't my myself no nor not of off on once only or other ought our ours ourselves out over own " +
    "same shan't she she'd she'll she's should shouldn't so some such than that that's the their theirs them themselves then there there's " +
    "these they they'd they'll they're they've this those through to too under until up very was wasn't we we'd we'll we're we've were " +
    "weren't what what's when when's where where's which while who who's whom why why's will with won't would wouldn't you you'd you'll " +
    "you're you've your yours yourself yourselves s t just also get got us"
  ).split(" "),
);

/**
 * Words that frame a question rather than name its topic ("how long", "how much", "I need", "can you tell me"):
 * generic English, not fitted to any question set.
 */
export const QUESTION_FRAME_WORDS: ReadonlySet<string> = new Set(["long", "much", "many", "often", "soon", "far", "need", "want", "know", "tell", "please", "can", "possible"]);

/** Tokens minus stop words. */
export function contentTokens(text: string): string[] {
  return tokenize(text).filter((t) => !STOP_WORDS.has(t));
}

/** A cheap token count for budgets: ~4 characters per token for English, never less than the word count. */
export function estimateTokens(text: string): number {
  // Words counted in one pass without building an array (this runs for every passage and prompt).
  let words = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // The same characters as \s; most text never gets past the first test.
    const space =
      c < 160
        ? c === 32 || (c >= 9 && c <= 13)
        : c === 160 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
    if (space) inWord = false;
    else if (!inWord) {
      inWord = true;
      words++;
    }
  }
  return Math.max(words, Math.ceil(text.length / 4));
}
