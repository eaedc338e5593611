/**
 * HTML loader built on Bun's HTMLRewriter (lol-html, streaming, no DOM): script/style/nav/footer and hidden
 * elements are skipped, every h1-h6 builds the heading path (also an accordion heading whose text sits in a
 * <button>, a heading left unclosed, an image-only heading by its alt text), block elements become paragraphs,
 * lists become "- " lines, tables become one line per row (html-table.ts: "Column: value; Column: value" under a
 * header row, else "a | b"), entities are decoded. Title from <title>, else the first h1.
 */
import type { LoadedDocument, LoadedSection } from "../types";
import { sectionList, type TextLimit } from "./text-limit";
import { HeadingTrail } from "./headings";
import { decodeEntities } from "./html-entities";
import { HtmlTable } from "./html-table";

const SKIP =
  "script, style, noscript, template, svg, math, nav, footer, iframe, object, canvas, select, button, title, [hidden], [aria-hidden=true]";
const BLOCKS =
  "p, div, section, article, main, aside, header, blockquote, dl, dt, dd, figure, figcaption, address, details, summary, form, fieldset, legend, ul, ol, table, caption, hr, center";
const NOT_IN_HEADING = new Set(["p", "ul", "ol", "dl", "table", "blockquote", "hr"]);
/** Marks a hard line break inside a paragraph (collapsed whitespace never contains it). */
const NL = "\u0001";

interface State {
  skip: number;
  pre: number;
  heading: number;
  headingBuf: string;
  buf: string;
  /** Whether `buf` has non-space text (kept instead of trimming the growing buffer for every list item). */
  filled: boolean;
  paragraphs: string[];
  sections: LoadedSection[];
  path: string[];
  title: string;
  titleOpen: boolean;
  titleSeen: boolean;
  firstH1?: string;
  /** Open tables, innermost last; text inside a cell goes to that cell. */
  tables: HtmlTable[];
  /** Ends the open heading (a new heading or the end of input closes one whose end tag never came). */
  closeHeading?: () => void;
}

function clean(raw: string): string {
  return decodeEntities(raw)
    .replace(/\s+/g, " ")
    .split(NL)
    .map((l) => l.trim())
    .filter(Boolean)
    .join("\n");
}

/** Runs fn when the element closes; elements that cannot have an end tag (void) run it at once. */
function onEnd(el: HTMLRewriterTypes.Element, fn: () => void): void {
  try {
    el.onEndTag(() => fn());
  } catch {
    fn();
  }
}

