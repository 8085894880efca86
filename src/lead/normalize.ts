import { type CountryCode, isSupportedCountry, parsePhoneNumberFromString } from "libphonenumber-js/min";
import { z } from "zod";
import { isFreeMailDomain } from "./free-mail";
import { type Lead, type leadFields, leadSchema } from "./schema";

/**
 * Normalization turns what a mapping produced into a `Lead`: the shape routing
 * rules, matching and connectors rely on.
 *
 * Policy: only a bad `email` rejects the lead, because the email is the key CRMs
 * upsert on and a wrong one would create or overwrite the wrong record. Every other
 * field that cannot be normalized is dropped with a warning, so one odd form answer
 * does not stop a lead from being routed. Empty strings and null count as absent.
 */

export type LeadField = (typeof leadFields)[number];

/** What a mapping produced, before normalization. `website` only feeds `domain`. */
export type MappedLead = { [K in LeadField]?: unknown } & { custom: Record<string, unknown> };

export interface FieldProblem {
  field: string;
  message: string;
}

export interface NormalizeOptions {
  /** ISO alpha-2 region for phone numbers written without a country code. */
  defaultRegion?: string;
}

export type NormalizeResult = { ok: true; lead: Lead; warnings: string[] } | { ok: false; reason: string; problems: FieldProblem[] };

/** A field's normalized value, or why it was dropped. */
interface Normalized<T> {
  value?: T;
  warning?: string;
}

const textLimits = { firstName: 200, lastName: 200, company: 300, industry: 200 } as const;
type TextField = keyof typeof textLimits;

export function normalizeLead(mapped: MappedLead, options: NormalizeOptions = {}): NormalizeResult {
  const warnings: string[] = [];
  const problems: FieldProblem[] = [];
  const lead: Record<string, unknown> = { custom: mapped.custom };
  const keep = <T>(field: string, result: Normalized<T>) => {
    if (result.warning) warnings.push(`${field}: ${result.warning}`);
    if (result.value !== undefined) lead[field] = result.value;
  };

  const email = normalizeEmail(mapped.email);
  if ("problem" in email) problems.push({ field: "email", message: email.problem });
  else if (email.value !== undefined) lead.email = email.value;

  keep("phone", normalizePhoneField(mapped.phone, options.defaultRegion));
  for (const field of Object.keys(textLimits) as TextField[]) keep(field, normalizeText(mapped[field], textLimits[field]));
  keep("domain", domainOf(mapped, typeof lead.email === "string" ? lead.email : undefined));
  keep("country", normalizeCountryField(mapped.country));
  keep("employees", normalizeEmployees(mapped.employees));
  keep("score", normalizeScore(mapped.score));

  if (problems.length > 0) return { ok: false, reason: describeProblems(problems), problems };
  // A safety net: every normalizer above already yields schema-valid values.
  const parsed = leadSchema.safeParse(lead);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ field: i.path.join(".") || "lead", message: i.message }));
    return { ok: false, reason: describeProblems(issues), problems: issues };
  }
  return { ok: true, lead: parsed.data, warnings };
}

export function describeProblems(problems: FieldProblem[]): string {
  return problems.map((p) => `${p.field}: ${p.message}`).join("; ");
}

/** Treats null, undefined and blank strings alike: the field was not given. */
function isAbsent(value: unknown): value is null | undefined | "" {
  return value === undefined || value === null || (typeof value === "string" && value.trim() === "");
}

/** Numbers and booleans become text; objects and arrays are not text. */
function asText(value: unknown): string | undefined {
  if (typeof value === "string") return value.trim();
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return undefined;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (typeof value === "string") return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  return typeof value === "object" ? "an object" : String(value);
}

// ─── email ────────────────────────────────────────────────────────────────────

const emailSchema = z.email();

/** Trimmed and lower-cased; an invalid address is a problem, not a warning (see top). */
export function normalizeEmail(value: unknown): { value?: string } | { problem: string } {
  if (isAbsent(value)) return {};
  const text = asText(value);
  if (text === undefined) return { problem: `expected an email address, got ${describe(value)}` };
  const email = text.replace(/^mailto:/i, "").toLowerCase();
  if (!emailSchema.safeParse(email).success) return { problem: `${describe(text)} is not a valid email address` };
  return { value: email };
}

