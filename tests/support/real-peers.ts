/**
 * The real peers .ci/run installs and starts (.ci/peers/): llama.cpp's llama-server with a real GGUF model, an
 * OpenAI-compatible embeddings server (all-MiniLM-L6-v2) and an S3-compatible server (moto). Each is found
 * through a TEST_* variable; a suite whose peer is missing skips with a printed reason locally and fails loudly
 * in CI (CI=true). `bash .ci/peers/env.sh` prints the variables for a local run.
 */
import { existsSync } from "node:fs";

const printed = new Set<string>();

/** The value of `variable` when it is set (and, for a path, exists); otherwise undefined after printing why. */
export function realPeer(variable: string, suite: string, kind: "url" | "path" = "url"): string | undefined {
  const v = process.env[variable]?.trim();
  if (v && (kind === "url" || existsSync(v))) return v;
  const reason = v
    ? `${suite}: ${variable}=${v} does not exist, so this suite is skipped (.ci/run builds it)`
    : `${suite}: ${variable} is not set, so this suite is skipped (.ci/run starts the peer and sets it; locally: eval "$(bash .ci/peers/env.sh)")`;
  if (process.env.CI === "true") throw new Error(reason);
  if (!printed.has(reason)) console.warn(reason);
  printed.add(reason);
  return undefined;
}

/** LanceDB on the S3 server: a fresh prefix per call under the test bucket, with the storage options to reach it. */
export function s3Peer(suite: string) {
  const endpoint = realPeer("TEST_S3_ENDPOINT", suite);
  if (!endpoint) return undefined;
  const bucket = process.env.TEST_S3_BUCKET?.trim() || "deskpilot-test";
  return {
    endpoint,
    bucket,
    storage: { endpoint, region: "us-east-1", accessKeyId: "testing", secretAccessKey: "testing", allowHttp: true },
    uri: (name: string) => `s3://${bucket}/${name}-${crypto.randomUUID()}`,
  };
}
