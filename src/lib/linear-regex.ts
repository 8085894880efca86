import { RE2JS } from "re2js";

/**
 * Regular expressions that cannot backtrack: every pattern the configuration holds
 * (the `matches` operator, JSONata's `/…/` literals) runs on RE2 (re2js, a pure-JS
 * port), whose matching time is linear in the input whatever the pattern. Patterns
 * are written in JavaScript syntax and translated (`(?<name>…)`, `\u{…}`, `\uXXXX`);
 * what RE2 has no linear-time way to run — backreferences, lookahead, lookbehind — is
 * refused when the pattern is compiled, so at write time.
 */

export type CompiledPattern = { ok: true; regex: RE2JS } | { ok: false; error: string };

/** Longest pattern accepted: RE2's program grows with it, and real patterns are short. */
export const MAX_PATTERN = 1000;
/**
 * Largest RE2 program accepted. Counted repetitions grow it (`[a-z]{1000}` is about
 * 1,000 instructions) and the first match of a large one builds its automaton for a
 * long while (a few hundred milliseconds at 1,000); real patterns, even alternations
 * of dozens of names, stay far below.
 */
export const MAX_PROGRAM = 600;
const CACHE_LIMIT = 500;
/** Compiling is the costly part; isolates live for many requests and patterns change rarely. */
const cache = new Map<string, CompiledPattern>();

const flagBits: Record<string, number> = { i: RE2JS.CASE_INSENSITIVE, m: RE2JS.MULTILINE, s: RE2JS.DOTALL };

/**
 * `source` compiled with JavaScript flags (`i`, `m`, `s`; `u` and `g` change nothing
 * here: RE2 always matches by code point, and callers decide how often to search).
 * Cached per pattern and flags, least recently used dropped first.
 */
export function compilePattern(source: string, flags = ""): CompiledPattern {
  const key = `${flags}/${source}`;
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const compiled = build(source, flags);
  cache.set(key, compiled);
  if (cache.size > CACHE_LIMIT) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  return compiled;
}

function build(source: string, flags: string): CompiledPattern {
  if (source.length > MAX_PATTERN) return { ok: false, error: `pattern longer than ${MAX_PATTERN} characters` };
  if (hasBackreference(source)) return { ok: false, error: "not supported by the linear-time engine: backreferences (\\1, \\k<name>)" };
  let bits = 0;
  for (const flag of flags) bits |= flagBits[flag] ?? 0;
  let regex: RE2JS;
  try {
    regex = RE2JS.compile(RE2JS.translateRegExp(source), bits);
  } catch (error) {
    return { ok: false, error: whyRefused(source, flags, error) };
  }
  const size = regex.programSize();
  if (size > MAX_PROGRAM) {
    return { ok: false, error: `too complex: ${size} RE2 instructions, over the limit of ${MAX_PROGRAM} (use smaller repetition counts)` };
  }
  return { ok: true, regex };
}

/**
 * RE2 refuses `\1` itself, but the JavaScript translation turns `\k<name>` (and
 * `\8`, `\9`) into plain letters, which would match something else in silence.
 */
function hasBackreference(source: string): boolean {
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i];
    if (ch === "\\") {
      const next = source[i + 1] ?? "";
      if (!inClass && (/[1-9]/.test(next) || (next === "k" && source[i + 2] === "<"))) return true;
      i++;
    } else if (ch === "[") inClass = true;
    else if (ch === "]") inClass = false;
  }
  return false;
}

/** A JavaScript syntax error, or what JavaScript has that RE2 refuses. Compiling a RegExp never matches, so it is safe. */
function whyRefused(source: string, flags: string, error: unknown): string {
  try {
    new RegExp(source, flags.replaceAll(/[^imsu]/g, ""));
  } catch (syntax) {
    return `invalid regular expression: ${describe(syntax)}`;
  }
  return `not supported by the linear-time engine (RE2 has no backreferences or lookaround): ${describe(error)}`;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A stand-in for `RegExp` that JSONata can use (its `RegexEngine` option): JSONata
 * constructs it from the `RegExp` its parser made of a `/…/` literal and then only
 * sets `lastIndex` and calls `exec`, as with a global RegExp. Matching runs on RE2.
 * A pattern RE2 cannot compile throws here; mapping.ts refuses those at write time.
 */
export class LinearRegExp {
  lastIndex = 0;
  readonly source: string;
  readonly flags: string;
  readonly #regex: RE2JS;

  constructor(pattern: RegExp | string, flags?: string) {
    this.source = typeof pattern === "string" ? pattern : pattern.source;
    this.flags = flags ?? (typeof pattern === "string" ? "" : pattern.flags);
    const compiled = compilePattern(this.source, this.flags);
    if (!compiled.ok) throw new Error(compiled.error);
    this.#regex = compiled.regex;
  }

  /** `RegExp.prototype.exec` of a global regex: searches from `lastIndex`, moves it past the match. */
  exec(input: string): RegExpExecArray | null {
    const text = String(input);
    if (this.lastIndex > text.length) {
      this.lastIndex = 0;
      return null;
    }
    const matcher = this.#regex.matcher(text);
    if (!matcher.find(this.lastIndex)) {
      this.lastIndex = 0;
      return null;
    }
    const groups: (string | undefined)[] = [];
    for (let i = 0; i <= matcher.groupCount(); i++) groups.push(matcher.group(i) ?? undefined);
    const result = Object.assign(groups, { index: matcher.start(), input: text, groups: undefined }) as unknown as RegExpExecArray;
    this.lastIndex = matcher.end();
    return result;
  }

  test(input: string): boolean {
    return this.exec(input) !== null;
  }
}