// ─── phone ────────────────────────────────────────────────────────────────────

/**
 * E.164. A number without a country code is read in `defaultRegion`; without one it
 * cannot be placed and is dropped.
 */
export function normalizePhone(value: unknown, defaultRegion?: string): string | undefined {
  return normalizePhoneField(value, defaultRegion).value;
}

function normalizePhoneField(value: unknown, defaultRegion?: string): Normalized<string> {
  if (isAbsent(value)) return {};
  const text = typeof value === "string" || typeof value === "number" ? String(value).trim() : undefined;
  if (text === undefined) return { warning: `expected a phone number, got ${describe(value)}; dropped` };
  const region = regionFor(defaultRegion);
  const parsed = parsePhoneNumberFromString(text.replace(/^tel:/i, ""), region);
  if (parsed?.isValid()) return { value: parsed.number };
  const hint = !text.startsWith("+") && !region ? " (no country code and the source has no defaultRegion)" : "";
  return { warning: `${describe(text)} is not a valid phone number${hint}; dropped` };
}

function regionFor(defaultRegion: string | undefined): CountryCode | undefined {
  const upper = defaultRegion?.toUpperCase();
  return upper && isSupportedCountry(upper) ? upper : undefined;
}

// ─── text ─────────────────────────────────────────────────────────────────────

function normalizeText(value: unknown, max: number): Normalized<string> {
  if (isAbsent(value)) return {};
  const text = asText(value);
  if (text === undefined) return { warning: `expected text, got ${describe(value)}; dropped` };
  if (text.length <= max) return { value: text };
  return { value: text.slice(0, max), warning: `longer than ${max} characters; truncated` };
}

// ─── domain ───────────────────────────────────────────────────────────────────

const hostname = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$/;

/**
 * A bare, lower-case host name from a domain or a URL: scheme, credentials, port,
 * path and a leading `www.` removed; international names in punycode. IP addresses
 * and single labels are not company domains.
 */
export function normalizeDomain(input: string): string | undefined {
  let text = input.trim().toLowerCase();
  if (text === "") return undefined;
  if (!/^[a-z][a-z0-9+.-]*:\/\//.test(text)) text = `http://${text}`;
  let host: string;
  try {
    host = new URL(text).hostname;
  } catch {
    return undefined;
  }
  host = host.replace(/\.$/, "").replace(/^www\d*\./, "");
  return hostname.test(host) ? host : undefined;
}

/** The explicit `domain`, else `website`, else the email's domain unless it is free mail. */
function domainOf(mapped: MappedLead, email: string | undefined): Normalized<string> {
  const warnings: string[] = [];
  for (const field of ["domain", "website"] as const) {
    const value = mapped[field];
    if (isAbsent(value)) continue;
    const text = asText(value);
    const domain = text === undefined ? undefined : normalizeDomain(text);
    if (domain) return { value: domain, warning: warnings[0] };
    warnings.push(`${field} ${describe(value)} is not a domain or URL; ignored`);
  }
  const fromEmail = email?.slice(email.lastIndexOf("@") + 1);
  const domain = fromEmail ? normalizeDomain(fromEmail) : undefined;
  const useful = domain && !isFreeMailDomain(domain) ? domain : undefined;
  return { value: useful, warning: warnings.length > 0 ? warnings.join("; ") : undefined };
}

// ─── country ──────────────────────────────────────────────────────────────────

/** ISO 3166-1 alpha-2, all 249 officially assigned codes. */
const alpha2 = new Set(
  (
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY " +
    "BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK " +
    "FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR " +
    "IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK " +
    "ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM " +
    "PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF " +
    "TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW"
  ).split(" "),
);

/**
 * English (and a few native) names and alpha-3 codes of the countries leads most
 * often come from. Deliberately not exhaustive: forms usually send alpha-2 or a
 * picked name; anything else is dropped with a warning, never guessed.
 */
const countryNames: Record<string, string> = {
  ...names("US", "united states", "united states of america", "usa", "america"),
  ...names("GB", "united kingdom", "uk", "great britain", "britain", "england", "scotland", "wales", "gbr"),
  ...names("DE", "germany", "deutschland", "deu"),
  ...names("FR", "france", "fra"),
  ...names("ES", "spain", "espana", "esp"),
  ...names("IT", "italy", "italia", "ita"),
  ...names("NL", "netherlands", "holland", "nederland", "nld"),
  ...names("BE", "belgium"),
  ...names("CH", "switzerland", "schweiz", "suisse", "che"),
  ...names("AT", "austria", "osterreich"),
  ...names("IE", "ireland"),
  ...names("PT", "portugal"),
  ...names("SE", "sweden", "swe"),
  ...names("NO", "norway"),
  ...names("DK", "denmark"),
  ...names("FI", "finland"),
  ...names("PL", "poland", "polska"),
  ...names("CZ", "czechia", "czech republic"),
  ...names("CA", "canada", "can"),
  ...names("MX", "mexico", "mex"),
  ...names("BR", "brazil", "brasil", "bra"),
  ...names("AR", "argentina"),
  ...names("AU", "australia", "aus"),
  ...names("NZ", "new zealand"),
  ...names("JP", "japan", "jpn"),
  ...names("CN", "china", "chn"),
  ...names("IN", "india", "ind"),
  ...names("SG", "singapore"),
  ...names("KR", "south korea", "korea", "republic of korea"),
  ...names("IL", "israel"),
  ...names("AE", "united arab emirates", "uae"),
  ...names("SA", "saudi arabia"),
  ...names("ZA", "south africa"),
  ...names("NG", "nigeria"),
  ...names("TR", "turkey", "turkiye"),
  ...names("UA", "ukraine"),
  ...names("HK", "hong kong"),
};

function names(code: string, ...list: string[]): Record<string, string> {
  return Object.fromEntries(list.map((name) => [name, code]));
}

/** Case, accents, dots and a leading "the" do not matter: "the U.S.A." → "usa". */
function countryKey(text: string): string {
  return text
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/\./g, "")
    .replace(/[^a-z]+/g, " ")
    .trim()
    .replace(/^the /, "");
}

