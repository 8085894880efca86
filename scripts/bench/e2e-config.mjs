// The end-to-end bench's gateway configuration: the ingest bench's source, with a
// mapping so every lead carries its own email, one route that sends every lead to
// HubSpot, and the HubSpot destination pointing at the local fake. Written to KV
// exactly as the ingest bench writes its own (scripts/bench/seed.mjs).
import { benchSource, storedConfig } from "./webhook.mjs";

/** The HubSpot destination's own limit: the gateway's default for HubSpot (190 per 10 s ÷ 10). */
export const hubspotRate = { perSecond: 19, burst: 19 };

/** The route and destination ids the report names. */
export const e2eIds = { destination: "hubspot", route: "all" };

/** `hubspot` is the running fake: `{ url, credentials: { token } }` (scripts/fakes.mjs). */
export function e2eStoredConfig(hubspot) {
  return storedConfig({
    sources: [
      {
        ...benchSource(),
        // leadBody() in scripts/bench/webhook.mjs: a form-tool payload.
        mapping: {
          email: "form_response.hidden.email",
          firstName: "form_response.hidden.first_name",
          company: "form_response.hidden.company",
          score: "form_response.calculated.score",
        },
      },
    ],
    destinations: [{ id: e2eIds.destination, type: "hubspot", token: hubspot.credentials.token, baseUrl: hubspot.url, rate: hubspotRate }],
    routes: [{ id: e2eIds.route, when: { always: true }, actions: [{ upsert: { destination: e2eIds.destination } }] }],
  });
}

/** The fake is plain http on 127.0.0.1: the gateway refuses that unless told. */
export const e2eVars = { ALLOW_HTTP_DESTINATIONS: "true" };
