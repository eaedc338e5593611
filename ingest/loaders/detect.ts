/**
 * Format detection for uploaded files: extension, declared MIME type and magic bytes decide which loader runs.
 * Unknown or binary inputs are rejected here with a clear AppError before any parser sees them.
 */
import { errors } from "../../core/errors";
import { decodeText } from "./charset";

export { decodeText } from "./charset";

export type DocumentFormat = "pdf" | "markdown" | "html" | "text" | "json" | "csv";

export interface DetectInput {
  bytes: Uint8Array;
  filename?: string;
  mimeType?: string;
}

/** The canonical MIME type recorded for each format. */
export const FORMAT_MIME: Record<DocumentFormat, string> = {
  pdf: "application/pdf",
  markdown: "text/markdown",
  html: "text/html",
  text: "text/plain",
  json: "application/json",
  csv: "text/csv",
};

const EXTENSIONS: Record<string, DocumentFormat> = {
  pdf: "pdf",
  md: "markdown",
  markdown: "markdown",
  mdown: "markdown",
  mkd: "markdown",
  html: "html",
  htm: "html",
  xhtml: "html",
  txt: "text",
  text: "text",
  log: "text",
  json: "json",
  csv: "csv",
  tsv: "csv",
};

/** The format a file extension (without the dot) names, if it is a supported one. */
export const formatOfExtension = (ext: string): DocumentFormat | undefined => EXTENSIONS[ext.toLowerCase()];

const MIMES: Record<string, DocumentFormat> = {
  "application/pdf": "pdf",
  "application/x-pdf": "pdf",
  "text/markdown": "markdown",
  "text/x-markdown": "markdown",
  "text/html": "html",
  "application/xhtml+xml": "html",
  "text/plain": "text",
  "application/json": "json",
  "text/json": "json",
  "text/csv": "csv",
  "application/csv": "csv",
  "text/tab-separated-values": "csv",
};

/** Human-readable list used in error messages. */
export const SUPPORTED_TYPES = "PDF (.pdf), Markdown (.md), HTML (.html, .htm), plain text (.txt), JSON (.json), CSV (.csv, .tsv)";

/** Magic numbers of common binary formats we refuse (zip covers docx/xlsx/pptx/odt). */
const BINARY_MAGIC: Array<[string, number[]]> = [
  ["ZIP archive (docx/xlsx/odt)", [0x50, 0x4b, 0x03, 0x04]],
  ["PNG image", [0x89, 0x50, 0x4e, 0x47]],
  ["JPEG image", [0xff, 0xd8, 0xff]],
  ["GIF image", [0x47, 0x49, 0x46, 0x38]],
  ["executable", [0x4d, 0x5a]],
  ["ELF executable", [0x7f, 0x45, 0x4c, 0x46]],
  ["gzip archive", [0x1f, 0x8b]],
  ["legacy Office document", [0xd0, 0xcf, 0x11, 0xe0]],
];

const startsWith = (bytes: Uint8Array, magic: number[]) => magic.every((b, i) => bytes[i] === b);

/** True when "%PDF-" appears in the first 1 KB (the spec tolerates leading junk). */
export function hasPdfMagic(bytes: Uint8Array): boolean {
  const end = Math.min(bytes.length - 4, 1024);
  for (let i = 0; i < end; i++) {
    if (bytes[i] === 0x25 && bytes[i + 1] === 0x50 && bytes[i + 2] === 0x44 && bytes[i + 3] === 0x46 && bytes[i + 4] === 0x2d) return true;
  }
  return false;
}

/** True when the input has no bytes or only whitespace (ASCII whitespace, optionally behind a UTF-8 BOM). */
export function isBlank(bytes: Uint8Array): boolean {
  let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  for (; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c) return false;
  }
  return true;
}

/** Mostly binary: NUL bytes or a high share of C0 control bytes in the first 64 KB. */
export function looksBinary(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 65536);
  if (n === 0) return false;
  let nul = 0;
  let control = 0;
  for (let i = 0; i < n; i++) {
    const b = bytes[i]!;
    if (b === 0) nul++;
    else if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c && b !== 0x1b) control++;
  }
  return nul / n > 0.01 || (nul + control) / n > 0.1;
}

/** "utf-16le" / "utf-16be" when the bytes start with a UTF-16 byte-order mark (Excel "Unicode text" exports). */
function utf16Encoding(bytes: Uint8Array): "utf-16le" | "utf-16be" | undefined {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return "utf-16le";
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return "utf-16be";
  return undefined;
}

export function extensionOf(filename?: string): string | undefined {
  if (!filename) return undefined;
  const base = filename.split(/[\\/]/).pop() ?? "";
  const dot = base.lastIndexOf(".");
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : undefined;
}

/** File name without directory and extension ("data/Orders.csv" -> "Orders"). */
export function baseName(filename?: string): string | undefined {
  if (!filename) return undefined;
  const base = filename.split(/[\\/]/).pop() ?? "";
  const dot = base.lastIndexOf(".");
  const stem = dot > 0 ? base.slice(0, dot) : base;
  return stem.trim() || undefined;
}

const unsupported = (what: string) =>
  errors.unsupported("UNSUPPORTED_TYPE", `${what} is not a supported document type; supported types: ${SUPPORTED_TYPES}`);

/** Guesses the format of text content that came without a usable name or MIME type. */
function sniffText(bytes: Uint8Array): DocumentFormat {
  const head = decodeText(bytes.subarray(0, 4096)).trimStart();
  if (/^(<!doctype html|<html[\s>]|<head[\s>]|<body[\s>])/i.test(head)) return "html";
  if (/^[[{]/.test(head)) return "json";
  if (/^(---\n|#{1,6} )/m.test(head.slice(0, 200)) || /^#{1,6} \S/m.test(head)) return "markdown";
  return "text";
}

/**
 * Decides the loader for an input. Throws 422 EMPTY_DOCUMENT for empty input, 422 PDF_CORRUPT for a file that
 * claims to be a PDF without the %PDF- header, and 415 UNSUPPORTED_TYPE for binary or unknown types.
 */
export function detectFormat(input: DetectInput): DocumentFormat {
  const { bytes } = input;
  if (isBlank(bytes)) throw errors.invalid("EMPTY_DOCUMENT", "the document is empty (no content to ingest)");
  const ext = extensionOf(input.filename);
  const mime = input.mimeType?.split(";")[0]?.trim().toLowerCase();
  const byExt = ext ? EXTENSIONS[ext] : undefined;
  const byMime = mime ? MIMES[mime] : undefined;

  if (hasPdfMagic(bytes)) return "pdf";
  if (byExt === "pdf" || (!byExt && byMime === "pdf")) {
    throw errors.invalid("PDF_CORRUPT", "the file claims to be a PDF but has no %PDF- header; it is corrupt or not a PDF");
  }
  for (const [name, magic] of BINARY_MAGIC) {
    if (startsWith(bytes, magic)) throw unsupported(`${input.filename ?? "the upload"} (${name})`);
  }
  if (ext && !byExt) throw unsupported(`'.${ext}' (${input.filename})`);
  if (!utf16Encoding(bytes) && looksBinary(bytes)) throw unsupported(`${input.filename ?? "the upload"} (binary content)`);
  if (byExt) return byExt;
  if (byMime) return byMime;
  if (mime && mime !== "application/octet-stream") throw unsupported(`'${mime}'`);
  return sniffText(bytes);
}
