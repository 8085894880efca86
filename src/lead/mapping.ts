import jsonata from "jsonata";
import { compilePattern, LinearRegExp } from "../lib/linear-regex";
import { bound, budgetBindings } from "./mapping-budget";
import { describeProblems, type FieldProblem, type LeadField, type MappedLead, normalizeLead } from "./normalize";
import { type Lead, leadFields } from "./schema";

/**
 * From a provider's payload to a `Lead`.
 *
 * A mapping key names where the value goes:
 * - a lead field (`email`, `firstName`, …, and `website`, which only feeds `domain`);
 * - `custom.<path>`, or any other name, lands in `custom` (`plan` → `custom.plan`;
 *   `custom.a.b` → `custom.a.b`, nested), kept as mapped (JSON values only);
 * - `custom` itself, when its expression yields an object, is merged into `custom`
 *   (explicit `custom.*` keys win).
 *
 * A source without a mapping (or with an empty one) takes the payload's top-level
 * fields whose names are a lead field or a common alias (`first_name`, `Email`,
 * `phone_number`, …); nothing else is copied, so routing on other fields needs an
 * explicit mapping.
 */

export type MapResult = { ok: true; lead: Lead; raw: Record<string, unknown>; warnings: string[] } | { ok: false; reason: string; problems: FieldProblem[] };

/** What of a source (or an enrichment) mapping reads; src/lead sits below config, so this is its own shape. */
export interface MappingSource {
  mapping?: Record<string, string> | undefined;
  defaultRegion?: string | undefined;
}

export async function mapLead(source: MappingSource, payload: unknown): Promise<MapResult> {
  try {
    return await mapAndNormalize(source, payload);
  } catch (error) {
    // Every step handles bad data itself; this only keeps a library bug from
    // turning one lead into a crashed batch.
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, reason: `mapping failed unexpectedly: ${message}`, problems: [{ field: "lead", message }] };
  }
}

async function mapAndNormalize(source: MappingSource, payload: unknown): Promise<MapResult> {
  const mapping = source.mapping;
  const evaluated = mapping && Object.keys(mapping).length > 0 ? await evaluateMapping(mapping, payload) : defaultMapping(payload);
  if (!evaluated.ok) return evaluated;
  const placed = place(evaluated.raw);
  if (!placed.ok) return placed;
  const normalized = normalizeLead(placed.mapped, { defaultRegion: source.defaultRegion });
  if (!normalized.ok) return normalized;
  return { ok: true, lead: normalized.lead, raw: evaluated.raw, warnings: normalized.warnings };
}

/**
 * Problems of a mapping, one per bad key: expressions that do not compile and keys
 * that cannot name a field. The admin API checks this before storing a config.
 */
export function compileMapping(mapping: Record<string, string>): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const [field, expression] of Object.entries(mapping)) {
    const keyProblem = checkKey(field);
    if (keyProblem) problems.push({ field, message: keyProblem });
    const compiled = compile(expression);
    if (!compiled.ok) problems.push({ field, message: compiled.error });
  }
  return problems;
}

// ─── compiling, with a per-isolate cache ─────────────────────────────────────

type Compiled = { ok: true; expression: jsonata.Expression; path?: readonly string[] } | { ok: false; error: string };

/** Compiling is the costly part; isolates live for many requests, configs change rarely. */
const cache = new Map<string, Compiled>();
const CACHE_LIMIT = 500;

/**
 * `stack` stops deep recursion and `sequence` huge sequences; the budget of
 * mapping-budget.ts stops loops and huge text. `timeout` only works where the clock
 * moves during CPU work (locally, not on Cloudflare), so the step budget is the bound.
 */
const jsonataOptions: jsonata.JsonataOptions = {
  stack: 200,
  timeout: 1000,
  sequence: 100_000,
  // JSONata only constructs it and calls `exec` with `lastIndex`, as on a global RegExp.
  RegexEngine: LinearRegExp as unknown as RegExpConstructor,
};

function compile(text: string): Compiled {
  const hit = cache.get(text);
  if (hit) {
    // Re-inserting keeps the Map's order least-recently-used first.
    cache.delete(text);
    cache.set(text, hit);
    return hit;
  }
  const compiled = tryCompile(text);
  cache.set(text, compiled);
  if (cache.size > CACHE_LIMIT) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  return compiled;
}

function tryCompile(text: string): Compiled {
  try {
    const expression = jsonata(text, jsonataOptions);
    const refused = refusedRegex(expression.ast());
    if (refused) return { ok: false, error: refused };
    bound(expression);
    const path = plainPath(text);
    return { ok: true, expression, ...(path ? { path } : {}) };
  } catch (error) {
    return { ok: false, error: jsonataMessage(error) };
  }
}

