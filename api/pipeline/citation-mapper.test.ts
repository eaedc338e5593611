import { describe, expect, test } from "bun:test";
import { CitationMapper, citationCoverage, mapCitations } from "./citation-mapper";

const IDS = ["p1", "p2", "p3"];

/** Streams `text` through a mapper in the given pieces; returns emitted text and citation order. */
function streamed(pieces: string[], ids = IDS) {
  const m = new CitationMapper(ids);
  let text = "";
  const events: string[] = [];
  for (const p of pieces) {
    const c = m.push(p);
    text += c.text;
    for (const x of c.citations) events.push(`${x.n}:${x.passageId}@${text.length}`);
  }
  text += m.flush().text;
  return { text, events, m };
}

/** Every way of cutting `text` into two pieces gives the same result as mapping it whole. */
function allSplits(text: string) {
  const whole = mapCitations(text, IDS);
  for (let i = 0; i <= text.length; i++) {
    const { text: got, m } = streamed([text.slice(0, i), text.slice(i)]);
    expect(got).toBe(whole.text);
    expect(m.citations).toEqual(whole.citations);
    expect(m.invalidCitations).toEqual(whole.invalidCitations);
  }
  return whole;
}

describe("mapCitations", () => {
  test("maps [n], [n, m] and [n][m] to passages in order of first appearance", () => {
    const r = mapCitations("Two years [2]. Thirty days [1, 3]. Free [3][1].", IDS);
    expect(r.text).toBe("Two years [2]. Thirty days [1, 3]. Free [3][1].");
    expect(r.citations).toEqual([
      { n: 2, passageIndex: 1, passageId: "p2" },
      { n: 1, passageIndex: 0, passageId: "p1" },
      { n: 3, passageIndex: 2, passageId: "p3" },
    ]);
    expect(r.invalidCitations).toEqual([]);
  });

  test("normalises spacing and duplicates inside a marker", () => {
    expect(mapCitations("A [ 1 ,2,  1 ].", IDS).text).toBe("A [1, 2].");
  });

  test("removes invalid numbers from a marker and reports them", () => {
    const r = mapCitations("Two years [1, 7]. Also [0].", IDS);
    expect(r.text).toBe("Two years [1]. Also.");
    expect(r.invalidCitations).toEqual([7, 0]);
  });

  test("a marker with only invalid numbers goes with the whitespace before it", () => {
    const r = mapCitations("Two years [9]. Next [4][2] here.", IDS);
    expect(r.text).toBe("Two years. Next [2] here.");
    expect(r.citations.map((c) => c.n)).toEqual([2]);
    expect(r.invalidCitations).toEqual([9, 4]);
  });

  test("brackets that are not citations stay text", () => {
    const text = "See [the manual](x), year [2024], list [a, b] and [1,] end.";
    const r = mapCitations(text, IDS);
    expect(r.text).toBe(text);
    expect(r.citations).toEqual([]);
    expect(r.invalidCitations).toEqual([]);
  });

  test("no passages: every marker is invalid", () => {
    const r = mapCitations("Yes [1].", []);
    expect(r.text).toBe("Yes.");
    expect(r.invalidCitations).toEqual([1]);
  });
});

describe("CitationMapper streaming", () => {
  test("a marker split across deltas is held back until it closes", () => {
    const m = new CitationMapper(IDS);
    expect(m.push("Two years").text).toBe("Two years");
    expect(m.push(" [").text).toBe("");
    expect(m.push("1").text).toBe("");
    const c = m.push("]. More");
    expect(c.text).toBe(" [1]. More");
    expect(c.citations).toEqual([{ n: 1, passageIndex: 0, passageId: "p1" }]);
  });

  test("every two-piece split equals the whole-text result", () => {
    allSplits("Two years [1, 2]. Invalid [9] gone. Adjacent [3][1]. Next [4][2] here. Year [2024] stays. Mixed [2, 8].");
  });

  test("word-by-word tokens with leading spaces (as models stream them)", () => {
    const tokens = ["The", " warranty", " lasts", " two", " years", " [", "1", "].", " Returns", " [", "5", "]", " take", " 30", " days", " [", "2", ",", " 3", "]."];
    const { text, events, m } = streamed(tokens);
    expect(text).toBe("The warranty lasts two years [1]. Returns take 30 days [2, 3].");
    expect(m.invalidCitations).toEqual([5]);
    // citation events come with the delta that closes their marker
    expect(events).toEqual([`1:p1@${"The warranty lasts two years [1].".length}`, `2:p2@${text.length}`, `3:p3@${text.length}`]);
  });

  test("each passage's citation is reported once", () => {
    const { events, m } = streamed(["A [1].", " B [1, 2].", " C [2]."]);
    expect(events.map((e) => e.split("@")[0])).toEqual(["1:p1", "2:p2"]);
    expect(m.markerCount).toBe(3);
  });

  test("an unclosed marker at the end is dropped; trailing whitespace is kept", () => {
    expect(streamed(["Done [1"]).text).toBe("Done");
    expect(streamed(["Done ", " "]).text).toBe("Done  ");
  });

  test("a long bracket run that cannot be a marker is released", () => {
    const long = "[" + "1, ".repeat(20);
    const m = new CitationMapper(IDS);
    expect(m.push(`x ${long}`).text).toBe(`x ${long}`);
  });
});

describe("citationCoverage", () => {
  test("share of sentences with a marker", () => {
    expect(citationCoverage("A is true [1]. B is true. C [2].")).toBeCloseTo(2 / 3, 5);
    expect(citationCoverage("No citations here. None.")).toBe(0);
    expect(citationCoverage("")).toBe(0);
  });

  test("a marker after the full stop credits the sentence before it", () => {
    expect(citationCoverage("A is true. [1] B is true [2].")).toBe(1);
    expect(citationCoverage("A is true. [1]")).toBe(1);
  });
});