/** ISO alpha-2, upper-case, from an alpha-2 code or a known name; else undefined. */
export function normalizeCountry(text: string): string | undefined {
  const key = countryKey(text);
  // Names first: "uk" is two letters but not the ISO code (GB).
  const named = Object.hasOwn(countryNames, key) ? countryNames[key] : undefined;
  if (named) return named;
  const upper = key.toUpperCase();
  return alpha2.has(upper) ? upper : undefined;
}

function normalizeCountryField(value: unknown): Normalized<string> {
  if (isAbsent(value)) return {};
  const text = asText(value);
  const country = text === undefined ? undefined : normalizeCountry(text);
  return country ? { value: country } : { warning: `${describe(value)} is not a known country; dropped` };
}

// ─── numbers ──────────────────────────────────────────────────────────────────

const decimal = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;

/** A number from a number or a plain decimal string; `Number("")`-style surprises excluded. */
export function toNumber(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value !== "string") return undefined;
  const text = value.trim();
  if (!decimal.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

function normalizeScore(value: unknown): Normalized<number> {
  if (isAbsent(value)) return {};
  const score = toNumber(value);
  return score === undefined ? { warning: `${describe(value)} is not a number; dropped` } : { value: score };
}

/**
 * A head count. Besides plain numbers, forms send thousands separators ("1,200"),
 * open ranges ("1000+") and bands ("51-200"): a band counts as its lower bound, so
 * a rule like `employees >= 200` is never met by a company that may have 51.
 */
export function parseEmployees(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== "string") return undefined;
  const text = value.trim().replace(/(\d)[,_' ](?=\d{3}\b)/g, "$1");
  const band = /^(\d+)\s*(?:\+|[-–]\s*\d+)?$/.exec(text);
  return band?.[1] === undefined ? undefined : Number(band[1]);
}

function normalizeEmployees(value: unknown): Normalized<number> {
  if (isAbsent(value)) return {};
  const employees = parseEmployees(value);
  return employees === undefined ? { warning: `${describe(value)} is not a whole number of employees; dropped` } : { value: employees };
}
