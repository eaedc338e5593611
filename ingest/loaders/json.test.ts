import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { rejection } from "../../tests/helpers/rejection";
import { loadDocument } from "./index";
import { locateJsonError } from "./json-error";

const FIXTURES = join(import.meta.dir, "../../tests/fixtures/ingest");
const OPTS = { maxChars: 100_000, timeoutMs: 5000 };
const load = async (name: string) => loadDocument({ bytes: new Uint8Array(await Bun.file(join(FIXTURES, name)).arrayBuffer()), filename: name }, OPTS);
const loadString = (s: string) => loadDocument({ bytes: new TextEncoder().encode(s), filename: "x.json" }, OPTS);

describe("json loader", () => {
  test("array form: one section per item, URLs in metadata.sources", async () => {
    const doc = await load("faq.json");
    expect(doc.format).toBe("json");
    expect(doc.title).toBe("faq");
    expect(doc.sections.map((s) => s.headingPath)).toEqual([
      ["How do I reset my password?"],
      ["Can I change my delivery address?"],
      ["Do you ship internationally?"],
    ]);
    expect(doc.sections[1]!.text).toBe("Yes, as long as the order has not shipped. Go to Orders and choose Edit address.");
    expect(doc.metadata?.sources).toEqual([
      { title: "How do I reset my password?", url: "https://example.com/faq/password" },
      { title: "Can I change my delivery address?" },
      { title: "Do you ship internationally?", url: "https://example.com/faq/shipping" },
    ]);
  });

  test("pages form: title from the top level, paragraphs kept", async () => {
    const doc = await load("site.json");
    expect(doc.title).toBe("Aurora Help Center");
    expect(doc.sections[0]).toEqual({ headingPath: ["Warranty"], text: "Every product has a two-year warranty.\n\nKeep your receipt as proof of purchase." });
    expect((doc.metadata?.sources as Array<{ url: string }>)[1]!.url).toBe("https://example.com/help/repairs");
  });

  test("malformed JSON is 422 JSON_MALFORMED with line and column", async () => {
    const e = await rejection(load("malformed.json"));
    expect([e.status, e.code]).toEqual([422, "JSON_MALFORMED"]);
    expect(e.message).toContain("line 2, column 59");
    expect(e.details).toMatchObject({ line: 2, column: 59 });
  });

  test("wrong top-level shape is 422 JSON_SHAPE listing the accepted forms", async () => {
    const e = await rejection(load("wrong-shape.json"));
    expect([e.status, e.code]).toEqual([422, "JSON_SHAPE"]);
    expect(e.message).toContain("an array of {title, text, url?}");
    expect(e.message).toContain("{pages: [{url, title, text}]}");
    expect((await rejection(loadString('"just a string"'))).code).toBe("JSON_SHAPE");
    expect((await rejection(loadString('{"pages": {"a": 1}}'))).message).toContain("'pages' must be an array");
  });

  test("a wrong item is named in the JSON_SHAPE error", async () => {
    const e = await rejection(load("wrong-item.json"));
    expect([e.status, e.code]).toEqual([422, "JSON_SHAPE"]);
    expect(e.message).toContain("item 1");
    expect(e.message).toContain("'text'");
    expect(e.details).toMatchObject({ index: 1, field: "text" });
    const p = await rejection(loadString('{"pages": [{"url": "u", "title": "t", "text": "x"}, {"url": 5, "title": "t", "text": "y"}]}'));
    expect(p.message).toContain("pages[1]");
    expect((await rejection(loadString('[{"title": "", "text": "y"}]'))).message).toContain("'title'");
    expect((await rejection(loadString("[1, 2]"))).message).toContain("item 0");
  });

  test("empty array or only empty texts is 422 EMPTY_DOCUMENT", async () => {
    expect((await rejection(loadString("[]"))).code).toBe("EMPTY_DOCUMENT");
    expect((await rejection(loadString('[{"title": "a", "text": "   "}]'))).code).toBe("EMPTY_DOCUMENT");
  });

  test("locateJsonError finds the first error", () => {
    expect(locateJsonError('{"a": [1, 2,]}')).toMatchObject({ line: 1, column: 13, position: 12 });
    expect(locateJsonError('{"a": 1}\n{"b": 2}')).toMatchObject({ line: 2, column: 1 });
    expect(locateJsonError("{'a': 1}")?.reason).toContain("property name");
    expect(locateJsonError('{"a": "\\q"}')?.reason).toContain("escape");
    expect(locateJsonError('[1, {"x": [true, null, -1.5e3, "\\u00e9"]}]')).toBeUndefined();
  });
});
