import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { declaredCharset, decodeText, detectCharset, isValidUtf8 } from "./charset";
import { loadDocument } from "./index";

const FIXTURES = join(import.meta.dir, "../../tests/fixtures/ingest");
const fixture = async (name: string) => new Uint8Array(await Bun.file(join(FIXTURES, name)).arrayBuffer());
const OPTS = { maxChars: 100_000, timeoutMs: 5000 };
const cp1252 = (s: string) => new Uint8Array(Array.from(s, (c) => ({ "€": 0x80, "“": 0x93, "”": 0x94, "’": 0x92 })[c] ?? c.charCodeAt(0)));
const utf8 = (s: string) => new TextEncoder().encode(s);

describe("charset detection", () => {
  test("a windows-1252 Markdown file decodes its accents, curly quotes and euro sign", async () => {
    const doc = await loadDocument({ bytes: await fixture("latin1.md"), filename: "latin1.md" }, OPTS);
    expect(doc.title).toBe("Café menu");
    const all = doc.sections.map((s) => s.text).join("\n");
    expect(all).toContain("Our café serves crème brûlée and a naïve “façade” of pastries for €4.50.");
    expect(all).toContain("8:00–18:00");
    expect(all).not.toContain("\uFFFD");
    expect(doc.sections.map((s) => s.headingPath.join(" > "))).toEqual(["Café menu", "Café menu > Opening hours"]);
  });

  test("an HTML page in iso-8859-2 is decoded by its <meta http-equiv> declaration", async () => {
    const doc = await loadDocument({ bytes: await fixture("latin2.html"), filename: "latin2.html" }, OPTS);
    expect(doc.sections[0]!.headingPath).toEqual(["Zwroty towarów"]);
    expect(doc.sections[0]!.text).toBe("Możesz zwrócić towar w ciągu 30 dni. Wysyłka zwrotna jest bezpłatna.");
  });

  test("latin-1 CSV, JSON and plain text are decoded by the same helper", async () => {
    const csv = await loadDocument({ bytes: cp1252("id,name,city\n1,René,Zürich\n"), filename: "people.csv" }, OPTS);
    expect(csv.records?.[0]?.data).toEqual({ id: "1", name: "René", city: "Zürich" });
    const json = await loadDocument({ bytes: cp1252('[{"title": "Caf\u00e9", "text": "Cr\u00e8me \u20ac2"}]'), filename: "faq.json" }, OPTS);
    expect([json.sections[0]!.headingPath[0], json.sections[0]!.text]).toEqual(["Café", "Crème €2"]);
    const txt = await loadDocument({ bytes: cp1252("It\u2019s na\u00efve.\n"), filename: "a.txt" }, OPTS);
    expect(txt.sections[0]!.text).toBe("It’s naïve.");
  });

  test("order of evidence: BOM, valid UTF-8, declaration, mostly UTF-8, windows-1252", () => {
    expect(detectCharset(new Uint8Array([0xef, 0xbb, 0xbf, 0x41]))).toEqual({ encoding: "utf-8", source: "bom", bomLength: 3 });
    expect(detectCharset(new Uint8Array([0xff, 0xfe, 0x41, 0]))).toMatchObject({ encoding: "utf-16le", source: "bom" });
    expect(detectCharset(utf8("Café"))).toMatchObject({ encoding: "utf-8", source: "utf-8" });
    // Saved as UTF-8 but declared latin-1: the bytes win.
    const mislabelled = utf8('<meta charset="iso-8859-1"><p>Café</p>');
    expect(detectCharset(mislabelled).encoding).toBe("utf-8");
    expect(decodeText(mislabelled)).toContain("Café");
    expect(detectCharset(cp1252('<meta charset="windows-1251"><p>\u00e9</p>')).encoding).toBe("windows-1251");
    expect(detectCharset(cp1252("Caf\u00e9"))).toMatchObject({ encoding: "windows-1252", source: "fallback" });
    // Mostly UTF-8 with one stray byte stays UTF-8 (the stray byte becomes U+FFFD, the rest is not mojibake).
    const mixed = new Uint8Array([...utf8("Café crème brûlée "), 0xe9, ...utf8(" ok")]);
    expect(decodeText(mixed)).toBe("Café crème brûlée \uFFFD ok");
  });

  test("UTF-8 validation rejects overlongs and surrogates but tolerates a sequence cut off at the end", () => {
    expect(isValidUtf8(new Uint8Array([0xc0, 0xaf]))).toBe(false); // overlong "/"
    expect(isValidUtf8(new Uint8Array([0xed, 0xa0, 0x80]))).toBe(false); // UTF-16 surrogate
    expect(isValidUtf8(new Uint8Array([0x41, 0xe9, 0x41]))).toBe(false); // latin-1 é between letters
    expect(isValidUtf8(utf8("Café €").subarray(0, 7))).toBe(true); // "€" cut after its first two bytes
    expect(detectCharset(utf8("Café €").subarray(0, 7)).encoding).toBe("utf-8");
  });

  test("declaredCharset reads meta charset, http-equiv and the XML declaration; unknown labels are ignored", () => {
    expect(declaredCharset(utf8("<meta charset='ISO-8859-2'>"))).toBe("iso-8859-2");
    expect(declaredCharset(utf8('<meta http-equiv="content-type" content="text/html; charset=latin1">'))).toBe("windows-1252");
    expect(declaredCharset(utf8('<?xml version="1.0" encoding="koi8-r"?>'))).toBe("koi8-r");
    expect(declaredCharset(utf8('<meta charset="no-such-charset">'))).toBeUndefined();
    expect(declaredCharset(utf8("# plain markdown"))).toBeUndefined();
  });
});
