/**
 * The views of a text the pattern rules read, so that an attack written to slip past a plain regex is seen in
 * at least one of them:
 *
 *   plain     NFKC, invisible and bidi characters removed (zero-width, joiners, soft hyphen, LRM/RLM, embeddings
 *             and isolates U+202A-202E / U+2066-2069, Unicode tag characters), homoglyphs folded to Latin
 *             (Cyrillic and Greek look-alikes, full-width forms via NFKC), accents folded, lower case, any run of
 *             punctuation used as a separator inside a word removed ("ig-nore", "ign.ore"), whitespace collapsed
 *   leet      plain with digits and symbols inside letter words read as letters (1gn0r3 -> ignore, @ -> a)
 *   joined    runs of single characters separated by spaces or punctuation joined ("i g n o r e" -> "ignore")
 *   decoded   each base64, base32-free hex, percent-encoded or \\u-escaped run that decodes to readable text; the
 *             text with rot13 applied; the text reversed
 * Views are computed lazily and only the ones that differ from `plain` are returned. Each carries its kind, so a
 * match says how the attack was hidden (recorded as the violation's rule suffix, e.g. `override@base64`).
 */

export type ViewKind = "plain" | "leet" | "joined" | "base64" | "hex" | "url" | "escape" | "rot13" | "reversed";

export interface TextView {
  kind: ViewKind;
  text: string;
}

/** Zero-width, joiners, soft hyphen, bidi controls, BOM, word joiner, invisible operators, tag characters, variation selectors. */
const INVISIBLE = /[\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0]|\uDB40[\uDC00-\uDDEF]/g;

/** True when the text carries characters that have no business in a customer message (bidi overrides, tag characters). */
export const hasHiddenControls = (text: string): boolean => /[\u202A-\u202E\u2066-\u2069]|\uDB40[\uDC00-\uDC7F]/.test(text);

/** Look-alike letters folded to the Latin letter they imitate (Cyrillic, Greek, Armenian, a few symbols). */
const HOMOGLYPHS: Record<string, string> = {
  а: "a", б: "b", в: "b", е: "e", ё: "e", з: "3", и: "u", й: "u", к: "k", м: "m", н: "h", о: "o", п: "n", р: "p", с: "c", т: "t",
  у: "y", х: "x", ѕ: "s", і: "i", ї: "i", ј: "j", ԁ: "d", ԛ: "q", ԝ: "w", ү: "y", һ: "h", ӏ: "l", ո: "n", ս: "u", օ: "o",
  α: "a", β: "b", γ: "y", ε: "e", η: "n", ι: "i", κ: "k", ν: "v", ο: "o", ρ: "p", τ: "t", υ: "u", χ: "x", ω: "w", ϲ: "c", ϳ: "j",
  ɑ: "a", ɡ: "g", ɩ: "i", ʀ: "r", ʏ: "y", ᴀ: "a", ᴄ: "c", ᴅ: "d", ᴇ: "e", ᴋ: "k", ᴍ: "m", ᴏ: "o", ᴘ: "p", ᴛ: "t", ᴜ: "u", ᴠ: "v", ᴡ: "w", ᴢ: "z",
  "ı": "i", ł: "l", đ: "d", ø: "o", ß: "ss", æ: "ae", œ: "oe",
};
const HOMOGLYPH_RE = new RegExp(`[${Object.keys(HOMOGLYPHS).join("")}]`, "g");

const LEET: Record<string, string> = { "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g", "@": "a", $: "s", "!": "i", "|": "l", "+": "t", "€": "e", "£": "l" };

