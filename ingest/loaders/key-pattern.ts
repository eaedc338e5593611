/**
 * The shape of a table's keys as a regular expression, learned from the keys themselves: "VM-100201",
 * "VM-100262" -> `VM-\d{6,8}`. A personal table (orders) stores it in its metadata so that the answer pipeline
 * recognises an order number in a message by the table's own key format, for any tenant's format, and
 * recognises a made-up number of the same shape exactly like a real one (nothing tells which exists).
 *
 * A key is cut into runs: letters, digits, and single other characters. Keys with the same run types and
 * separators form one shape; a letter run that is the same in every key of the shape stays literal (a prefix
 * such as "VM" or "ORD"), other runs become character classes with the lengths seen (digit runs allow two more
 * digits, for numbers that grow). No pattern when the keys are not regular enough to recognise in free text:
 * more than MAX_SHAPES shapes for 90% of the keys, no digit, or only digits (a bare number is not an order
 * number on its own).
 */

type Run = { kind: "L" | "D"; text: string } | { kind: "S"; text: string };

const MAX_SHAPES = 3;
const COVERAGE = 0.9;

function runsOf(key: string): Run[] | undefined {
  const runs: Run[] = [];
  for (const m of key.matchAll(/\p{L}+|\d+|[^\p{L}\d]/gu)) {
    const t = m[0];
    if (/\s/.test(t)) return undefined;
    runs.push(/\d/.test(t) ? { kind: "D", text: t } : /\p{L}/u.test(t) ? { kind: "L", text: t } : { kind: "S", text: t });
  }
  return runs;
}

/** Escapes what the `u` flag lets be escaped (a "-" outside a class must stay bare). */
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
const signature = (runs: Run[]) => runs.map((r) => (r.kind === "S" ? r.text : r.kind)).join("");
const count = (min: number, max: number) => (min === max ? `{${min}}` : `{${min},${max}}`);

function shapeSource(keys: Run[][]): string {
  return keys[0]!
    .map((run, i) => {
      const texts = keys.map((k) => k[i]!.text);
      if (run.kind === "S") return escape(run.text);
      const lens = texts.map((t) => t.length);
      const [min, max] = [Math.min(...lens), Math.max(...lens)];
      if (run.kind === "D") return `\\d${count(min, max + 2)}`;
      const upper = new Set(texts.map((t) => t.toUpperCase()));
      return upper.size === 1 ? escape(texts[0]!) : `\\p{L}${count(min, max)}`;
    })
    .join("");
}

/** The regular expression source (unanchored, for the `iu` flags) matching keys of this shape, or undefined. */
export function keyPattern(keys: readonly string[]): string | undefined {
  const groups = new Map<string, Run[][]>();
  let total = 0;
  for (const key of keys) {
    const runs = runsOf(key.trim());
    if (!runs?.length) continue;
    total++;
    const sig = signature(runs);
    groups.set(sig, [...(groups.get(sig) ?? []), runs]);
  }
  if (total === 0) return undefined;
  const ranked = [...groups.entries()].sort((a, b) => b[1].length - a[1].length);
  const chosen: Run[][][] = [];
  let covered = 0;
  for (const [sig, members] of ranked) {
    if (covered >= COVERAGE * total) break;
    if (!sig.includes("D") || !/[^D]/.test(sig)) continue;
    chosen.push(members);
    covered += members.length;
  }
  if (!chosen.length || chosen.length > MAX_SHAPES || covered < COVERAGE * total) return undefined;
  const sources = chosen.map(shapeSource);
  return sources.length === 1 ? sources[0]! : `(?:${sources.join("|")})`;
}

/** The keys of this shape a text names (upper-cased, unique, in order). A bad stored pattern matches nothing. */
export function keysIn(text: string, pattern: string): string[] {
  let re: RegExp;
  try {
    re = new RegExp(`(?<![\\p{L}\\d_-])${pattern}(?![\\p{L}\\d_]|-[\\p{L}\\d])`, "giu");
  } catch {
    return [];
  }
  return [...new Set([...text.matchAll(re)].map((m) => m[0].toUpperCase()))];
}
