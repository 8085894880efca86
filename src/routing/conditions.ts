import { configLimits } from "../config/limits";
import { compileRegex, operatorValueProblem } from "../config/operator-values";
import { type Condition, type Operator, operators } from "../config/schema";
import { toNumber } from "../lead/normalize";
import { type Lead, leadSchema } from "../lead/schema";
import { type ConditionTrace, clipValue, type FieldTrace } from "./trace";

/**
 * Rule conditions against a lead. Semantics the configuration relies on:
 *
 * - `field` is a path: a lead field (`score`, `country`), `custom.<path>`, or any
 *   other name, which is read from `custom` (`plan` = `custom.plan`), mirroring the
 *   mapping. Nested objects by name, lists by index (`custom.tags.0`).
 * - Missing means absent, null or an empty string. A missing field makes every
 *   operator false except `exists: false` and `neq`.
 * - `neq` is exactly `not eq`: a lead without a country is "country neq US".
 * - Strings compare case-insensitively (eq, neq, in, contains; gt/lt order
 *   lower-cased text). A number against a numeric string compares as numbers.
 *   Any other type mismatch (a list against `eq`, a boolean against `gt`) is false.
 * - `in` takes a list; a list-valued field is "in" when any element is.
 * - `contains`: substring of text (case-insensitive), or element of a list.
 * - `matches`: a regular expression in JavaScript syntax, `pattern` or
 *   `/pattern/flags` (flags i, m, s, u), case-sensitive unless `i`, run on RE2 so its
 *   time is linear in the value whatever the pattern (no backreferences or
 *   lookaround: those are refused). Values over 4,096 characters are not tested.
 * - `exists`: value true (default) or false.
 * - A malformed leaf (bad regex, `in` without a list) is false with an `error` in
 *   its trace; evaluation never throws.
 */

const MAX_DEPTH = configLimits.conditionDepth;

/** Evaluates a condition completely (see trace.ts) and returns its trace; `.result` is the outcome. */
export function evaluateCondition(condition: Condition, lead: Lead): ConditionTrace {
  return evaluateNode(condition, lead, 0);
}

function evaluateNode(node: unknown, lead: Lead, depth: number): ConditionTrace {
  if (depth > MAX_DEPTH) return invalid(`nested deeper than ${MAX_DEPTH} levels`);
  if (!isRecord(node)) return invalid("not a condition object");
  if (Array.isArray(node.all)) return combine("all", node.all, lead, depth);
  if (Array.isArray(node.any)) return combine("any", node.any, lead, depth);
  if ("not" in node) {
    const child = evaluateNode(node.not, lead, depth + 1);
    return { kind: "not", result: !child.result, child };
  }
  if ("always" in node) return node.always === true ? { kind: "always", result: true } : invalid("always must be true");
  if (typeof node.field === "string" && typeof node.op === "string") {
    return evaluateLeaf(node.field, node.op, node.value, lead);
  }
  return invalid("expected all, any, not, always, or field and op");
}

function combine(kind: "all" | "any", list: unknown[], lead: Lead, depth: number): ConditionTrace {
  const children = list.map((child) => evaluateNode(child, lead, depth + 1));
  const result = kind === "all" ? children.every((c) => c.result) : children.some((c) => c.result);
  return { kind, result, children };
}

