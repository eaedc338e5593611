/**
 * Entity resolution by form: the key two spellings of one entity share. Case, accents and punctuation are
 * folded ("USB-C", "usb c"), plural nouns are singular ("VoltBook laptops" = "VoltBook laptop"), a leading
 * article is dropped ("the Voltmart Protect plan" = "Voltmart Protect plan"). Codes and numbers stay verbatim.
 * Abbreviations are matched by `acronymOf` (graph/entity-resolver.ts records them as aliases).
 */
import { foldForMatch } from "../core/text/normalize";

const LEADING = new Set(["the", "a", "an", "our", "your", "this", "that", "these", "those", "its", "their", "my"]);
/** Words whose trailing s is not a plural. */
const NOT_PLURAL = /(ss|us|is|as|ics|ous|sis)$/;

/** The singular of an English noun (generic rules, not fitted to any data). */
export function singular(word: string): string {
  if (word.length <= 2 || /\d/.test(word) || NOT_PLURAL.test(word)) return word;
  if (/[^aeiou]ies$/.test(word)) return `${word.slice(0, -3)}y`;
  if (/(ches|shes|xes|zzes|sses)$/.test(word)) return word.slice(0, -2);
  if (word.endsWith("s") && !word.endsWith("'s")) return word.slice(0, -1);
  return word;
}

/** The words of a name as the key sees them. */
export function keyWords(name: string): string[] {
  const words = foldForMatch(name)
    .replace(/['’]s\b/g, "")
    .split(/[^\p{L}\p{N}.+#]+/u)
    .map((w) => w.replace(/^\.+|\.+$/g, ""))
    .filter(Boolean);
  while (words.length > 1 && LEADING.has(words[0]!)) words.shift();
  return words.map(singular);
}

/** The resolution key of a name: "VoltBook Laptops" -> "voltbook-laptop"; "" when it has no word. */
export function entityKey(name: string): string {
  return keyWords(name).join("-");
}

/** The initials of a name of two or more words, for abbreviation matching ("Return Merchandise Authorization" -> "rma"). */
export function acronymOf(name: string): string | undefined {
  const words = foldForMatch(name).split(/[^\p{L}\p{N}]+/u).filter((w) => w && !["of", "and", "for", "the", "to"].includes(w));
  if (words.length < 2 || words.some((w) => /^\d/.test(w))) return undefined;
  return words.map((w) => w[0]).join("");
}

/** A name that is itself an abbreviation: 2-6 capitals (digits allowed after the first), e.g. RMA, ANC, SSD. */
export const isAbbreviation = (name: string): boolean => /^[A-Z][A-Z0-9]{1,5}$/.test(name) && /[A-Z].*[A-Z]/.test(name);
