import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage } from "pdf-lib";
import { parseInline, runsText, type ManualBlock, type RunStyle, type TextRun } from "./manual-markdown.ts";

/**
 * Lays out parsed manual blocks on US Letter pages with pdf-lib's standard (WinAnsi) fonts: a cover page made
 * of everything before the first "##" heading, a contents page, then the body with wrapped text, bold headings,
 * bullet/numbered lists, ruled tables and "Page N of M" footers.
 */
export interface ManualPdfOptions {
  title: string;
  author: string;
  subject?: string;
  keywords?: string[];
  /** Fixed creation date so rebuilding an unchanged manual gives identical bytes. */
  date: Date;
}

export interface ManualPdfResult {
  bytes: Uint8Array;
  pageCount: number;
  /** Every "##" and "###" heading with the 1-based page it starts on. */
  headings: { level: number; text: string; page: number }[];
  /** Characters outside WinAnsi that had to be replaced with "?". */
  replacedChars: number;
}

const PAGE: [number, number] = [612, 792];
const MARGIN = { left: 62, right: 62, top: 68, bottom: 70 };
const WIDTH = PAGE[0] - MARGIN.left - MARGIN.right;
const BODY = { size: 10, leading: 14.5 };
const TABLE = { size: 9.5, leading: 12.5, padX: 5, padY: 3 };
const HEADING: Record<number, { size: number; before: number; after: number }> = {
  1: { size: 26, before: 0, after: 14 },
  2: { size: 15, before: 20, after: 9 },
  3: { size: 12, before: 12, after: 5 },
};
const GRAY = rgb(0.45, 0.45, 0.45);
const RULE = rgb(0.75, 0.75, 0.75);
const ACCENT = rgb(0.05, 0.33, 0.62);

const REPLACEMENTS: Record<string, string> = {
  "\u2013": "-", "\u2014": "-", "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
  "\u2026": "...", "\u00a0": " ", "\u00d7": "x", "\u2265": ">=", "\u2264": "<=", "\u2192": "->",
};

interface Token {
  text: string;
  style: RunStyle;
  space: boolean;
}