/** The `plain` view (see the file comment). */
export function plainView(text: string): string {
  return text
    .normalize("NFKC")
    .replace(INVISIBLE, "")
    .toLowerCase()
    .replace(HOMOGLYPH_RE, (c) => HOMOGLYPHS[c]!)
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/(?<=\p{L})[._\-*~^`'’]+(?=\p{L})/gu, "")
    .replace(/\s+/g, " ")
    .trim();
}

/** Digits and symbols inside a word that has letters too, read as letters ("1gn0r3" -> "ignore"); pure numbers stay. */
export function leetView(plain: string): string {
  return plain.replace(/[\p{L}\d@$!|+€£]+/gu, (w) => (/\p{L}/u.test(w) && /[\d@$!|+€£]/.test(w) ? [...w].map((c) => LEET[c] ?? c).join("") : w));
}

/**
 * Letters written one by one joined into words: "i g n o r e" -> "ignore", "i.g.n.o.r.e" -> "ignore". Reads the
 * text before whitespace is collapsed: single letters separated by one space (or one of . - _ / | ,) join, and a
 * wider gap (two spaces and more) separates words, as a spaced-out attack writes them.
 */
export function joinedView(text: string): string {
  return text
    .replace(/(?<![\p{L}\d])(?:[\p{L}\d](?: |[.\-_/|,] ?)){3,}[\p{L}\d](?![\p{L}\d])/gu, (run) => run.replace(/[ .\-_/|,]/g, ""))
    .replace(/\s+/g, " ");
}

export function rot13(s: string): string {
  return s.replace(/[a-z]/gi, (c) => {
    const base = c <= "Z" ? 65 : 97;
    return String.fromCharCode(((c.charCodeAt(0) - base + 13) % 26) + base);
  });
}

/** Text that reads as language: mostly letters and spaces, with at least one space and few control characters. */
function readable(s: string): boolean {
  if (s.length < 6) return false;
  let letters = 0;
  let bad = 0;
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (/[\p{L}\s]/u.test(ch)) letters++;
    else if (c < 32 && c !== 10 && c !== 13 && c !== 9) bad++;
    else if (c === 0xfffd) bad++;
  }
  return bad === 0 && letters / s.length >= 0.7 && /\s/.test(s);
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
const decodeBytes = (b: Uint8Array): string | undefined => {
  try {
    return utf8.decode(b);
  } catch {
    return undefined;
  }
};

function fromBase64(run: string): string | undefined {
  const clean = run.replace(/-/g, "+").replace(/_/g, "/");
  if (clean.length < 12 || !/[A-Z]/.test(clean) || !/[a-z0-9+/]/.test(clean)) return undefined;
  try {
    const padded = clean + "=".repeat((4 - (clean.length % 4)) % 4);
    return decodeBytes(Uint8Array.from(atob(padded), (c) => c.charCodeAt(0)));
  } catch {
    return undefined;
  }
}

function fromHex(run: string): string | undefined {
  const hex = run.replace(/^0x/i, "").replace(/[\s:\\x]/gi, "");
  if (hex.length < 12 || hex.length % 2) return undefined;
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return decodeBytes(bytes);
}

const BASE64_RUN = /[A-Za-z0-9+/_-]{12,}={0,2}/g;
const HEX_RUN = /(?:(?:\\x|0x)?[0-9a-f]{2}[\s:]?){6,}/gi;
const URL_RUN = /(?:%[0-9a-f]{2}[^%\s]{0,3}){4,}/gi;
const ESCAPE_RUN = /(?:\\u[0-9a-f]{4}|\\x[0-9a-f]{2}|&#x?[0-9a-f]+;)(?:[^\\&]{0,2}(?:\\u[0-9a-f]{4}|\\x[0-9a-f]{2}|&#x?[0-9a-f]+;)){3,}/gi;

function decodedRuns(text: string, re: RegExp, decode: (run: string) => string | undefined): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(re)) {
    const d = decode(m[0].trim());
    if (d !== undefined && readable(d)) out.push(d);
    if (out.length >= 8) break;
  }
  return out;
}

const unescapeRun = (run: string): string =>
  run
    .replace(/\\u([0-9a-f]{4})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)))
    .replace(/\\x([0-9a-f]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)))
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(Math.min(0x10ffff, parseInt(h, 16))))
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Math.min(0x10ffff, Number(d))));

/** Words that announce a transformed text: rot13 and reversed views are made for long texts only when one is present. */
const TRANSFORM_HINT = /rot ?13|caesar|cipher|revers|backward|decode|decipher|decrypt|encoded|mirror/i;

/**
 * Every view of `text` that differs from its plain view, the plain one first. At most `maxChars` of the text are
 * read. `cheap`: views are only made where the text shows a sign of them (digits inside words for leet, single
 * letters in a row for joined, a word such as "rot13" or "backwards" for rot13 and reversed), for scanning long
 * documents; a message gets every view.
 */
export function textViews(text: string, maxChars = 20_000, cheap = false): TextView[] {
  const raw = text.length > maxChars ? text.slice(0, maxChars) : text;
  const plain = plainView(raw);
  const views: TextView[] = [{ kind: "plain", text: plain }];
  const seen = new Set([plain]);
  const add = (kind: ViewKind, t: string) => {
    const p = kind === "plain" ? t : plainView(t);
    if (p && !seen.has(p)) (seen.add(p), views.push({ kind, text: p }));
  };
  const leety = !cheap || /\p{L}[\d@$!|+€£]|[\d@$!|+€£]\p{L}/u.test(plain);
  if (leety) add("leet", leetView(plain));
  const noInvisible = raw.normalize("NFKC").replace(INVISIBLE, "");
  if (!cheap || /(?:^|\s)(?:\S[ .\-_/|,]){3}\S(?:\s|$)/.test(noInvisible)) {
    const lower = noInvisible.toLowerCase().replace(HOMOGLYPH_RE, (c) => HOMOGLYPHS[c]!);
    add("joined", joinedView(lower));
    if (leety) add("joined", leetView(joinedView(lower)));
  }
  // Percent-encoding spread over the text (not only in runs): decode the whole text.
  if ((noInvisible.match(/%[0-9a-f]{2}/gi) ?? []).length >= 3) {
    try {
      add("url", decodeURIComponent(noInvisible.replace(/\+/g, " ")));
    } catch {
      // not valid percent-encoding
    }
  }
  for (const d of decodedRuns(noInvisible, BASE64_RUN, fromBase64)) add("base64", d);
  for (const d of decodedRuns(noInvisible, HEX_RUN, fromHex)) add("hex", d);
  for (const d of decodedRuns(noInvisible, URL_RUN, (r) => { try { return decodeURIComponent(r); } catch { return undefined; } })) add("url", d);
  for (const d of decodedRuns(noInvisible, ESCAPE_RUN, unescapeRun)) add("escape", d);
  if (!cheap || TRANSFORM_HINT.test(plain)) {
    add("rot13", rot13(plain));
    add("reversed", [...plain].reverse().join(""));
  }
  return views;
}
