/**
 * Plain-text loader: paragraphs are blocks separated by blank lines; hard-wrapped paragraphs are unwrapped; a
 * standalone heading-like line (or a line underlined with === / ---) starts a new section. Title: the first
 * short line, else the file name.
 */
import type { LoadedDocument, LoadedSection } from "../types";
import { sectionList, type TextLimit } from "./text-limit";
import { detectHeading, HeadingTrail } from "./headings";

const UNDERLINE = /^(={3,}|-{3,})\s*$/;

/** Joins the lines of a hard-wrapped paragraph (every line but the last is long); other blocks keep their lines. */
export function unwrap(lines: string[]): string {
  const wrapped = lines.length > 1 && lines.slice(0, -1).every((l) => l.length >= 50) && !lines.some((l) => /^\s*([-*•]|\d+[.)])\s/.test(l));
  if (!wrapped) return lines.join("\n");
  // A word hyphenated at a line end ("ex-" + "change") is joined without the hyphen, otherwise lines join with a
  // space. Only the last few characters decide, so they are tested (not the whole text joined so far, which made
  // long wrapped blocks quadratic).
  const parts = [lines[0]!];
  let tail = lines[0]!.slice(-4);
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i]!;
    if (/\p{L}-$/u.test(tail) && /^\p{Ll}/u.test(l)) {
      parts[parts.length - 1] = parts[parts.length - 1]!.slice(0, -1);
      tail = (tail.slice(0, -1) + l).slice(-4);
    } else {
      parts.push(" ");
      tail = (tail + " " + l).slice(-4);
    }
    parts.push(l);
  }
  return parts.join("");
}

function titleCandidate(blocks: string[][]): string | undefined {
  const first = blocks[0]?.[0]?.trim();
  if (!first || first.length > 100 || first.split(/\s+/).length > 14) return undefined;
  if (/[.,;]$/.test(first) && first.split(/\s+/).length > 6) return undefined;
  return first;
}

export function loadText(source: string, filename?: string, limit?: TextLimit): LoadedDocument {
  const blocks = source
    .split(/\n[ \t]*\n/)
    .map((b) => b.split("\n").map((l) => l.trimEnd()).filter((l) => l.trim()))
    .filter((b) => b.length > 0);

  const trail = new HeadingTrail();
  const sections = sectionList(limit);
  let path: string[] = [];
  let paragraphs: string[] = [];
  const flush = () => {
    if (paragraphs.length) sections.push({ text: paragraphs.join("\n\n"), headingPath: path });
    paragraphs = [];
  };
  const startSection = (title: string, level: number) => {
    flush();
    path = trail.push(title, level);
  };

  for (const block of blocks) {
    // A setext-style heading: "Title" followed by "=====" or "-----".
    if (block.length >= 2 && UNDERLINE.test(block[1]!) && block[0]!.trim().length <= 90) {
      startSection(block[0]!.trim(), block[1]!.trim().startsWith("=") ? 1 : 2);
      if (block.length > 2) paragraphs.push(unwrap(block.slice(2)));
      continue;
    }
    if (block.length === 1) {
      const h = detectHeading(block[0]!);
      if (h) {
        startSection(h.title, h.level);
        continue;
      }
    }
    paragraphs.push(unwrap(block));
  }
  flush();

  const title = titleCandidate(blocks) ?? filename ?? "Untitled document";
  return { title, mimeType: "text/plain", format: "text", sections };
}
