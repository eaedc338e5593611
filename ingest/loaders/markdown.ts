/**
 * Markdown loader: sections split at ATX headings (# .. ######) with their heading path; YAML front matter is
 * stripped (its title used); images and HTML comments are removed, links keep their text, lists, tables and code
 * blocks stay as text.
 */
import type { LoadedDocument, LoadedSection } from "../types";
import { sectionList, type TextLimit } from "./text-limit";
import { HeadingTrail } from "./headings";

const ATX = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;

export interface FrontMatter {
  body: string;
  title?: string;
  fields: Record<string, string>;
}

/** Removes a leading YAML front-matter block and reads its flat `key: value` fields. */
export function splitFrontMatter(source: string): FrontMatter {
  const m = /^(?:\uFEFF)?---[ \t]*\r?\n([\s\S]*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|$)/.exec(source);
  if (!m) return { body: source, fields: {} };
  const fields: Record<string, string> = {};
  for (const line of m[1]!.split(/\r?\n/)) {
    const kv = /^([A-Za-z_][\w-]*)\s*:\s*(.*)$/.exec(line);
    if (kv && kv[2]) fields[kv[1]!.toLowerCase()] = kv[2].trim().replace(/^(["'])(.*)\1$/, "$2");
  }
  return { body: source.slice(m[0].length), title: fields.title || undefined, fields };
}

/** Inline clean-up: images removed, links reduced to their text, emphasis markers and escapes dropped. */
export function cleanInline(line: string): string {
  return line
    .replace(/!\[[^\]]*\]\([^)]*\)/g, "")
    .replace(/!\[[^\]]*\]\[[^\]]*\]/g, "")
    .replace(/<img\b[^>]*>/gi, "")
    .replace(/\[([^\]]+)\]\((?:[^()\s]|\([^)]*\))*(?:\s+"[^"]*")?\)/g, "$1")
    .replace(/\[([^\]]+)\]\[[^\]]*\]/g, "$1")
    .replace(/<((?:https?|mailto):[^>\s]+)>/g, "$1")
    .replace(/(\*\*|__)(?=\S)(.+?)(?<=\S)\1/g, "$2")
    .replace(/<\/?(br|span|b|i|em|strong|u|sup|sub|kbd)\b[^>]*>/gi, "")
    .replace(/\\([\\`*_{}[\]()#+\-.!|])/g, "$1");
}

/** Strips HTML comments (also multi-line) outside code. */
function stripComments(text: string): string {
  return text.replace(/<!--[\s\S]*?-->/g, "");
}

export function loadMarkdown(source: string, filename?: string, limit?: TextLimit): LoadedDocument {
  const front = splitFrontMatter(source);
  const lines = stripComments(front.body).split(/\r?\n/);
  const trail = new HeadingTrail();
  const sections = sectionList(limit);
  let firstHeading: string | undefined;
  let firstH1: string | undefined;
  let path: string[] = [];
  let buf: string[] = [];
  let fence: string | undefined;

  const flush = () => {
    const text = buf.join("\n").replace(/\n{3,}/g, "\n\n").trim();
    if (text) sections.push({ text, headingPath: path });
    buf = [];
  };

  for (const line of lines) {
    const f = FENCE.exec(line);
    if (fence) {
      buf.push(line);
      if (f && f[1]![0] === fence[0] && f[1]!.length >= fence.length && !line.trim().slice(f[1]!.length).trim()) fence = undefined;
      continue;
    }
    if (f) {
      fence = f[1]!;
      buf.push(line);
      continue;
    }
    const h = ATX.exec(line);
    if (h) {
      const title = cleanInline(h[2] ?? "").trim();
      if (!title) continue;
      flush();
      const level = h[1]!.length;
      path = trail.push(title, level);
      firstHeading ??= title;
      if (level === 1) firstH1 ??= title;
      continue;
    }
    if (/^\s*\[[^\]]+\]:\s*\S+/.test(line)) continue; // link reference definitions
    buf.push(cleanInline(line).replace(/[ \t]+$/, ""));
  }
  flush();

  const title = front.title ?? firstH1 ?? firstHeading ?? filename ?? "Untitled document";
  const metadata = Object.keys(front.fields).length ? { frontMatter: front.fields } : undefined;
  return { title, mimeType: "text/markdown", format: "markdown", sections, ...(metadata ? { metadata } : {}) };
}