export function loadHtml(source: string, filename?: string, limit?: TextLimit): LoadedDocument {
  const s: State = {
    skip: 0, pre: 0, heading: 0, headingBuf: "", buf: "", filled: false, paragraphs: [], sections: sectionList(limit), path: [],
    title: "", titleOpen: false, titleSeen: false, tables: [],
  };
  const table = () => s.tables[s.tables.length - 1];
  const put = (text: string) => {
    s.buf += text;
    if (!s.filled && /\S/.test(text)) s.filled = true;
  };
  const setBuf = (text: string) => {
    s.buf = text;
    s.filled = /\S/.test(text);
  };
  /** Appends text where it belongs: the open heading, else the open table cell, else the paragraph. */
  const emit = (text: string) => {
    if (s.heading) s.headingBuf += text;
    else if (table()?.inCell) table()!.text(text);
    else put(text);
  };
  const flushParagraph = () => {
    const text = clean(s.buf);
    if (text === "-") return; // a list marker waiting for its item's text (<li><p>..</p></li>)
    if (text) s.paragraphs.push(text);
    setBuf("");
  };
  const flushSection = () => {
    flushParagraph();
    if (s.paragraphs.length) s.sections.push({ text: s.paragraphs.join("\n\n"), headingPath: s.path });
    s.paragraphs = [];
  };
  const trail = new HeadingTrail();

  const rewriter = new HTMLRewriter()
    .on(SKIP, {
      element(el) {
        // One end-tag handler per element: a second onEndTag would replace the first.
        // A heading's own text is content even inside a <button> (the WAI-ARIA accordion pattern: <h2><button>).
        if (el.tagName === "button" && s.heading > 0) return;
        const isTitle = el.tagName === "title" && s.skip === 0 && !s.titleSeen;
        if (isTitle) s.titleOpen = true;
        s.skip++;
        onEnd(el, () => {
          s.skip--;
          if (isTitle) {
            s.titleOpen = false;
            s.titleSeen = true;
          }
        });
      },
    })
    .on("h1, h2, h3, h4, h5, h6", {
      element(el) {
        if (s.skip > 0) return;
        // A heading start tag closes a heading still open (as the HTML parser does): its end tag never came.
        s.closeHeading?.();
        flushParagraph();
        const level = Number(el.tagName.slice(1));
        s.heading = level;
        s.headingBuf = "";
        let closed = false;
        const close = () => {
          if (closed) return;
          closed = true;
          s.closeHeading = undefined;
          const title = clean(s.headingBuf).replace(/\n/g, " ");
          s.heading = 0;
          s.headingBuf = "";
          if (!title) return;
          flushSection();
          s.path = trail.push(title, level);
          if (level === 1) s.firstH1 ??= title;
        };
        s.closeHeading = close;
        onEnd(el, close);
      },
    })
    .on(BLOCKS, {
      element(el) {
        if (s.skip > 0) return;
        // Paragraphs, lists and tables are never part of a heading: one starting inside it means </hN> is missing.
        if (s.heading && NOT_IN_HEADING.has(el.tagName)) s.closeHeading?.();
        if (el.tagName === "table") {
          // A table inside a cell is rendered as that cell's text.
          flushParagraph();
          s.tables.push(new HtmlTable());
          onEnd(el, () => {
            const text = s.tables.pop()!.render();
            if (table()?.inCell) table()!.text(` ${text.replace(/\n/g, "; ")} `);
            else if (text) {
              flushParagraph();
              setBuf(text.replace(/\n/g, NL));
              flushParagraph();
            }
          });
          return;
        }
        if (table()?.inCell) {
          table()!.text(" ");
          return onEnd(el, () => table()?.text(" "));
        }
        flushParagraph();
        onEnd(el, flushParagraph);
      },
    })
    .on("thead", {
      element(el) {
        if (s.skip > 0 || !table()) return;
        table()!.inHead = true;
        onEnd(el, () => void (table() && (table()!.inHead = false)));
      },
    })
    .on("img[alt]", {
      element(el) {
        // An image-only heading (a logo or a banner) is named by its alt text.
        if (s.skip === 0 && s.heading) s.headingBuf += ` ${el.getAttribute("alt") ?? ""} `;
      },
    })
    .on("pre", {
      element(el) {
        if (s.skip > 0) return;
        flushParagraph();
        s.pre++;
        onEnd(el, () => {
          flushParagraph();
          s.pre--;
        });
      },
    })
    .on("br", {
      element() {
        if (s.skip > 0) return;
        if (s.heading || table()?.inCell) emit(" ");
        else put(NL);
      },
    })
    .on("li", {
      element() {
        if (s.skip > 0) return;
        if (table()?.inCell) table()!.text(" ");
        else put((s.filled ? NL : "") + "- ");
      },
    })
    .on("tr", {
      element() {
        if (s.skip === 0) table()?.startRow();
      },
    })
    .on("td, th", {
      element(el) {
        if (s.skip > 0 || !table()) return;
        const t = table()!;
        const span = Number.parseInt(el.getAttribute("colspan") ?? "1", 10);
        t.startCell(el.tagName === "th", Number.isFinite(span) ? span : 1);
        onEnd(el, () => t.endCell());
      },
    })
    .onDocument({
      text(t) {
        if (s.titleOpen) s.title += t.text;
        if (s.skip > 0) return;
        emit(s.pre > 0 ? t.text.replace(/\n/g, NL) : t.text);
      },
    });

  rewriter.transform(source);
  s.closeHeading?.();
  while (s.tables.length) {
    const text = s.tables.shift()!.render(); // a table left unclosed at the end of input
    flushParagraph();
    setBuf(text.replace(/\n/g, NL));
  }
  flushSection();
  const title = clean(s.title).replace(/\n/g, " ") || s.firstH1 || filename || "Untitled page";
  return { title, mimeType: "text/html", format: "html", sections: s.sections };
}
