/**
 * JSON loader. Accepted forms: an array of {title, text, url?}, or {pages: [{url, title, text}]} (a crawl export).
 * Each item becomes a section with headingPath [title]; item URLs are kept in metadata.sources (aligned with
 * sections). Syntax errors give 422 JSON_MALFORMED with line/column; wrong shapes 422 JSON_SHAPE naming the item.
 */
import { errors } from "../../core/errors";
import { normalizeText } from "../../core/text";
import type { LoadedDocument, LoadedSection } from "../types";
import { sectionList, type TextLimit } from "./text-limit";
import { locateJsonError } from "./json-error";

const FORMS = "an array of {title, text, url?} or an object {pages: [{url, title, text}]}";

export interface JsonSource {
  title: string;
  url?: string;
}

function parseJson(source: string): unknown {
  try {
    return JSON.parse(source);
  } catch (e) {
    const loc = locateJsonError(source);
    const where = loc ? `at line ${loc.line}, column ${loc.column} (position ${loc.position}): ${loc.reason}` : `: ${(e as Error).message}`;
    throw errors.invalid("JSON_MALFORMED", `invalid JSON ${where}`, loc ? { line: loc.line, column: loc.column, position: loc.position } : undefined);
  }
}

function typeName(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  // Only the shape is named, never the content (a fetched URL's JSON may hold anything).
  if (typeof v === "object") {
    const n = Object.keys(v).length;
    return n ? `an object with ${n} ${n === 1 ? "key" : "keys"} and no 'pages' array` : "an empty object";
  }
  return `a ${typeof v}`;
}

function shapeError(message: string, details?: Record<string, unknown>) {
  return errors.invalid("JSON_SHAPE", `${message}; accepted forms: ${FORMS}`, details);
}

export function loadJson(source: string, filename?: string, limit?: TextLimit): LoadedDocument {
  const data = parseJson(source);
  let items: unknown[];
  let label: string;
  let docTitle: string | undefined;
  if (Array.isArray(data)) {
    items = data;
    label = "item";
  } else if (data && typeof data === "object" && Array.isArray((data as { pages?: unknown }).pages)) {
    items = (data as { pages: unknown[] }).pages;
    label = "pages";
    const t = (data as { title?: unknown; site?: unknown }).title ?? (data as { site?: unknown }).site;
    if (typeof t === "string" && t.trim()) docTitle = t.trim();
  } else {
    const hint = data && typeof data === "object" && "pages" in data ? " ('pages' must be an array)" : "";
    throw shapeError(`the JSON top level is ${typeName(data)}${hint}`);
  }
  if (items.length === 0) throw errors.invalid("EMPTY_DOCUMENT", `the JSON ${label === "pages" ? "pages array" : "array"} is empty`);

  const sections = sectionList(limit);
  const sources: JsonSource[] = [];
  items.forEach((item, index) => {
    const where = label === "pages" ? `pages[${index}]` : `item ${index} (0-based)`;
    if (!item || typeof item !== "object" || Array.isArray(item)) {
      throw shapeError(`${where} is ${typeName(item)}, expected an object with title and text`, { index });
    }
    const { title, text, url } = item as Record<string, unknown>;
    if (typeof title !== "string" || !title.trim()) {
      throw shapeError(`${where} has no 'title' string (got ${typeName(title)})`, { index, field: "title" });
    }
    if (typeof text !== "string") throw shapeError(`${where} has no 'text' string (got ${typeName(text)})`, { index, field: "text" });
    if (url !== undefined && url !== null && typeof url !== "string") {
      throw shapeError(`${where} has a 'url' that is ${typeName(url)}, expected a string`, { index, field: "url" });
    }
    const body = normalizeText(text);
    if (!body) return;
    const heading = title.replace(/\s+/g, " ").trim();
    sections.push({ text: body, headingPath: [heading] });
    sources.push(typeof url === "string" && url.trim() ? { title: heading, url: url.trim() } : { title: heading });
  });

  const title = docTitle ?? (sections.length === 1 ? sections[0]!.headingPath[0]! : undefined) ?? filename ?? "JSON documents";
  return { title, mimeType: "application/json", format: "json", sections, metadata: { sources } };
}
