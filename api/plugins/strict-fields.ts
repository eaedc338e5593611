/**
 * Refusal of unknown fields for routes whose schemas say `additionalProperties: false`. The app normalizes with
 * TypeBox (unknown fields are dropped before validation, api/app.ts), which is right for most routes; a route
 * where a misspelt field must not pass silently (tickets, webhooks) adds `transform: rejectUnknown({ body, query })`,
 * which checks the raw request before that cleaning: 422 UNKNOWN_FIELD naming the first unknown field's path.
 */
import type { TSchema } from "elysia";
import { errors } from "../../core/errors";

type Schema = Record<string, any>;

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The dotted path of the first field of `value` that `schema` does not allow, or undefined. */
export function unknownField(value: unknown, schema: Schema | undefined, path = ""): string | undefined {
  if (!schema || value === undefined || value === null) return undefined;
  if (Array.isArray(schema.anyOf)) {
    // A union: unknown only if no object branch knows the field.
    const objects = schema.anyOf.filter((s: Schema) => s?.type === "object");
    if (!objects.length || !isPlainObject(value)) return undefined;
    const found = objects.map((s: Schema) => unknownField(value, s, path));
    return found.every((f: string | undefined) => f !== undefined) ? found[0] : undefined;
  }
  if (schema.type === "object" && isPlainObject(value)) {
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    for (const [k, v] of Object.entries(value)) {
      const p = path ? `${path}.${k}` : k;
      if (!(k in props)) {
        if (schema.additionalProperties === false) return p;
        continue;
      }
      const inner = unknownField(v, props[k], p);
      if (inner) return inner;
    }
    return undefined;
  }
  if (schema.type === "array" && Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const inner = unknownField(value[i], schema.items, path ? `${path}.${i}` : String(i));
      if (inner) return inner;
    }
  }
  return undefined;
}

/** A transform hook refusing unknown body or query fields (422 UNKNOWN_FIELD). */
export function rejectUnknown(schemas: { body?: TSchema; query?: TSchema }) {
  return ({ body, query }: { body?: unknown; query?: unknown }) => {
    for (const [part, schema, value] of [["body", schemas.body, body], ["query", schemas.query, query]] as const) {
      const f = schema ? unknownField(value, schema as Schema) : undefined;
      if (f) throw errors.invalid("UNKNOWN_FIELD", `unknown ${part === "query" ? "query parameter" : "field"} '${f}'`, { field: f, in: part });
    }
  };
}