function invalid(error: string): ConditionTrace {
  return { kind: "invalid", result: false, error };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

// ─── reading fields ───────────────────────────────────────────────────────────

const leadKeys: ReadonlySet<string> = new Set(Object.keys(leadSchema.shape));

/** The value at `path` on the lead, or undefined. Never reads inherited properties. */
export function readField(lead: Lead, path: string): unknown {
  const segments = path.split(".");
  const [first] = segments;
  let node: unknown = first !== undefined && leadKeys.has(first) ? lead : lead.custom;
  for (const segment of segments) {
    node = child(node, segment);
    if (node === undefined) return undefined;
  }
  return node;
}

function child(node: unknown, segment: string): unknown {
  if (Array.isArray(node)) return /^\d+$/.test(segment) ? node[Number(segment)] : undefined;
  if (isRecord(node) && Object.hasOwn(node, segment)) return node[segment];
  return undefined;
}

function isMissing(value: unknown): boolean {
  return value === undefined || value === null || value === "";
}

// ─── leaves ───────────────────────────────────────────────────────────────────

interface Outcome {
  result: boolean;
  error?: string;
}

function evaluateLeaf(field: string, op: string, expected: unknown, lead: Lead): FieldTrace {
  const actual = readField(lead, field);
  const outcome = isOperator(op) ? applyOperator(op, actual, expected) : { result: false, error: "unknown operator" };
  const trace: FieldTrace = { kind: "field", field, op, result: outcome.result };
  const shownExpected = clipValue(expected);
  if (shownExpected !== undefined) trace.expected = shownExpected;
  if (isMissing(actual)) trace.missing = true;
  else trace.actual = clipValue(actual);
  if (outcome.error) trace.error = outcome.error;
  return trace;
}

function isOperator(op: string): op is Operator {
  return (operators as readonly string[]).includes(op);
}

/** Applies one operator; pure and total (errors are returned, not thrown). */
export function applyOperator(op: Operator, actual: unknown, expected: unknown): Outcome {
  switch (op) {
    case "exists":
      return exists(actual, expected);
    case "neq": {
      const eq = applyOperator("eq", actual, expected);
      return eq.error ? eq : { result: !eq.result };
    }
    default: {
      // Config mistakes: checked before the lead is looked at, so they show even on missing fields.
      const error = operatorValueProblem(op, expected);
      if (error) return { result: false, error };
      if (isMissing(actual)) return { result: false };
      if (op === "matches" && isScalar(actual) && String(actual).length > MAX_INPUT) {
        return { result: false, error: `value longer than ${MAX_INPUT} characters is not tested` };
      }
      return { result: test(op, actual, expected) };
    }
  }
}

function exists(actual: unknown, expected: unknown): Outcome {
  const error = operatorValueProblem("exists", expected);
  if (error) return { result: false, error };
  return { result: isMissing(actual) !== (expected ?? true) };
}

function test(op: Exclude<Operator, "exists" | "neq">, actual: unknown, expected: unknown): boolean {
  switch (op) {
    case "eq":
      return equals(actual, expected);
    case "in":
      return inList(actual, expected as unknown[]);
    case "contains":
      return contains(actual, expected);
    case "matches":
      return matches(actual, expected as string);
    case "gt":
      return order(actual, expected, (c) => c > 0);
    case "gte":
      return order(actual, expected, (c) => c >= 0);
    case "lt":
      return order(actual, expected, (c) => c < 0);
    case "lte":
      return order(actual, expected, (c) => c <= 0);
  }
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean";
}

/** Numbers numerically (numeric strings too, against a number), text case-insensitively. */
export function equals(a: unknown, b: unknown): boolean {
  if (typeof a === "string" && typeof b === "string") return a.toLowerCase() === b.toLowerCase();
  if (typeof a === "number" || typeof b === "number") {
    const x = toNumber(a);
    const y = toNumber(b);
    return x !== undefined && y !== undefined && x === y;
  }
  return typeof a === "boolean" && a === b;
}

function inList(actual: unknown, list: unknown[]): boolean {
  const values = Array.isArray(actual) ? actual : [actual];
  return values.some((value) => list.some((item) => equals(value, item)));
}

function contains(actual: unknown, expected: unknown): boolean {
  if (Array.isArray(actual)) return actual.some((item) => equals(item, expected));
  if (typeof actual === "string" && (typeof expected === "string" || typeof expected === "number")) {
    return actual.toLowerCase().includes(String(expected).toLowerCase());
  }
  return false;
}

/** Compares when both sides are numbers (or numeric text), or both are text; else false. */
function order(actual: unknown, expected: unknown, holds: (comparison: number) => boolean): boolean {
  const x = toNumber(actual);
  const y = toNumber(expected);
  if (x !== undefined && y !== undefined) return holds(x - y);
  if (typeof actual === "string" && typeof expected === "string" && x === undefined && y === undefined) {
    const a = actual.toLowerCase();
    const b = expected.toLowerCase();
    return holds(a < b ? -1 : a > b ? 1 : 0);
  }
  return false;
}

// ─── regular expressions ──────────────────────────────────────────────────────

/**
 * RE2 takes time linear in the value, so the cap only bounds what one condition
 * costs (about a millisecond at the cap for the hardest patterns), not a blow-up.
 */
const MAX_INPUT = 4096;

function matches(actual: unknown, pattern: string): boolean {
  if (typeof actual !== "string" && typeof actual !== "number") return false;
  const compiled = compileRegex(pattern);
  return compiled.ok && compiled.regex.test(String(actual));
}
