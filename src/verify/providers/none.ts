import { defineVerifier } from "../outcome";
import type { Verifier } from "../types";

/**
 * No authentication: for a source the operator has explicitly declared unauthenticated
 * (`provider: "none"`), e.g. a sender that cannot sign. Every request is accepted.
 */
export const noneVerifier: Verifier = defineVerifier({
  provider: "none",
  bodyFormat: "any",
  verify: () => Promise.resolve({ ok: true }),
});
