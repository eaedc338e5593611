/**
 * Charset detection for text inputs (plain text, Markdown, HTML, CSV, JSON), in this order:
 *   1. a byte-order mark (UTF-8, UTF-16 LE/BE) decides;
 *   2. bytes that are valid UTF-8 and contain non-ASCII sequences are UTF-8, whatever a declaration says (a page
 *      saved as UTF-8 that still declares iso-8859-1 is a common mistake; real single-byte text is almost never
 *      valid UTF-8);
 *   3. a declaration in the first 1024 bytes: <meta charset="...">, <meta http-equiv="Content-Type"
 *      content="...; charset=..."> or <?xml ... encoding="..."?>, when TextDecoder knows the label;
 *   4. mostly UTF-8 with a few broken bytes (more valid multi-byte sequences than invalid bytes) is UTF-8, the
 *      broken bytes become U+FFFD;
 *   5. otherwise windows-1252 (the WHATWG decoder for "latin1" / "iso-8859-1" labels, a superset of latin-1).
 */

export type CharsetSource = "bom" | "utf-8" | "declared" | "fallback";

export interface CharsetInfo {
  /** A TextDecoder label, e.g. "utf-8", "utf-16le", "windows-1252", "iso-8859-2". */
  encoding: string;
  source: CharsetSource;
  /** Bytes to skip before decoding (a BOM). */
  bomLength: number;
}

interface Utf8Scan {
  /** Complete, well-formed multi-byte sequences. */
  multibyte: number;
  /** Bytes that start no well-formed sequence. */
  invalid: number;
  /** The input ends inside a multi-byte sequence. */
  truncated: boolean;
}

/** Length of a well-formed UTF-8 sequence at i (RFC 3629: no overlongs, no surrogates, <= U+10FFFF), else 0. */
function sequenceLength(b: Uint8Array, i: number): number {
  const c = b[i]!;
  const cont = (k: number) => i + k < b.length && (b[i + k]! & 0xc0) === 0x80;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    const c1 = b[i + 1];
    if (c1 === undefined || (c === 0xe0 && c1 < 0xa0) || (c === 0xed && c1 > 0x9f)) return 0;
    return cont(1) && cont(2) ? 3 : 0;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    const c1 = b[i + 1];
    if (c1 === undefined || (c === 0xf0 && c1 < 0x90) || (c === 0xf4 && c1 > 0x8f)) return 0;
    return cont(1) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

/** Expected length of the sequence a lead byte starts (0 when it is no lead byte). */
function leadLength(c: number): number {
  if (c >= 0xc2 && c <= 0xdf) return 2;
  if (c >= 0xe0 && c <= 0xef) return 3;
  if (c >= 0xf0 && c <= 0xf4) return 4;
  return 0;
}

/** Counts well-formed multi-byte sequences and invalid bytes; a sequence cut off by the end of input is not invalid. */
export function scanUtf8(bytes: Uint8Array): Utf8Scan {
  let multibyte = 0;
  let invalid = 0;
  let truncated = false;
  for (let i = 0; i < bytes.length; ) {
    if (bytes[i]! < 0x80) {
      i++;
      continue;
    }
    const n = sequenceLength(bytes, i);
    if (n > 0) {
      multibyte++;
      i += n;
      continue;
    }
    const want = leadLength(bytes[i]!);
    // A truncated final sequence (a file or a sniffing window cut mid-character) is not evidence against UTF-8.
    if (want > 0 && i + want > bytes.length) {
      let k = i + 1;
      while (k < bytes.length && (bytes[k]! & 0xc0) === 0x80) k++;
      if (k === bytes.length) {
        truncated = true;
        break;
      }
    }
    invalid++;
    i++;
  }
  return { multibyte, invalid, truncated };
}

/** True when the bytes are well-formed UTF-8 (a sequence cut off at the very end is tolerated). */
export function isValidUtf8(bytes: Uint8Array): boolean {
  return scanUtf8(bytes).invalid === 0;
}

function supported(label: string): string | undefined {
  try {
    return new TextDecoder(label).encoding;
  } catch {
    return undefined;
  }
}

/**
 * The charset declared in the first 1024 bytes (HTML <meta charset>, <meta http-equiv content-type>, XML
 * declaration), normalised by TextDecoder; undefined when there is none or the label is unknown.
 */
export function declaredCharset(bytes: Uint8Array): string | undefined {
  const head = new TextDecoder("windows-1252").decode(bytes.subarray(0, 1024));
  const patterns = [
    /<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([\w.:-]+)/i,
    /<\?xml\b[^>]*?\bencoding\s*=\s*["']([\w.:-]+)["']/i,
  ];
  for (const re of patterns) {
    const label = re.exec(head)?.[1];
    const encoding = label ? supported(label.toLowerCase()) : undefined;
    if (encoding) return encoding;
  }
  return undefined;
}

/** Decides how to decode text bytes (see the module comment for the order of evidence). */
export function detectCharset(bytes: Uint8Array): CharsetInfo {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { encoding: "utf-8", source: "bom", bomLength: 3 };
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { encoding: "utf-16le", source: "bom", bomLength: 2 };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { encoding: "utf-16be", source: "bom", bomLength: 2 };
  const scan = scanUtf8(bytes);
  // A cut-off final sequence counts for UTF-8 only next to complete ones ("Caf\xE9" is latin-1, not a cut "é").
  if (scan.invalid === 0 && (scan.multibyte > 0 || !scan.truncated)) {
    if (scan.multibyte > 0) return { encoding: "utf-8", source: "utf-8", bomLength: 0 };
    // Pure ASCII: every ASCII-compatible charset decodes it the same; a declaration is still reported.
    const declared = declaredCharset(bytes);
    return declared && !declared.startsWith("utf-16")
      ? { encoding: declared, source: "declared", bomLength: 0 }
      : { encoding: "utf-8", source: "utf-8", bomLength: 0 };
  }
  const declared = declaredCharset(bytes);
  // A UTF-16 label in an ASCII-readable head cannot be right (the head would not have been readable).
  if (declared && !declared.startsWith("utf-16")) return { encoding: declared, source: "declared", bomLength: 0 };
  if (scan.multibyte > scan.invalid + (scan.truncated ? 1 : 0)) return { encoding: "utf-8", source: "fallback", bomLength: 0 };
  return { encoding: "windows-1252", source: "fallback", bomLength: 0 };
}

/** Decodes text bytes with the detected charset; never throws (invalid sequences become U+FFFD); drops a BOM. */
export function decodeText(bytes: Uint8Array): string {
  const info = detectCharset(bytes);
  return new TextDecoder(info.encoding, { fatal: false, ignoreBOM: true }).decode(bytes.subarray(info.bomLength));
}