/**
 * Why a `/…/` literal of the expression cannot run on RE2, if one cannot. JSONata's
 * parser makes each literal a native RegExp (compiling never matches, so that is
 * safe); evaluation hands it to `RegexEngine`, which runs it on RE2.
 */
function refusedRegex(ast: unknown): string | undefined {
  const pending: unknown[] = [ast];
  const seen = new Set<object>();
  while (pending.length > 0) {
    const node = pending.pop();
    if (typeof node !== "object" || node === null || seen.has(node)) continue;
    seen.add(node);
    if (node instanceof RegExp) {
      const compiled = compilePattern(node.source, node.flags);
      if (!compiled.ok) return `regular expression /${node.source}/: ${compiled.error}`;
      continue;
    }
    pending.push(...Object.values(node));
  }
  return undefined;
}

/** JSONata throws plain objects with `message` and `position`, not always Errors. */
function jsonataMessage(error: unknown): string {
  if (typeof error !== "object" || error === null) return String(error);
  const { message, position } = error as { message?: unknown; position?: unknown };
  const text = typeof message === "string" ? message : "invalid expression";
  return typeof position === "number" ? `${text} (at ${position})` : text;
}

/** For tests: how many compiled expressions the isolate holds. */
export function compiledCacheSize(): number {
  return cache.size;
}

// ─── evaluating ───────────────────────────────────────────────────────────────

export type Evaluated = { ok: true; raw: Record<string, unknown> } | { ok: false; reason: string; problems: FieldProblem[] };

/**
 * Each expression of `mapping` over `payload`, compiled once per isolate; together
 * they are held to one budget (mapping-budget.ts). Undefined results are left out.
 * Enrichment answers are mapped with it too (src/enrich/apply-fields.ts).
 */
export async function evaluateMapping(mapping: Record<string, string>, payload: unknown): Promise<Evaluated> {
  const entries = Object.entries(mapping);
  const bindings = budgetBindings();
  const results = await Promise.all(entries.map(([field, text]) => evaluateOne(field, text, payload, bindings)));
  const raw: Record<string, unknown> = {};
  const problems: FieldProblem[] = [];
  for (const result of results) {
    if ("message" in result) problems.push(result);
    else if (result.value !== undefined) raw[result.field] = result.value;
  }
  if (problems.length > 0) return { ok: false, reason: `mapping failed: ${describeProblems(problems)}`, problems };
  return { ok: true, raw };
}

async function evaluateOne(
  field: string,
  text: string,
  payload: unknown,
  bindings: Record<string, unknown>,
): Promise<{ field: string; value: unknown } | FieldProblem> {
  const compiled = compile(text);
  if (!compiled.ok) return { field, message: compiled.error };
  if (compiled.path) {
    const walked = walkPath(payload, compiled.path);
    if (walked.done) return { field, value: walked.value };
  }
  try {
    return { field, value: toJson(await compiled.expression.evaluate(payload, bindings)) };
  } catch (error) {
    return { field, message: jsonataMessage(error) };
  }
}

// ─── plain paths, without the JSONata evaluator ──────────────────────────────

/** Names JSONata reads as something other than a field (literals, operators). */
const notFieldNames = new Set(["true", "false", "null", "and", "or", "in", "function"]);
const PLAIN_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/**
 * `form_response.hidden.email` and the like: most mappings are nothing else. Such an
 * expression is walked directly (JSONata's evaluator costs far more per field, and
 * routing runs it for every field of every lead); anything else, or a walk that
 * meets an array (where JSONata maps over the items), goes to JSONata.
 */
function plainPath(text: string): string[] | undefined {
  const trimmed = text.trim();
  if (!PLAIN_PATH.test(trimmed)) return undefined;
  const segments = trimmed.split(".");
  return segments.some((s) => notFieldNames.has(s)) ? undefined : segments;
}

/** The value at `path`, or `done: false` when only JSONata knows (an array on the way, or at the end). */
function walkPath(payload: unknown, path: readonly string[]): { done: true; value: unknown } | { done: false } {
  let at: unknown = payload;
  for (const segment of path) {
    if (Array.isArray(at)) return { done: false };
    if (!isPlainObject(at) || !Object.hasOwn(at, segment)) return { done: true, value: undefined };
    at = at[segment];
  }
  if (Array.isArray(at)) return { done: false };
  return { done: true, value: isPlainObject(at) ? toJson(at) : at };
}