export async function renderManualPdf(blocks: ManualBlock[], options: ManualPdfOptions): Promise<ManualPdfResult> {
  const doc = await PDFDocument.create();
  const fonts: Record<RunStyle, PDFFont> = {
    regular: await doc.embedFont(StandardFonts.Helvetica),
    bold: await doc.embedFont(StandardFonts.HelveticaBold),
    italic: await doc.embedFont(StandardFonts.HelveticaOblique),
  };
  const charset = new Set(fonts.regular.getCharacterSet());
  let replacedChars = 0;
  const clean = (text: string): string =>
    Array.from(text.replace(/[\u2013\u2014\u2018\u2019\u201c\u201d\u2026\u00a0\u00d7\u2265\u2264\u2192]/g, (c) => REPLACEMENTS[c] ?? c))
      .map((c) => (charset.has(c.codePointAt(0) ?? 0) ? c : (replacedChars++, "?")))
      .join("");
  const width = (text: string, style: RunStyle, size: number): number => fonts[style].widthOfTextAtSize(text, size);

  const firstSection = blocks.findIndex((b) => b.kind === "heading" && b.level === 2);
  const coverBlocks = firstSection < 0 ? blocks : blocks.slice(0, firstSection);
  const bodyBlocks = firstSection < 0 ? [] : blocks.slice(firstSection);
  const cover = doc.addPage(PAGE);
  const contents = doc.addPage(PAGE);
  const headings: ManualPdfResult["headings"] = [];

  let page: PDFPage = cover;
  let y = 0;
  const newPage = (): void => {
    page = doc.addPage(PAGE);
    y = PAGE[1] - MARGIN.top;
  };
  const ensure = (height: number): void => {
    if (y - height < MARGIN.bottom) newPage();
  };

  /** Splits runs into words and greedily fills lines no wider than maxWidth. */
  const wrap = (runs: TextRun[], maxWidth: number, size: number): Token[][] => {
    const tokens: Token[] = [];
    let pendingSpace = false;
    for (const run of runs) {
      for (const piece of clean(run.text).split(/(\s+)/)) {
        if (piece === "") continue;
        if (/^\s+$/.test(piece)) pendingSpace = true;
        else {
          tokens.push({ text: piece, style: run.style, space: pendingSpace });
          pendingSpace = false;
        }
      }
    }
    const lines: Token[][] = [];
    let line: Token[] = [];
    let lineWidth = 0;
    for (const token of tokens) {
      const spaceWidth = token.space && line.length > 0 ? width(" ", token.style, size) : 0;
      const tokenWidth = width(token.text, token.style, size);
      if (line.length > 0 && lineWidth + spaceWidth + tokenWidth > maxWidth) {
        lines.push(line);
        line = [{ ...token, space: false }];
        lineWidth = tokenWidth;
      } else {
        line.push(line.length === 0 ? { ...token, space: false } : token);
        lineWidth += spaceWidth + tokenWidth;
      }
    }
    if (line.length > 0) lines.push(line);
    return lines;
  };

  /** Draws one wrapped line; consecutive tokens of the same style are drawn as one string. */
  const drawLine = (target: PDFPage, tokens: Token[], x: number, baseline: number, size: number): void => {
    let cursor = x;
    let i = 0;
    while (i < tokens.length) {
      const style = tokens[i]?.style ?? "regular";
      let text = "";
      while (i < tokens.length && tokens[i]?.style === style) {
        const token = tokens[i] as Token;
        text += (token.space ? " " : "") + token.text;
        i++;
      }
      target.drawText(text, { x: cursor, y: baseline, size, font: fonts[style] });
      cursor += width(text, style, size);
    }
  };

  const drawParagraph = (runs: TextRun[], indent = 0, marker?: string): void => {
    const lines = wrap(runs, WIDTH - indent, BODY.size);
    lines.forEach((line, index) => {
      ensure(BODY.leading);
      if (index === 0 && marker) page.drawText(marker, { x: MARGIN.left + indent - 14, y: y - BODY.size, size: BODY.size, font: fonts.regular });
      drawLine(page, line, MARGIN.left + indent, y - BODY.size, BODY.size);
      y -= BODY.leading;
    });
  };

  const drawHeading = (level: number, text: string): void => {
    const spec = HEADING[level] ?? HEADING[3]!;
    const lines = wrap([{ text, style: "bold" }], WIDTH, spec.size);
    const height = spec.before + lines.length * spec.size * 1.25 + spec.after;
    ensure(height + 3 * BODY.leading); // keep the heading with its first lines
    if (y < PAGE[1] - MARGIN.top) y -= spec.before;
    for (const line of lines) {
      drawLine(page, line, MARGIN.left, y - spec.size, spec.size);
      y -= spec.size * 1.25;
    }
    if (level === 2) page.drawLine({ start: { x: MARGIN.left, y: y + 2 }, end: { x: MARGIN.left + WIDTH, y: y + 2 }, thickness: 0.8, color: ACCENT });
    y -= spec.after;
    if (level >= 2) headings.push({ level, text: clean(text), page: doc.getPageCount() });
  };

  const drawTable = (header: string[], rows: string[][]): void => {
    const columns = header.length;
    const cell = (row: string[], c: number): string => clean(runsText(parseInline(row[c] ?? "")));
    const all = [header, ...rows];
    const natural = Array.from({ length: columns }, (_, c) =>
      Math.max(...all.map((row, r) => width(cell(row, c), r === 0 ? "bold" : "regular", TABLE.size))) + 2 * TABLE.padX);
    const minimum = Array.from({ length: columns }, (_, c) =>
      Math.max(...all.flatMap((row) => cell(row, c).split(/\s+/).map((w) => width(w, "bold", TABLE.size)))) + 2 * TABLE.padX);
    const naturalSum = natural.reduce((a, b) => a + b, 0);
    const minSum = minimum.reduce((a, b) => a + b, 0);
    const widths = naturalSum <= WIDTH
      ? natural.map((w) => (w / naturalSum) * WIDTH)
      : minimum.map((m, c) => m + ((natural[c]! - m) / Math.max(naturalSum - minSum, 1)) * (WIDTH - minSum));
    const drawRow = (row: string[], style: RunStyle): void => {
      const wrapped = widths.map((w, c) => wrap([{ text: cell(row, c), style }], w - 2 * TABLE.padX, TABLE.size));
      const height = Math.max(...wrapped.map((lines) => lines.length)) * TABLE.leading + 2 * TABLE.padY;
      if (y - height < MARGIN.bottom) {
        newPage();
        if (style !== "bold") drawRow(header, "bold");
      }
      if (style === "bold") page.drawRectangle({ x: MARGIN.left, y: y - height, width: WIDTH, height, color: rgb(0.92, 0.94, 0.97) });
      let x = MARGIN.left;
      wrapped.forEach((lines, c) => {
        lines.forEach((line, l) => drawLine(page, line, x + TABLE.padX, y - TABLE.padY - TABLE.size - l * TABLE.leading + 1, TABLE.size));
        x += widths[c]!;
      });
      page.drawLine({ start: { x: MARGIN.left, y: y - height }, end: { x: MARGIN.left + WIDTH, y: y - height }, thickness: 0.5, color: RULE });
      y -= height;
    };
    ensure(TABLE.leading * 3);
    y -= 4;
    page.drawLine({ start: { x: MARGIN.left, y }, end: { x: MARGIN.left + WIDTH, y }, thickness: 0.5, color: RULE });
    drawRow(header, "bold");
    for (const row of rows) drawRow(row, "regular");
    y -= 10;
  };

  const drawBlock = (block: ManualBlock): void => {
    if (block.kind === "heading") drawHeading(block.level, block.text);
    else if (block.kind === "table") drawTable(block.header, block.rows);
    else if (block.kind === "list") {
      block.items.forEach((item, index) => drawParagraph(item, 20, block.ordered ? `${index + 1}.` : "\u2022"));
      y -= 6;
    } else {
      drawParagraph(block.runs);
      y -= 7;
    }
  };

  // Cover: title block centred vertically in the upper half.
  y = PAGE[1] - 220;
  page.drawRectangle({ x: 0, y: PAGE[1] - 120, width: PAGE[0], height: 120, color: ACCENT });
  page.drawText("Voltmart", { x: MARGIN.left, y: PAGE[1] - 75, size: 28, font: fonts.bold, color: rgb(1, 1, 1) });
  for (const block of coverBlocks) drawBlock(block);

  // Body.
  newPage();
  for (const block of bodyBlocks) drawBlock(block);

  // Contents page, now that every section's page is known.
  y = PAGE[1] - MARGIN.top;
  page = contents;
  drawHeading(2, "Contents");
  headings.pop();
  for (const heading of headings) {
    const indent = heading.level === 2 ? 0 : 18;
    const style: RunStyle = heading.level === 2 ? "bold" : "regular";
    const number = String(heading.page);
    const baseline = y - BODY.size;
    page.drawText(heading.text, { x: MARGIN.left + indent, y: baseline, size: BODY.size, font: fonts[style] });
    page.drawText(number, { x: MARGIN.left + WIDTH - width(number, style, BODY.size), y: baseline, size: BODY.size, font: fonts[style] });
    y -= heading.level === 2 ? BODY.leading + 2 : BODY.leading - 1;
  }

  // Footers on every page but the cover.
  const pageCount = doc.getPageCount();
  doc.getPages().forEach((p, index) => {
    if (index === 0) return;
    const label = `Page ${index + 1} of ${pageCount}`;
    p.drawLine({ start: { x: MARGIN.left, y: 52 }, end: { x: MARGIN.left + WIDTH, y: 52 }, thickness: 0.5, color: RULE });
    p.drawText(clean(options.title), { x: MARGIN.left, y: 38, size: 8.5, font: fonts.regular, color: GRAY });
    p.drawText(label, { x: MARGIN.left + WIDTH - width(label, "regular", 8.5), y: 38, size: 8.5, font: fonts.regular, color: GRAY });
  });

  doc.setTitle(options.title, { showInWindowTitleBar: true });
  doc.setAuthor(options.author);
  if (options.subject) doc.setSubject(options.subject);
  if (options.keywords) doc.setKeywords(options.keywords);
  doc.setCreator("ingest/sample-kb/build-manual.ts");
  doc.setProducer("pdf-lib");
  doc.setCreationDate(options.date);
  doc.setModificationDate(options.date);
  const bytes = await doc.save();
  return { bytes, pageCount, headings, replacedChars };
}
