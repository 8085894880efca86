import { isFreeMailDomain } from "./free-mail";
import { normalizeDomain } from "./normalize";
import type { Lead } from "./schema";

/**
 * The keys a lead's company is matched to a CRM company or account by: its
 * registrable domain (subdomains and `www.` folded), then its name with legal
 * suffixes, case and punctuation folded. Pure, so the consumer, the simulator and
 * the cache agree on one spelling per company.
 */

/**
 * Second-level labels under which a country registry hands out names
 * (`acme.co.uk`, `acme.com.au`): there the registrable domain has three labels.
 */
const secondLevels = new Set(["co", "com", "net", "org", "gov", "edu", "ac", "ltd", "plc", "ne", "or", "go"]);

/**
 * The registrable domain of a company host: `sales.eu.acme.com` and `www.acme.com`
 * → `acme.com`, `shop.acme.co.uk` → `acme.co.uk`. Undefined for what is not a
 * domain and for free-mail providers (their users are not one company).
 */
export function accountDomainKey(input: string): string | undefined {
  const host = normalizeDomain(input);
  if (!host || isFreeMailDomain(host)) return undefined;
  const labels = host.split(".");
  const [second, top] = labels.slice(-2);
  const keep = top && top.length === 2 && second && secondLevels.has(second) ? 3 : 2;
  const key = labels.slice(-keep).join(".");
  return isFreeMailDomain(key) ? undefined : key;
}

/**
 * Legal forms dropped at the end of a name, compared after punctuation is folded
 * (so `S.A.` is `sa`, `GmbH & Co. KG` is `gmbh co kg`). Longest first.
 */
const legalSuffixes = [
  "gmbh co kg",
  "gmbh co kgaa",
  "co kg",
  "pty ltd",
  "pvt ltd",
  "sp z o o",
  "s a r l",
  "s r l",
  "s p a",
  "incorporated",
  "corporation",
  "company",
  "limited",
  "gmbh",
  "kgaa",
  "ltd",
  "llc",
  "llp",
  "inc",
  "corp",
  "plc",
  "sarl",
  "sas",
  "sasu",
  "srl",
  "spa",
  "oyj",
  "ab",
  "ag",
  "as",
  "bv",
  "co",
  "kg",
  "lp",
  "nv",
  "oy",
  "sa",
  "se",
  "ug",
].map((suffix) => suffix.split(" "));

/**
 * A company name as a match key: accents, case and punctuation folded (`&` and
 * `and` are one word), then legal forms removed from the end, repeatedly
 * (`Acme Holding, Inc.` → `acme holding`; `ACME GmbH & Co. KG` → `acme`).
 * A name that is nothing but a legal form keeps it; an empty one has no key.
 */
export function accountNameKey(input: string): string | undefined {
  const words = input
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/&/g, " and ")
    // Dots inside abbreviations join their letters: "S.A." is "sa", "Co." is "co".
    .replace(/\b(\p{L})\.(?=\p{L}\b)/gu, "$1")
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim()
    .split(" ")
    .filter((word) => word !== "" && word !== "the");
  let end = words.length;
  for (;;) {
    const suffix = legalSuffixes.find((s) => s.length < end && s.every((word, i) => words[end - s.length + i] === word));
    if (!suffix) break;
    end -= suffix.length;
    // "Acme and Co" / "Acme & Co.": the "and" went with the suffix.
    if (end > 1 && words[end - 1] === "and") end -= 1;
  }
  const key = words.slice(0, end).join(" ");
  return key === "" ? undefined : key;
}

/**
 * The word a CRM is asked for when matching a name key: its longest word (the
 * most selective; `o brien and sons` → `brien`). The CRM's candidates are then
 * compared by their whole normalized name.
 */
export function nameSearchWord(key: string): string {
  return key.split(" ").reduce((best, word) => (word.length > best.length ? word : best), "");
}

/** The lead's keys, in the order they are tried; either may be missing. */
export function accountKeys(lead: Pick<Lead, "domain" | "company">): { domain?: string; name?: string } {
  const domain = lead.domain ? accountDomainKey(lead.domain) : undefined;
  const name = lead.company ? accountNameKey(lead.company) : undefined;
  return { ...(domain ? { domain } : {}), ...(name ? { name } : {}) };
}
