/**
 * Signing of outbound webhooks: HMAC-SHA256 over `${timestamp}.${body}` with the receiver's secret, sent as
 * `X-Deskpilot-Signature: t=<unix seconds>,v1=<hex>`. The timestamp is part of what is signed, so a receiver that
 * checks it (verifyWebhookSignature's toleranceSeconds) refuses a captured request replayed later.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export const SIGNATURE_HEADER = "x-deskpilot-signature";

/** A new receiver secret: `whsec_` and 32 random bytes (base64url). */
export const newWebhookSecret = () => `whsec_${randomBytes(32).toString("base64url")}`;

export function signatureOf(secret: string, timestamp: number, body: string): string {
  return createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
}

/** The header value for a body sent at `timestamp` (unix seconds). */
export function signatureHeader(secret: string, body: string, timestamp = Math.floor(Date.now() / 1000)): string {
  return `t=${timestamp},v1=${signatureOf(secret, timestamp, body)}`;
}

/**
 * What a receiver does with the header: true when one v1 signature matches the body and the timestamp is within
 * `toleranceSeconds` of `now` (constant-time comparison).
 */
export function verifyWebhookSignature(secret: string, body: string, header: string | null, toleranceSeconds = 300, now = Date.now() / 1000): boolean {
  if (!header) return false;
  let t: number | undefined;
  const v1: string[] = [];
  for (const part of header.split(",")) {
    const [k, v] = part.split("=", 2).map((s) => s.trim());
    if (k === "t" && v && /^\d{1,12}$/.test(v)) t = Number(v);
    else if (k === "v1" && v) v1.push(v);
  }
  if (t === undefined || !v1.length || Math.abs(now - t) > toleranceSeconds) return false;
  const want = Buffer.from(signatureOf(secret, t, body), "hex");
  return v1.some((s) => {
    const got = Buffer.from(s, "hex");
    return got.length === want.length && timingSafeEqual(got, want);
  });
}
