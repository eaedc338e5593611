import { describe, expect, test } from "bun:test";
import { detectHeading, headingKey, HeadingTrail } from "./headings";
import { buildPdfSections, cleanPdfTitle, linesToParagraphs } from "./pdf-sections";
import { itemsToText } from "./pdf-text";

describe("heading heuristics", () => {
  test("recognises numbered, Title Case and ALL CAPS headings", () => {
    expect(detectHeading("3.2 Battery care")).toEqual({ title: "3.2 Battery care", level: 2 });
    expect(detectHeading("1 Getting Started")).toEqual({ title: "1 Getting Started", level: 1 });
    expect(detectHeading("Returns and Refunds")?.level).toBe(1);
    expect(detectHeading("WARRANTY TERMS")?.level).toBe(1);
    expect(detectHeading("Chapter 4: Shipping")?.level).toBe(1);
  });

  test("rejects sentences, page numbers, table-of-contents lines and long lines", () => {
    for (const line of [
      "This is a sentence.",
      "the battery lasts for forty hours when noise cancelling is off",
      "Page 3 of 10",
      "12",
      "1 Foo 2",
      "2.1 Storage ........ 14",
      "Lorem ipsum dolor sit amet, consetetur sadipscing elitr, sed diam nonumy eirmod tempor invidunt ut labore",
      "Contact us at:",
    ]) {
      expect(detectHeading(line)).toBeUndefined();
    }
  });

  test("rows of cells (tab or ' | ' separated) are never headings", () => {
    for (const line of ["Laptop | 15 Days", "Item | Return Window", "Product Type\tReturn Window", "| Laptop | 15 days |", "TV | 30"]) {
      expect(detectHeading(line)).toBeUndefined();
    }
    expect(detectHeading("Shipping & Delivery")?.level).toBe(1);
  });

  test("headingKey drops numbering, case and punctuation", () => {
    expect(headingKey("3.2 Battery Care")).toBe("battery care");
    expect(headingKey("Battery care:")).toBe("battery care");
  });

  test("HeadingTrail keeps the path by level", () => {
    const t = new HeadingTrail();
    expect(t.push("A", 1)).toEqual(["A"]);
    expect(t.push("A.1", 2)).toEqual(["A", "A.1"]);
    expect(t.push("A.1.a", 3)).toEqual(["A", "A.1", "A.1.a"]);
    expect(t.push("A.2", 2)).toEqual(["A", "A.2"]);
    expect(t.push("B", 1)).toEqual(["B"]);
  });
});

describe("linesToParagraphs", () => {
  test("joins wrapped lines, de-hyphenates and ends paragraphs at short sentence-final lines", () => {
    const lines = [
      "Our headphones come with a two-year warranty that covers defects in",
      "materials and workmanship. The warranty does not cover wear and tear or",
      "accidental damage. Keep your receipt as proof of pur-",
      "chase.",
      "Repairs under warranty are free of charge for the whole period of the",
      "warranty, including shipping both ways.",
    ];
    expect(linesToParagraphs(lines)).toBe(
      "Our headphones come with a two-year warranty that covers defects in materials and workmanship. " +
        "The warranty does not cover wear and tear or accidental damage. Keep your receipt as proof of purchase.\n\n" +
        "Repairs under warranty are free of charge for the whole period of the warranty, including shipping both ways.",
    );
  });

  test("keeps a hyphen before a capital letter and keeps list items on their own lines", () => {
    expect(linesToParagraphs(["Connect the USB-", "C cable first:", "- one", "- two"])).toBe("Connect the USB- C cable first:\n- one\n- two");
  });
});

describe("buildPdfSections", () => {
  const page = (body: string, n: number) => `Acme Manual\n${body}\nPage ${n}\n`;

  test("removes running headers and page numbers, detects headings per page", () => {
    const pages = [
      page("1 Setup\nPlug the device in and wait for the green light to appear.", 1),
      page("Wait one minute before you press the button again.\n2 Usage\nPress the button.", 2),
      page("More usage notes follow here.", 3),
    ];
    const { sections, firstHeading } = buildPdfSections(pages, []);
    expect(firstHeading).toBe("1 Setup");
    expect(sections).toEqual([
      { page: 1, headingPath: ["1 Setup"], text: "Plug the device in and wait for the green light to appear." },
      { page: 2, headingPath: ["1 Setup"], text: "Wait one minute before you press the button again." },
      { page: 2, headingPath: ["2 Usage"], text: "Press the button." },
      { page: 3, headingPath: ["2 Usage"], text: "More usage notes follow here." },
    ]);
  });

  test("a Title Case line inside a wrapped paragraph is not a heading", () => {
    const { sections } = buildPdfSections(["If it fails, please contact our\nCustomer Service Team for\nhelp with the repair."], []);
    expect(sections).toHaveLength(1);
    expect(sections[0]!.headingPath).toEqual([]);
  });

  test("outline entries switch the path at their matching line, or at the top of their page", () => {
    const pages = ["Intro text.\n1 Safety\nRead this first.", "Continued safety notes.\nMore text here."];
    const { sections } = buildPdfSections(pages, [
      { path: ["Safety"], page: 1 },
      { path: ["Safety", "Cleaning"], page: 2 },
    ]);
    expect(sections.map((s) => [s.page, s.headingPath, s.text])).toEqual([
      [1, [], "Intro text."],
      [1, ["Safety"], "Read this first."],
      [2, ["Safety", "Cleaning"], "Continued safety notes. More text here."],
    ]);
  });

  test("pages without text produce no sections", () => {
    expect(buildPdfSections(["", "  \n ", "3"], []).sections).toEqual([]);
  });

  test("cleanPdfTitle drops useless metadata titles", () => {
    expect(cleanPdfTitle("Microsoft Word - Returns Policy")).toBe("Returns Policy");
    expect(cleanPdfTitle("report-final.docx")).toBeUndefined();
    expect(cleanPdfTitle("Untitled")).toBeUndefined();
    expect(cleanPdfTitle("  ")).toBeUndefined();
  });
});

