/**
 * Personal data in free text: detection with checks that keep ordinary words and codes out, and redaction.
 *
 *   email       local@domain.tld
 *   card        13-19 digits (spaces or dashes between groups) passing the Luhn check, with a known card prefix
 *   iban        two letters, two check digits, 11-30 letters/digits (spaces every four allowed), ISO 13616 mod-97 == 1
 *               and the country's length where it is in the table
 *   phone       an international number (+ and 8-15 digits) or a national one with separators and 10-11 digits;
 *               never digits glued to letters (order numbers such as VM-100251, SKUs, product codes)
 *   ssn         US social security number ddd-dd-dddd (not 000/666/9xx, group not 00, serial not 0000)
 *   nino        UK national insurance number (two letters of the allowed set, six digits, A-D)
 *   dni         Spanish DNI / NIE: eight digits (or X/Y/Z + seven) and the check letter of mod 23
 *
 * Nothing here matches words ("individual", "yes"), order numbers with a letter prefix, ISO dates, prices or
 * SKUs. Redaction replaces each span with its kind in brackets ("[EMAIL]"), so the text keeps its shape.
 */

export const PII_KINDS = ["email", "card", "iban", "phone", "ssn", "nino", "dni"] as const;
export type PiiKind = (typeof PII_KINDS)[number];

export interface PiiMatch {
  kind: PiiKind;
  start: number;
  end: number;
}

const EMAIL = /(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*\.[A-Za-z]{2,24}(?![\w-])/g;
const CARD = /(?<![\w-])(?:\d[ -]?){12,18}\d(?![\w-])/g;
const IBAN = /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?(?![A-Za-z0-9])/g;
const PHONE = /(?<![\w-])(?:\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]?\d{2,4}){1,4}|\(?\d{3,5}\)?[ .-]\d{3,4}[ .-]\d{3,4}|0\d{3,4} ?\d{6,7})(?![\w-])/g;
const SSN = /(?<![\w-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\w-])/g;
const NINO = /(?<![A-Za-z0-9])(?![DFIQUV])[A-CEGHJ-PR-TW-Z](?![DFIOQUV])[A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D](?![A-Za-z0-9])/g;
const DNI = /(?<![A-Za-z0-9])[XYZ0-9]\d{7}-?[A-Z](?![A-Za-z0-9])/g;

const IBAN_LENGTHS: Record<string, number> = {
  AD: 24, AT: 20, BE: 16, BG: 22, CH: 21, CY: 28, CZ: 24, DE: 22, DK: 18, EE: 20, ES: 24, FI: 18, FR: 27, GB: 22, GR: 27,
  HR: 21, HU: 28, IE: 22, IS: 26, IT: 27, LI: 21, LT: 20, LU: 20, LV: 21, MC: 27, MT: 31, NL: 18, NO: 15, PL: 28, PT: 25,
  RO: 24, SE: 24, SI: 19, SK: 24, SM: 27, TR: 26, AE: 23, SA: 24, IL: 23, BR: 29, MU: 30, QA: 29,
};

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) (d *= 2), d > 9 && (d -= 9);
    sum += d;
  }
  return sum % 10 === 0;
}

/** Visa, Mastercard (51-55, 2221-2720), Amex, Discover, Diners, JCB, UnionPay, Maestro prefixes. */
const cardPrefix = (d: string) => /^(?:4|5[1-5]|2(?:2[2-9]|[3-6]\d|7[01]|720)|3[47]|6(?:011|5|4[4-9]|22)|3(?:0[0-5]|[68])|35|62|5[06-8]|6\d)/.test(d);

export function ibanValid(raw: string): boolean {
  const s = raw.replace(/ /g, "").toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(s)) return false;
  const len = IBAN_LENGTHS[s.slice(0, 2)];
  if (len !== undefined && s.length !== len) return false;
  const moved = s.slice(4) + s.slice(0, 4);
  let rem = 0;
  for (const ch of moved) {
    const v = ch >= "A" ? String(ch.charCodeAt(0) - 55) : ch;
    for (const c of v) rem = (rem * 10 + (c.charCodeAt(0) - 48)) % 97;
  }
  return rem === 1;
}

export function dniValid(raw: string): boolean {
  const s = raw.replace("-", "").toUpperCase();
  const num = s.slice(0, 8).replace(/^X/, "0").replace(/^Y/, "1").replace(/^Z/, "2");
  if (!/^\d{8}$/.test(num)) return false;
  return "TRWAGMYFPDXBNJZSQVHLCKE"[Number(num) % 23] === s[8];
}

function collect(text: string, re: RegExp, kind: PiiKind, ok: (m: string) => boolean, out: PiiMatch[]): void {
  for (const m of text.matchAll(re)) {
    const start = m.index;
    const end = start + m[0].length;
    if (out.some((o) => start < o.end && end > o.start)) continue;
    if (ok(m[0])) out.push({ kind, start, end });
  }
}

const digitsOf = (s: string) => s.replace(/\D/g, "");

/** Every PII span in `text`, in order, non-overlapping; `kinds` limits the detectors (default all). */
export function detectPii(text: string, kinds: readonly PiiKind[] = PII_KINDS): PiiMatch[] {
  const on = new Set(kinds);
  const out: PiiMatch[] = [];
  if (on.has("email") && text.includes("@")) collect(text, EMAIL, "email", () => true, out);
  if (on.has("iban")) collect(text, IBAN, "iban", ibanValid, out);
  if (on.has("card")) collect(text, CARD, "card", (m) => { const d = digitsOf(m); return d.length >= 13 && d.length <= 19 && cardPrefix(d) && luhnValid(d); }, out);
  if (on.has("ssn")) collect(text, SSN, "ssn", () => true, out);
  if (on.has("nino")) collect(text, NINO, "nino", () => true, out);
  if (on.has("dni")) collect(text, DNI, "dni", dniValid, out);
  if (on.has("phone")) {
    collect(text, PHONE, "phone", (m) => {
      const d = digitsOf(m);
      if (m.startsWith("+")) return d.length >= 8 && d.length <= 15;
      // National: 10-11 digits with separators (not a date or a plain run of digits such as an amount).
      return d.length >= 10 && d.length <= 11 && /[ .()-]/.test(m) && !/^\d{4}-\d{2}-\d{2}/.test(m);
    }, out);
  }
  return out.sort((a, b) => a.start - b.start);
}

export const redactionToken = (kind: PiiKind) => `[${kind.toUpperCase()}]`;

/** `text` with each span replaced by its redaction token. */
export function redact(text: string, spans: readonly { start: number; end: number; kind: PiiKind }[]): string {
  let out = "";
  let at = 0;
  for (const s of [...spans].sort((a, b) => a.start - b.start)) {
    if (s.start < at) continue;
    out += text.slice(at, s.start) + redactionToken(s.kind);
    at = s.end;
  }
  return out + text.slice(at);
}

export const redactPii = (text: string, kinds?: readonly PiiKind[]): { text: string; found: PiiMatch[] } => {
  const found = detectPii(text, kinds);
  return { text: found.length ? redact(text, found) : text, found };
};
