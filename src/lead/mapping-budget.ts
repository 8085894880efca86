import jsonata from "jsonata";

/**
 * What one lead's mapping may cost: JSONata evaluation steps and characters of text
 * built, shared by all expressions of the mapping (and, separately, by the fields of
 * an enrichment answer). Real mappings take a few hundred steps and build little
 * text; at the limits a lead costs a few milliseconds, and its mapping fails with a
 * reason naming the limit, which the decision trace shows.
 *
 * Steps, not time: on Cloudflare the clock does not move during CPU work (it does
 * under local workerd), so only a count can stop a loop
 * (https://developers.cloudflare.com/workers/runtime-apis/performance). Text, because a single
 * step can build a huge string (`$pad("", 1e8)`, a string doubled in `$reduce`):
 * every string a call or an operator returns is counted, and the built-ins that
 * can multiply their input in one call (`$pad`, `$join`, `$replace`) check what
 * they would build before building it. Objects and arrays built are measured as
 * JSON (one built in a loop can double at the cost of a step). `$toMillis` with a
 * picture, the one built-in that backtracks, reads only short text.
 */

/** Evaluation steps one lead's mapping may take. */
export const STEP_BUDGET = 5_000;
/** Characters of text one lead's mapping may build (more than a whole 1.5 MiB body as one string). */
export const TEXT_BUDGET = 2_000_000;

/**
 * The binding that carries the budget of one evaluation; hooks and built-ins read
 * it. JSONata's lexer ends a variable name at a space, so no expression can name
 * this one, and none can rebind it to a fresh budget.
 */
const BUDGET = "switchboard budget";

interface Budget {
  steps: number;
  text: number;
  /** Sizes as JSON of the objects and arrays already measured (see `measure`). */
  sizes: WeakMap<object, number>;
}

/** A fresh budget, as bindings for `Expression.evaluate`; share it across one lead's expressions. */
export function budgetBindings(): Record<string, Budget> {
  return { [BUDGET]: { steps: 0, text: 0, sizes: new WeakMap() } };
}

function budgetOf(environment: jsonata.Environment): Budget | undefined {
  const value: unknown = environment.lookup(BUDGET);
  if (typeof value !== "object" || value === null || !("steps" in value) || !("sizes" in value)) return undefined;
  return value as Budget;
}

function spendText(budget: Budget | undefined, characters: number): void {
  if (!budget) return;
  budget.text += characters;
  if (budget.text > TEXT_BUDGET) throw new Error(`mapping built more than ${TEXT_BUDGET} characters of text for one lead`);
}

function wouldExceed(budget: Budget | undefined, characters: number, what: string): void {
  if (budget && budget.text + characters > TEXT_BUDGET) {
    throw new Error(`${what} would build ${characters} characters, over the ${TEXT_BUDGET} one lead's mapping may build`);
  }
}

/**
 * JSONata calls these around every evaluation step (the hooks its debugger uses).
 * Only results that calls and operators build are counted and measured: a path
 * hands back what is already in the payload, and a block or condition passes on
 * what a counted step built.
 */
const entryHook = Symbol.for("jsonata.__evaluate_entry");
const exitHook = Symbol.for("jsonata.__evaluate_exit");
const buildsValues: ReadonlySet<string> = new Set(["function", "partial", "binary", "unary", "apply"]);

function onEntry(_expr: unknown, _input: unknown, environment: jsonata.Environment): void {
  const budget = budgetOf(environment);
  if (!budget) return;
  budget.steps += 1;
  if (budget.steps > STEP_BUDGET) throw new Error(`mapping took more than ${STEP_BUDGET} evaluation steps for one lead`);
}

function onExit(expr: { type?: string }, _input: unknown, environment: jsonata.Environment, result: unknown): void {
  if (!buildsValues.has(expr.type ?? "")) return;
  const budget = budgetOf(environment);
  if (typeof result === "string") spendText(budget, result.length);
  else if (budget && typeof result === "object" && result !== null && measure(result, budget.sizes) > TEXT_BUDGET) {
    throw new Error(`mapping built a value of more than ${TEXT_BUDGET} characters as JSON`);
  }
}

/**
 * About how many characters `value` takes as JSON. An object built in a loop can
 * hold the previous one twice (`{"a": $a, "b": $a}`): cheap to build, but its JSON
 * doubles each round, and `$string`, `=` or storing the lead would expand it. Sizes
 * are remembered per object, so each object is measured once per lead.
 */
function measure(value: unknown, sizes: WeakMap<object, number>): number {
  if (typeof value === "string") return value.length + 2;
  if (typeof value !== "object" || value === null) return typeof value === "function" ? 0 : String(value).length;
  const known = sizes.get(value);
  if (known !== undefined) return known;
  let size = 2;
  if (Array.isArray(value)) {
    for (const item of value) size += measure(item, sizes) + 1;
  } else {
    for (const [key, item] of Object.entries(value)) size += key.length + 4 + measure(item, sizes);
  }
  sizes.set(value, size);
  return size;
}

