/**
 * A tenant's sensitive-word dictionary: terms with an action, `block` (the message or answer is refused) or
 * `mask` (the term is replaced by asterisks of its length). Matching is on whole words, case- and
 * accent-insensitive, over the text's plain view for blocking (so "c0mpetitor" or "com petitor" spellings do
 * not slip by a block term) and on the original text for masking (so the span masked is the one written).
 * A term of several words matches any whitespace between them.
 */
import { leetView, joinedView, plainView } from "./deobfuscate";
import type { SensitiveWord } from "./guard-config";

export interface WordHit {
  term: string;
  action: SensitiveWord["action"];
  start: number;
  end: number;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const compiled = new WeakMap<readonly SensitiveWord[], { word: SensitiveWord; re: RegExp; folded: RegExp }[]>();

function patterns(words: readonly SensitiveWord[]) {
  let p = compiled.get(words);
  if (!p) {
    p = words.map((word) => {
      const parts = word.term.split(" ").map(escape);
      const plainParts = plainView(word.term).split(" ").map(escape);
      return {
        word,
        re: new RegExp(`(?<![\\p{L}\\p{N}])${parts.join("\\s+")}(?![\\p{L}\\p{N}])`, "giu"),
        folded: new RegExp(`(?<![\\p{L}\\p{N}])${plainParts.join("\\s+")}(?![\\p{L}\\p{N}])`, "iu"),
      };
    });
    compiled.set(words, p);
  }
  return p;
}

const fold = (s: string) => s.normalize("NFKD").replace(/[\u0300-\u036f]/g, "");

/** Hits of the dictionary in `text` (spans in `text`); a block term found only in a deobfuscated view has no span (-1). */
export function findSensitiveWords(text: string, words: readonly SensitiveWord[]): WordHit[] {
  if (!words.length) return [];
  const hits: WordHit[] = [];
  const folded = fold(text);
  const plain = plainView(text);
  const views = [plain, leetView(plain), joinedView(plain)];
  for (const { word, re, folded: fre } of patterns(words)) {
    let found = false;
    // NFKD folding keeps offsets only when it changes no length; otherwise match the original.
    const target = folded.length === text.length ? folded : text;
    for (const m of target.matchAll(re)) {
      hits.push({ term: word.term, action: word.action, start: m.index, end: m.index + m[0].length });
      found = true;
    }
    if (!found && word.action === "block" && views.some((v) => fre.test(v))) hits.push({ term: word.term, action: "block", start: -1, end: -1 });
  }
  return hits.sort((a, b) => a.start - b.start);
}

/** `text` with every mask (and block) hit that has a span replaced by asterisks. */
export function maskWords(text: string, hits: readonly WordHit[]): string {
  let out = text;
  for (const h of [...hits].filter((h) => h.start >= 0).sort((a, b) => b.start - a.start)) {
    out = out.slice(0, h.start) + "*".repeat(h.end - h.start) + out.slice(h.end);
  }
  return out;
}
