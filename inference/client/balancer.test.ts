import { describe, expect, test } from "bun:test";
import { LeastOutstandingBalancer } from "./balancer";

const backend = (name: string, weight: number, inFlight = 0) => ({ name, weight, inFlight });

describe("LeastOutstandingBalancer", () => {
  test("empty list gives undefined", () => {
    expect(new LeastOutstandingBalancer().pick([])).toBeUndefined();
  });

  test("picks the backend with the fewest outstanding requests", () => {
    const lb = new LeastOutstandingBalancer();
    const list = [backend("a", 1, 5), backend("b", 1, 2), backend("c", 1, 7)];
    for (let i = 0; i < 5; i++) expect(lb.pick(list)?.name).toBe("b");
  });

  test("weight scales the share: weight 2 carries about twice the load", () => {
    const lb = new LeastOutstandingBalancer();
    const list = [backend("a", 2), backend("b", 1)];
    for (let i = 0; i < 300; i++) lb.pick(list)!.inFlight++;
    expect(list[0]!.inFlight).toBe(200);
    expect(list[1]!.inFlight).toBe(100);
  });

  test("ties rotate instead of always taking the first", () => {
    const lb = new LeastOutstandingBalancer();
    const list = [backend("a", 1), backend("b", 1), backend("c", 1)];
    const seen = new Set<string>();
    for (let i = 0; i < 3; i++) seen.add(lb.pick(list)!.name);
    expect(seen.size).toBe(3);
  });
});