/** For tests: the plain-path walk, or undefined when JSONata would take the expression. */
export function evaluatePlainPath(text: string, payload: unknown): { value: unknown } | undefined {
  const path = plainPath(text);
  if (!path) return undefined;
  const walked = walkPath(payload, path);
  return walked.done ? { value: walked.value } : undefined;
}

/**
 * Plain JSON: drops functions and undefined, and JSONata's internal sequence flags,
 * so what is stored and compared is exactly what a JSON reader would see.
 */
function toJson(value: unknown): unknown {
  if (value === undefined || typeof value === "function") return undefined;
  try {
    const text = JSON.stringify(value);
    return text === undefined ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

// ─── the default mapping ──────────────────────────────────────────────────────

/** Spellings providers use for lead fields, compared lower-case without `_`, `-`, spaces. */
const aliases: Record<string, LeadField> = {
  ...aliasesOf("email", "email", "emailaddress", "mail"),
  ...aliasesOf("phone", "phone", "phonenumber", "mobile", "mobilephone", "telephone", "tel"),
  ...aliasesOf("firstName", "firstname", "givenname", "fname"),
  ...aliasesOf("lastName", "lastname", "familyname", "surname", "lname"),
  ...aliasesOf("company", "company", "companyname", "organization", "organisation"),
  ...aliasesOf("domain", "domain", "companydomain"),
  ...aliasesOf("website", "website", "websiteurl", "companywebsite"),
  ...aliasesOf("country", "country", "countrycode"),
  ...aliasesOf("industry", "industry"),
  ...aliasesOf("employees", "employees", "employeecount", "numberofemployees", "numemployees", "companysize"),
  ...aliasesOf("score", "score", "leadscore"),
};

function aliasesOf(field: LeadField, ...spellings: string[]): Record<string, LeadField> {
  return Object.fromEntries(spellings.map((s) => [s, field]));
}

/** The first top-level field for each lead field, in the payload's order. */
export function defaultMapping(payload: unknown): Evaluated {
  const raw: Record<string, unknown> = {};
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) return { ok: true, raw };
  for (const [key, value] of Object.entries(payload)) {
    const compact = key.toLowerCase().replace(/[\s_-]/g, "");
    const field = Object.hasOwn(aliases, compact) ? aliases[compact] : undefined;
    if (field && !(field in raw) && isScalar(value)) raw[field] = value;
  }
  return { ok: true, raw };
}

function isScalar(value: unknown): boolean {
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean";
}

// ─── placing values: lead fields vs custom ───────────────────────────────────

const leadFieldSet: ReadonlySet<string> = new Set(leadFields);
/** Keys that would reach Object.prototype when used as property names. */
const unsafeSegments = new Set(["__proto__", "prototype", "constructor"]);

/** Why a mapping key cannot name a destination, if it cannot. */
function checkKey(key: string): string | undefined {
  if (leadFieldSet.has(key) || key === "custom") return undefined;
  const path = customPath(key);
  if (path.some((segment) => segment === "")) return "empty segment in the field name";
  if (path.some((segment) => unsafeSegments.has(segment))) return "reserved word in the field name";
  return undefined;
}

function customPath(key: string): string[] {
  return (key.startsWith("custom.") ? key.slice("custom.".length) : key).split(".");
}

type Placed = { ok: true; mapped: MappedLead } | { ok: false; reason: string; problems: FieldProblem[] };

function place(raw: Record<string, unknown>): Placed {
  const mapped: MappedLead = { custom: {} };
  const problems: FieldProblem[] = [];
  const whole = raw.custom;
  if (whole !== undefined) {
    if (isPlainObject(whole)) Object.assign(mapped.custom, structuredClone(whole));
    else problems.push({ field: "custom", message: "expected an object to merge into custom fields" });
  }
  for (const [key, value] of Object.entries(raw)) {
    if (key === "custom") continue;
    if (leadFieldSet.has(key)) {
      mapped[key as LeadField] = value;
      continue;
    }
    const problem = checkKey(key);
    if (problem) problems.push({ field: key, message: problem });
    else setPath(mapped.custom, customPath(key), value);
  }
  if (problems.length > 0) return { ok: false, reason: `mapping failed: ${describeProblems(problems)}`, problems };
  return { ok: true, mapped };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Sets a nested value, replacing a non-object in the way (the later key wins). */
function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const segment of path.slice(0, -1)) {
    const next = node[segment];
    if (isPlainObject(next)) node = next;
    else {
      const created: Record<string, unknown> = {};
      node[segment] = created;
      node = created;
    }
  }
  const last = path[path.length - 1];
  if (last !== undefined) node[last] = value;
}