// ─── built-ins that can multiply their input in one call ─────────────────────

type Implementation = (this: jsonata.Focus, ...args: unknown[]) => unknown;
type Wrapped = "pad" | "join" | "replace" | "toMillis";

/** The original built-ins, read once from a pristine expression. */
let originals: Promise<Record<Wrapped, Implementation>> | undefined;

function original(name: Wrapped): Promise<Implementation> {
  originals ??= loadOriginals();
  return originals.then((all) => all[name]);
}

async function loadOriginals(): Promise<Record<Wrapped, Implementation>> {
  const read = async (name: string): Promise<Implementation> => {
    const fn: unknown = await jsonata(`$${name}`).evaluate(null);
    if (typeof fn !== "object" || fn === null || !("implementation" in fn) || typeof fn.implementation !== "function") {
      throw new Error(`JSONata has no built-in $${name}`);
    }
    return fn.implementation as Implementation;
  };
  const [pad, join, replace, toMillis] = await Promise.all([read("pad"), read("join"), read("replace"), read("toMillis")]);
  return { pad, join, replace, toMillis };
}

async function pad(this: jsonata.Focus, str: unknown, width: unknown, char?: unknown): Promise<unknown> {
  if (typeof str === "string" && typeof width === "number") {
    const fill = typeof char === "string" && char.length > 0 ? char.length : 1;
    wouldExceed(budgetOf(this.environment), Math.max(0, Math.abs(Math.trunc(width)) - str.length) * fill, "$pad");
  }
  return (await original("pad")).call(this, str, width, char);
}

async function join(this: jsonata.Focus, strs: unknown, separator?: unknown): Promise<unknown> {
  if (Array.isArray(strs)) {
    const text = strs.reduce((sum: number, s) => sum + (typeof s === "string" ? s.length : 0), 0);
    const between = typeof separator === "string" ? separator.length * Math.max(0, strs.length - 1) : 0;
    wouldExceed(budgetOf(this.environment), text + between, "$join");
  }
  return (await original("join")).call(this, strs, separator);
}

interface RegexMatch {
  match: string;
  next: () => RegexMatch | undefined;
}

/**
 * An upper bound on what `$replace` would build with a text replacement: each match
 * becomes the replacement, each `$n` in it at most the match. The matches are
 * counted first (RE2 makes that linear); a function replacement is counted by the
 * exit hook as it returns.
 */
async function replace(this: jsonata.Focus, str: unknown, pattern: unknown, replacement: unknown, limit?: unknown): Promise<unknown> {
  if (typeof str === "string" && typeof replacement === "string") {
    const most = typeof limit === "number" ? limit : Number.POSITIVE_INFINITY;
    const refs = replacement.split("$").length - 1;
    let extra = 0;
    let count = 0;
    if (typeof pattern === "string" && pattern !== "") {
      for (let at = str.indexOf(pattern); at !== -1 && count < most; at = str.indexOf(pattern, at + pattern.length)) {
        count++;
        extra += replacement.length;
      }
    } else if (typeof pattern === "function") {
      for (let m = (await pattern(str)) as RegexMatch | undefined; m && count < most; m = m.next()) {
        count++;
        extra += replacement.length + refs * m.match.length;
      }
    }
    wouldExceed(budgetOf(this.environment), str.length + extra, "$replace");
  }
  return (await original("replace")).call(this, str, pattern, replacement, limit);
}

/** Longest text `$toMillis` parses with a picture; timestamps, even in words, are shorter. */
export const MAX_PICTURE_INPUT = 100;

/**
 * With a picture, JSONata parses through a backtracking RegExp it builds from the
 * picture; with word components (`[Yw][Mw][Dw]`) a few thousand characters take
 * seconds. Real timestamps are short, so longer text is refused before it runs.
 */
async function toMillis(this: jsonata.Focus, timestamp: unknown, picture?: unknown): Promise<unknown> {
  if (typeof picture === "string" && typeof timestamp === "string" && timestamp.length > MAX_PICTURE_INPUT) {
    throw new Error(`$toMillis with a picture reads at most ${MAX_PICTURE_INPUT} characters`);
  }
  return (await original("toMillis")).call(this, timestamp, picture);
}

/** Puts the hooks and the bounded built-ins on a compiled expression; evaluate it with `budgetBindings()`. */
export function bound(expression: jsonata.Expression): jsonata.Expression {
  // `assign` takes any binding key at runtime; its typing only names strings.
  expression.assign(entryHook as unknown as string, onEntry);
  expression.assign(exitHook as unknown as string, onExit);
  // JSONata's own signatures, so argument checks and context binding stay the same.
  expression.registerFunction("pad", pad, "<s-ns?:s>");
  expression.registerFunction("join", join, "<a<s>s?:s>");
  expression.registerFunction("replace", replace, "<s-(sf)(sf)n?:s>");
  expression.registerFunction("toMillis", toMillis, "<s-s?:n>");
  return expression;
}
