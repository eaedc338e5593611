import { describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { newWebhookSecret, signatureHeader, verifyWebhookSignature } from "./webhook-signature";

describe("webhook signature", () => {
  const secret = "whsec_test";
  const body = JSON.stringify({ id: "evt_1", type: "ticket.created", data: { n: 1 } });

  test("t=<unix seconds>,v1=<hex HMAC-SHA256 of `${t}.${body}`>, as a receiver computes it independently", () => {
    const h = signatureHeader(secret, body, 1_700_000_000);
    const expected = createHmac("sha256", secret).update(`1700000000.${body}`).digest("hex");
    expect(h).toBe(`t=1700000000,v1=${expected}`);
  });

  test("verifies the body it signed, and refuses another body, secret, timestamp or a stale header", () => {
    const now = 1_700_000_000;
    const h = signatureHeader(secret, body, now);
    expect(verifyWebhookSignature(secret, body, h, 300, now + 10)).toBe(true);
    expect(verifyWebhookSignature(secret, body + " ", h, 300, now)).toBe(false);
    expect(verifyWebhookSignature("whsec_other", body, h, 300, now)).toBe(false);
    expect(verifyWebhookSignature(secret, body, h.replace("t=1700000000", "t=1700000001"), 300, now)).toBe(false);
    expect(verifyWebhookSignature(secret, body, h, 300, now + 301)).toBe(false);
    for (const bad of [null, "", "v1=abc", "t=x,v1=abc", `t=${now}`, `t=${now},v1=zz`]) expect(verifyWebhookSignature(secret, body, bad, 300, now)).toBe(false);
    // A receiver accepts a header with several v1 values (secret rotation) when one matches.
    expect(verifyWebhookSignature(secret, body, `${h},v1=${"0".repeat(64)}`, 300, now)).toBe(true);
  });

  test("secrets are random and long", () => {
    const a = newWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(newWebhookSecret()).not.toBe(a);
  });
});