describe("running lines", () => {
  test("pages that only repeat the same text keep it", () => {
    const { sections } = buildPdfSections(["habibi label", "habibi label", "habibi label", "habibi label\n4"], []);
    expect(sections.map((s) => [s.page, s.text])).toEqual([
      [1, "habibi label"],
      [2, "habibi label"],
      [3, "habibi label"],
      [4, "habibi label"],
    ]);
  });
});

test("chapter running headers with page numbers are removed even when they change by chapter", () => {
  const pages = [
    "4 1.1. TOPOLOGY\nFirst page body text.",
    "5 1.1. TOPOLOGY\nSecond page body text.",
    "6 1.1. TOPOLOGY\nThird page body text.",
    "7 1.2. METRICS\nFourth page body text.",
    "8 1.2. METRICS\nFifth page body text.",
    "9 1.2. METRICS\nSixth page body text.",
    "10 1.3. CONTINUITY\nSeventh page body text.",
  ];
  const texts = buildPdfSections(pages, []).sections.map((s) => s.text);
  expect(texts.slice(0, 6)).toEqual(["First", "Second", "Third", "Fourth", "Fifth", "Sixth"].map((w) => `${w} page body text.`));
});

test("numbered lines that recur at page tops without following the page numbers are kept", () => {
  const pages = ["as shown in table 10\n\nBody one.", "as shown in table 10\n\nBody two.", "as shown in table 10\n\nBody three.", "x\n\nBody four."];
  const texts = buildPdfSections(pages, []).sections.map((s) => s.text);
  expect(texts.filter((t) => t.includes("as shown in table 10"))).toHaveLength(3);
});

describe("pdf text items", () => {
  test("itemsToText marks a gap of more than two font sizes inside a line as a cell separator", () => {
    const at = (str: string, x: number, y: number, width: number, hasEOL = false) => ({ str, transform: [11, 0, 0, 11, x, y], width, height: 11, hasEOL });
    const text = itemsToText([
      at("Laptop", 60, 600, 34), at(" ", 94, 600, 116), at("15 days", 210, 600, 38, true),
      at("Open Box", 60, 582, 50), at("30 Days", 250, 582, 40, true), // a gap without a whitespace item
      at("Charge it", 60, 564, 45), at(" ", 105, 564, 3), at("fully.", 108, 564, 30),
    ]);
    expect(text).toBe("Laptop\t15 days\nOpen Box\t30 Days\nCharge it fully.");
  });
});

describe("right-to-left text from PDF items", () => {
  const at = (str: string, x: number, width: number, dir = /[\u0600-\u06FF]/.test(str) ? "rtl" : "ltr") => ({ str, transform: [12, 0, 0, 12, x, 700], width, height: 12, dir });
  test("an Arabic line drawn word by word left to right is reversed item-wise; digits and Latin keep their order", () => {
    // Visual (page) order of "رقم الطلب VM-1001 جاهز" and of "يصل الطلب في 5 أيام عمل".
    expect(itemsToText([at("جاهز", 100, 28), at(" ", 128, 4), at("VM-1001", 132, 57), at(" ", 189, 4), at("رقم الطلب", 193, 65)])).toBe(
      "رقم الطلب VM-1001 جاهز",
    );
    expect(itemsToText([at("أيام عمل", 100, 52), at(" ", 152, 4), at("5", 156, 8), at(" ", 164, 4), at("يصل الطلب في", 168, 91)])).toBe(
      "يصل الطلب في 5 أيام عمل",
    );
  });

  test("in a Latin line only the run of Arabic items (with the digits between them) is reversed", () => {
    const items = [at("Call ", 60, 28), at("ساعة", 88, 25), at(" 24 ", 113, 20), at("الدعم", 133, 30), at(" today.", 163, 36)];
    expect(itemsToText(items)).toBe("Call الدعم 24 ساعة today.");
  });

  test("items already drawn in logical order (right to left on the page) and single items are left alone", () => {
    expect(itemsToText([at("رقم الطلب", 193, 65), at(" ", 189, 4), at("جاهز", 100, 28)])).toBe("رقم الطلب جاهز");
    expect(itemsToText([at("سياسة الشحن", 100, 84)])).toBe("سياسة الشحن");
    expect(itemsToText([at("Plain", 60, 30), at(" text", 90, 25)])).toBe("Plain text");
  });
});
