/**
 * A deliberately small Markdown reader for the sample manual: headings, paragraphs, bullet and numbered
 * lists, pipe tables, and **bold** / *italic* inline runs. It is what build-manual.ts lays out into a PDF;
 * it is not a general Markdown parser.
 */

export type RunStyle = "regular" | "bold" | "italic";

export interface TextRun {
  text: string;
  style: RunStyle;
}

export type ManualBlock =
  | { kind: "heading"; level: 1 | 2 | 3; text: string }
  | { kind: "paragraph"; runs: TextRun[] }
  | { kind: "list"; ordered: boolean; items: TextRun[][] }
  | { kind: "table"; header: string[]; rows: string[][] };

/** Splits one line of Markdown inline text into styled runs (`**bold**`, `*italic*`). */
export function parseInline(text: string): TextRun[] {
  const runs: TextRun[] = [];
  const pattern = /\*\*(.+?)\*\*|\*(.+?)\*/g;
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    const start = match.index ?? 0;
    if (start > last) runs.push({ text: text.slice(last, start), style: "regular" });
    if (match[1] !== undefined) runs.push({ text: match[1], style: "bold" });
    else runs.push({ text: match[2] ?? "", style: "italic" });
    last = start + match[0].length;
  }
  if (last < text.length) runs.push({ text: text.slice(last), style: "regular" });
  return runs.filter((run) => run.text.length > 0);
}

/** Plain text of a list of runs (markers removed). */
export function runsText(runs: TextRun[]): string {
  return runs.map((run) => run.text).join("");
}

function splitRow(line: string): string[] {
  return line
    .trim()
    .replace(/^\|/, "")
    .replace(/\|$/, "")
    .split("|")
    .map((cell) => cell.trim());
}

const isSeparatorRow = (line: string): boolean => /^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$/.test(line.trim());

/** Parses the manual's Markdown into blocks, in document order. */
export function parseManualMarkdown(markdown: string): ManualBlock[] {
  const lines = markdown.replace(/\r\n?/g, "\n").split("\n");
  const blocks: ManualBlock[] = [];
  let paragraph: string[] = [];
  let list: { ordered: boolean; items: TextRun[][] } | null = null;

  const flush = (): void => {
    if (paragraph.length > 0) {
      blocks.push({ kind: "paragraph", runs: parseInline(paragraph.join(" ")) });
      paragraph = [];
    }
    if (list) {
      blocks.push({ kind: "list", ordered: list.ordered, items: list.items });
      list = null;
    }
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const trimmed = line.trim();
    if (trimmed === "") {
      flush();
      continue;
    }
    const heading = /^(#{1,3})\s+(.+)$/.exec(trimmed);
    if (heading) {
      flush();
      blocks.push({ kind: "heading", level: (heading[1] ?? "#").length as 1 | 2 | 3, text: heading[2] ?? "" });
      continue;
    }
    if (trimmed.startsWith("|") && isSeparatorRow(lines[i + 1] ?? "")) {
      flush();
      const header = splitRow(trimmed);
      const rows: string[][] = [];
      i += 2;
      while (i < lines.length && (lines[i] ?? "").trim().startsWith("|")) {
        rows.push(splitRow(lines[i] ?? ""));
        i++;
      }
      i--;
      blocks.push({ kind: "table", header, rows });
      continue;
    }
    const bullet = /^[-*]\s+(.+)$/.exec(trimmed);
    const numbered = /^\d+\.\s+(.+)$/.exec(trimmed);
    const item = bullet ?? numbered;
    if (item) {
      const ordered = numbered !== null && bullet === null;
      if (paragraph.length > 0 || (list && list.ordered !== ordered)) flush();
      if (!list) list = { ordered, items: [] };
      list.items.push(parseInline(item[1] ?? ""));
      continue;
    }
    if (list) {
      // A continuation line of the previous list item.
      const items = list.items;
      const lastItem = items[items.length - 1];
      if (lastItem) items[items.length - 1] = [...lastItem, ...parseInline(` ${trimmed}`)];
      continue;
    }
    paragraph.push(trimmed);
  }
  flush();
  return blocks;
}
