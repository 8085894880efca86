import type { z } from "zod";
import type { hmacOptionsSchema } from "./schema";

type HmacOptions = z.infer<typeof hmacOptionsSchema>;

/** The parts of a request a generic `hmac` template can sign. */
export type HmacPlaceholder = "body" | "timestamp" | "url" | "method" | "id";

/** One placeholder in a template; the verifier renders with it and the checks below read it. */
export const HMAC_PLACEHOLDER = /\{(body|timestamp|url|method|id)\}/g;

/** The placeholders a template signs. */
export function signedPlaceholders(template: string): Set<HmacPlaceholder> {
  return new Set(Array.from(template.matchAll(HMAC_PLACEHOLDER), (match) => match[1] as HmacPlaceholder));
}

/** A generic HMAC setting that leaves a request open to forgery or replay, by the option to fix. */
export interface HmacOptionProblem {
  field: "template" | "timestampHeader";
  message: string;
}

/**
 * What is unsafe in a source's `hmac` options. A value the signature does not
 * cover can be changed by whoever replays a captured request: a timestamp that is
 * checked but not signed gives no replay protection (a fresh one passes with an old
 * signature), and a template without `{body}` lets any body travel under one
 * signature. The admin API refuses these at write time (422); the verifier refuses
 * requests to a source stored with them before this check existed.
 */
export function hmacOptionProblems(options: HmacOptions): HmacOptionProblem[] {
  const signs = signedPlaceholders(options.template);
  const problems: HmacOptionProblem[] = [];
  if (!signs.has("body")) {
    problems.push({ field: "template", message: "the template must sign {body}, or any body could be sent under a captured signature" });
  }
  if (signs.has("timestamp") && options.timestampHeader === undefined) {
    problems.push({ field: "template", message: "the template signs {timestamp} but no timestampHeader says where to read it" });
  }
  if (signs.has("id") && options.idHeader === undefined) {
    problems.push({ field: "template", message: "the template signs {id} but no idHeader says where to read it" });
  }
  if (options.timestampHeader !== undefined && !signs.has("timestamp")) {
    problems.push({
      field: "timestampHeader",
      message:
        "the template does not sign {timestamp}, so a replayed request could carry a fresh timestamp: add {timestamp} to the template or remove timestampHeader",
    });
  }
  return problems;
}
