/**
 * "<field path>: <what is expected>" from Elysia's typed ValidationError (its TypeBox `valueError`: path, schema,
 * value), never from its message text, so it reads the same with NODE_ENV=production (where Elysia's message
 * hides the details). The field path is dotted (`k`, `filters.tags`, `messages.0.role`); `body`, `query` or
 * `params` when the whole part is wrong.
 */
import type { ValidationError } from "elysia";

type Schema = Record<string, any>;

const range = (lo: unknown, hi: unknown, unit = "") => {
  const u = unit ? ` ${unit}` : "";
  if (typeof lo === "number" && typeof hi === "number") return lo === hi ? ` of exactly ${lo}${u}` : ` from ${lo} to ${hi}${u}`;
  if (typeof lo === "number") return ` of at least ${lo}${u}`;
  if (typeof hi === "number") return ` of at most ${hi}${u}`;
  return "";
};

const numberRange = (s: Schema) => {
  const lo = s.minimum ?? (typeof s.exclusiveMinimum === "number" ? s.exclusiveMinimum + 1 : undefined);
  const hi = s.maximum ?? (typeof s.exclusiveMaximum === "number" ? s.exclusiveMaximum - 1 : undefined);
  if (typeof lo === "number" && typeof hi === "number") return ` from ${lo} to ${hi}`;
  if (typeof lo === "number") return ` >= ${lo}`;
  if (typeof hi === "number") return ` <= ${hi}`;
  return "";
};

/** A short phrase for what a schema accepts: "an integer from 1 to 100", "one of 'up', 'down'", "an object". */
export function expectation(s: Schema | undefined): string {
  if (!s || typeof s !== "object") return "a valid value";
  if ("const" in s) return JSON.stringify(s.const).replaceAll('"', "'");
  if (Array.isArray(s.enum)) return `one of ${s.enum.map((v: unknown) => JSON.stringify(v).replaceAll('"', "'")).join(", ")}`;
  if (Array.isArray(s.anyOf)) {
    if (s.anyOf.every((x: Schema) => x && "const" in x)) return `one of ${s.anyOf.map((x: Schema) => expectation(x)).join(", ")}`;
    // Elysia accepts a numeric query value as a string with format "integer"/"numeric" or as the number itself.
    const numeric = s.anyOf.find((x: Schema) => x?.type === "integer" || x?.type === "number");
    if (numeric && s.anyOf.every((x: Schema) => x === numeric || (x?.type === "string" && (x.format === "integer" || x.format === "numeric")))) {
      return expectation({ ...numeric, minimum: s.minimum ?? numeric.minimum, maximum: s.maximum ?? numeric.maximum });
    }
    const boolish = s.anyOf.find((x: Schema) => x?.type === "boolean");
    if (boolish && s.anyOf.every((x: Schema) => x === boolish || (x?.type === "string" && x.format === "boolean"))) return "true or false";
    return [...new Set(s.anyOf.map((x: Schema) => expectation(x)))].join(" or ");
  }
  switch (s.type) {
    case "integer":
      return `an integer${numberRange(s)}`;
    case "number":
      return `a number${numberRange(s)}`;
    case "boolean":
      return "true or false";
    case "null":
      return "null";
    case "string":
      if (s.format === "integer" || s.format === "numeric") return "a number";
      if (s.format === "boolean") return "true or false";
      if (typeof s.pattern === "string") return `a string matching ${s.pattern}`;
      return `a string${range(s.minLength, s.maxLength, "characters")}`;
    case "array":
      return `an array${s.items ? ` of ${plural(expectation(s.items))}` : ""}${range(s.minItems, s.maxItems, "items")}`;
    case "object":
      return "an object";
  }
  return "a valid value";
}

const plural = (phrase: string) =>
  phrase.replace(/^an? (string|integer|number|object|array)s?\b/, (_m, w: string) => `${w}s`).replace(/^true or false$/, "booleans");

const dotted = (path: unknown): string =>
  typeof path === "string"
    ? path
        .split("/")
        .slice(1)
        .map((p) => p.replaceAll("~1", "/").replaceAll("~0", "~"))
        .join(".")
    : "";

export interface ValidationSummary {
  field: string;
  message: string;
}

/**
 * `raw` are the request's query and params as received: Elysia's numeric/boolean coercion of a single query
 * value throws without the property's path, so the field is found by the value that failed.
 */
export function summarize(error: ValidationError, raw: { query?: Record<string, unknown>; params?: Record<string, unknown> } = {}): ValidationSummary {
  const ve = error.valueError as { path?: string; schema?: Schema; value?: unknown } | undefined;
  const part = error.type === "property" ? "query" : error.type;
  let field = dotted(ve?.path);
  if (error.type === "property" && !field) {
    const failed = String(error.value);
    const keys = (["query", "params"] as const).flatMap((where) =>
      Object.entries(raw[where] ?? {})
        .filter(([, v]) => String(v) === failed)
        .map(([k]) => k),
    );
    field = keys.length === 1 ? keys[0]! : keys.length ? keys.join(" or ") : part;
  }
  const schema = ve?.schema ?? (error.validator as { schema?: Schema })?.schema ?? (error.validator as Schema);
  // A missing field has no value; anything else failed its schema (Elysia drops unknown fields, it does not refuse them).
  const problem = ve && ve.value === undefined && field ? `is required (${expectation(schema)})` : `must be ${expectation(schema)}`;
  return { field: field || part || "body", message: `${field || part || "body"}: ${problem}` };
}
