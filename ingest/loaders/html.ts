/**
 * HTML loader built on Bun's HTMLRewriter (lol-html, streaming, no DOM): script/style/nav/footer and hidden
 * elements are skipped, h1-h6 build the heading path, block elements become paragraphs, lists become "- " lines,
 * table rows become "a | b" lines, entities are decoded. Title from <title>, else the first h1.
 */
import type { LoadedDocument, LoadedSection } from "../types";
import { sectionList, type TextLimit } from "./text-limit";
import { HeadingTrail } from "./headings";
import { decodeEntities } from "./html-entities";

const SKIP =
  "script, style, noscript, template, svg, math, nav, footer, iframe, object, canvas, select, button, title, [hidden], [aria-hidden=true]";
const BLOCKS =
  "p, div, section, article, main, aside, header, blockquote, dl, dt, dd, figure, figcaption, address, details, summary, form, fieldset, legend, ul, ol, table, caption, hr, center";
/** Marks a hard line break inside a paragraph (collapsed whitespace never contains it). */
const NL = "\u0001";

interface State {
  skip: number;
  pre: number;
  heading: number;
  headingBuf: string;
  buf: string;
  /** buf has a non-whitespace character (kept as a flag: trimming the growing buffer at every row was quadratic). */
  filled: boolean;
  paragraphs: string[];
  sections: LoadedSection[];
  path: string[];
  title: string;
  titleOpen: boolean;
  titleSeen: boolean;
  firstH1?: string;
  cellIndex: number;
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
    title: "", titleOpen: false, titleSeen: false, cellIndex: 0,
  };
  const flushParagraph = () => {
    const text = clean(s.buf);
    if (text === "-") return; // a list marker waiting for its item's text (<li><p>..</p></li>)
    if (text) s.paragraphs.push(text);
    s.buf = "";
    s.filled = false;
  };
  const put = (text: string) => {
    s.buf += text;
    if (!s.filled && /\S/.test(text)) s.filled = true;
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
        flushParagraph();
        const level = Number(el.tagName.slice(1));
        s.heading = level;
        s.headingBuf = "";
        onEnd(el, () => {
          const title = clean(s.headingBuf).replace(/\n/g, " ");
          s.heading = 0;
          if (!title) return;
          flushSection();
          s.path = trail.push(title, level);
          if (level === 1) s.firstH1 ??= title;
        });
      },
    })
    .on(BLOCKS, {
      element(el) {
        if (s.skip > 0) return;
        flushParagraph();
        onEnd(el, flushParagraph);
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
    .on("br", { element: () => void (s.skip === 0 && put(NL)) })
    .on("li", {
      element() {
        if (s.skip === 0) put((s.filled ? NL : "") + "- ");
      },
    })
    .on("tr", {
      element() {
        if (s.skip > 0) return;
        s.cellIndex = 0;
        if (s.filled) put(NL);
      },
    })
    .on("td, th", {
      element() {
        if (s.skip === 0 && s.cellIndex++ > 0) put(" | ");
      },
    })
    .onDocument({
      text(t) {
        if (s.titleOpen) s.title += t.text;
        if (s.skip > 0) return;
        const text = s.pre > 0 ? t.text.replace(/\n/g, NL) : t.text;
        if (s.heading) s.headingBuf += text;
        else put(text);
      },
    });

  rewriter.transform(source);
  flushSection();
  const title = clean(s.title).replace(/\n/g, " ") || s.firstH1 || filename || "Untitled page";
  return { title, mimeType: "text/html", format: "html", sections: s.sections };
}
