import type { Verifier } from "../types";
import { createStandardWebhooksVerifier } from "./standard-webhooks";

/**
 * Svix (https://docs.svix.com/receiving/verifying-payloads/how-manual): the Standard
 * Webhooks scheme under `svix-id`, `svix-timestamp` and `svix-signature`. Like Svix's own
 * SDK (svix/svix-webhooks, javascript/src/webhook.ts) it falls back to the unbranded
 * `webhook-*` headers when the `svix-*` set is incomplete.
 */
export const svixVerifier: Verifier = createStandardWebhooksVerifier({
  provider: "svix",
  headerPrefixes: ["svix", "webhook"],
});
