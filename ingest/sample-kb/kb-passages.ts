import { parse } from "csv-parse/sync";

/**
 * Splits one sample knowledge-base file into the passages a reader would cite: a Markdown or HTML section
 * (heading plus body), one FAQ item, or one CSV row. Used by check-questions.ts to make sure the facts a
 * question expects really sit together in one passage of its source file. Text is lowercased with markup
 * removed and whitespace collapsed, so a fact matches however the file wraps or emphasises it.
 */

export const normalizePassage = (text: string): string => text.replace(/\s+/g, " ").trim().toLowerCase();

const ENTITIES: Record<string, string> = {
  amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " ", rsaquo: ">", lsaquo: "<", copy: "(c)", mdash: "-", ndash: "-",
};

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name.startsWith("#x") || name.startsWith("#X")) return String.fromCodePoint(Number.parseInt(name.slice(2), 16));
    if (name.startsWith("#")) return String.fromCodePoint(Number.parseInt(name.slice(1), 10));
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/** Markdown: one passage per heading section; emphasis markers and table pipes are dropped. */
export function markdownPassages(markdown: string): string[] {
  const sections: string[][] = [[]];
  for (const line of markdown.replace(/\r\n?/g, "\n").split("\n")) {
    if (/^#{1,6}\s/.test(line)) sections.push([]);
    sections[sections.length - 1]?.push(line);
  }
  return sections
    .map((lines) => lines.join("\n").replace(/^#{1,6}\s+/gm, "").replace(/\*\*?/g, "").replace(/^\|?[\s|:-]+\|?$/gm, "").replace(/\|/g, " "))
    .map(normalizePassage)
    .filter((text) => text.length > 0);
}

/** The visible text of an HTML page (scripts and styles removed), one passage per h1-h6 section. */
export function htmlPassages(html: string): string[] {
  const marker = "\u0000section\u0000";
  const body = html
    .replace(/<!--[\s\S]*?-->/g, " ")
    .replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, " ")
    .replace(/<h[1-6]\b/gi, (tag) => `${marker}${tag}`)
    .replace(/<\/(p|li|tr|td|th|h[1-6]|div|section|caption)>/gi, " ")
    .replace(/<[^>]+>/g, "");
  return decodeEntities(body)
    .split(marker)
    .map(normalizePassage)
    .filter((text) => text.length > 0);
}

/** FAQ JSON ([{title, text, url}]): one passage per item. */
export function faqPassages(json: string): string[] {
  const items: unknown = JSON.parse(json);
  if (!Array.isArray(items)) throw new Error("faq.json must hold an array of {title, text, url}");
  return items.map((item: { title?: unknown; text?: unknown }) => normalizePassage(`${String(item.title ?? "")}\n${String(item.text ?? "")}`));
}

/** CSV: one passage per row, written as "column: value" pairs so the passage names what each value is. */
export function csvPassages(csv: string): string[] {
  const rows = parse(csv, { columns: true, skip_empty_lines: true }) as Record<string, string>[];
  return rows.map((row) => normalizePassage(Object.entries(row).map(([column, value]) => `${column}: ${value}`).join("; ")));
}

/** Passages of one knowledge-base file, chosen by its extension. */
export function splitPassages(filename: string, content: string): string[] {
  const extension = filename.slice(filename.lastIndexOf(".") + 1).toLowerCase();
  switch (extension) {
    case "md":
      return markdownPassages(content);
    case "html":
    case "htm":
      return htmlPassages(content);
    case "json":
      return faqPassages(content);
    case "csv":
      return csvPassages(content);
    default:
      return [normalizePassage(content)];
  }
}
