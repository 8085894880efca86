import { type CompiledPattern, compilePattern } from "../lib/linear-regex";
import type { Operator } from "./schema";

/**
 * Why a condition's configured `value` cannot work with its operator (a bad regex,
 * `in` without a list, …), or undefined. Part of the configuration's language:
 * the admin API refuses such a value on write (validate.ts), and routing reads a
 * leaf with one as false with an error in its trace (src/routing/conditions.ts).
 */
export function operatorValueProblem(op: Operator, expected: unknown): string | undefined {
  switch (op) {
    case "exists":
      return expected === undefined || typeof expected === "boolean" ? undefined : "value must be true or false";
    case "in":
      return Array.isArray(expected) ? undefined : "value must be a list";
    case "matches":
      return typeof expected === "string" ? regexProblem(expected) : "value must be a regular expression string";
    case "gt":
    case "gte":
    case "lt":
    case "lte":
      return typeof expected === "number" || typeof expected === "string" ? undefined : "value must be a number or text";
    case "eq":
    case "neq":
    case "contains":
      return isScalar(expected) ? undefined : "value must be text, a number or a boolean";
  }
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean";
}

function regexProblem(pattern: string): string | undefined {
  const compiled = compileRegex(pattern);
  return compiled.ok ? undefined : compiled.error;
}

/** A `matches` value, `pattern` or `/pattern/flags`, compiled for RE2 (src/lib/linear-regex.ts), or why it is refused. */
export function compileRegex(source: string): CompiledPattern {
  const literal = /^\/(.*)\/([a-z]*)$/s.exec(source);
  const pattern = literal?.[1] ?? source;
  const flags = literal?.[2] ?? "";
  if (/[^imsu]/.test(flags)) return { ok: false, error: `unsupported flags "${flags}" (use i, m, s, u)` };
  return compilePattern(pattern, flags);
}
