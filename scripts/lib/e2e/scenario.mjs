// The run's traffic, decided up front from a seed: which leads exist, which source
// sends each one, which route (and so which CRM) it must reach, and the requests that
// must be refused. Every request knows what answer it should get, so the checks can
// compare outcome against intent one by one.
import { randomUUID } from "node:crypto";
import { calendlyPayload, partnerReferralPayload, typeformPayload, websiteSignupPayload } from "../lead-payloads.mjs";
import { signatureHeaders } from "../sign-webhook.mjs";
import { floodSource, smallBodyBytes, smallBodySource } from "./e2e-config.mjs";

/** Small, fast, seedable PRNG (mulberry32): the same seed gives the same run. */
export function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What each kind of request must get back (the final answer, after any retries). */
export const expectations = {
  lead: { status: 202 },
  flood: { status: 202 },
  duplicate: { status: 200, code: "duplicate" },
  "bad-signature": { status: 401, code: "signature_invalid" },
  "missing-signature": { status: 401, code: "signature_missing" },
  "stale-timestamp": { status: 401, code: "timestamp_out_of_tolerance" },
  oversized: { status: 413, code: "payload_too_large" },
  "unknown-source": { status: 404, code: "source_not_found" },
  unparseable: { status: 400, code: "body_unparseable" },
};

/** Share of the lead count sent as each refused kind (duplicates: re-sends of accepted leads). */
const shares = {
  duplicate: 0.05,
  "bad-signature": 0.015,
  "missing-signature": 0.005,
  "stale-timestamp": 0.005,
  oversized: 0.01,
  "unknown-source": 0.005,
  unparseable: 0.0025,
};

const firstNames = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Margaret", "Ken", "Radia", "Linus", "Frances", "Tim"];
const lastNames = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Hamilton", "Thompson", "Perlman", "Torvalds", "Allen", "Berners-Lee"];

/** Where a lead's attributes send it: the e2e routes in order (see e2e-config.mjs). */
function attributesFor(route, random) {
  const int = (lo, hi) => lo + Math.floor(random() * (hi - lo + 1));
  const pick = (list) => list[Math.floor(random() * list.length)];
  // Big companies outside the enterprise countries must fall through to score routes.
  const size = () =>
    random() < 0.3
      ? { employees: int(1000, 20_000), country: pick(["DE", "FR", "JP"]) }
      : { employees: int(5, 999), country: pick(["US", "GB", "DE", "BR", "IN"]) };
  switch (route) {
    case "enterprise":
      return { employees: int(1000, 20_000), country: pick(["US", "CA", "GB"]), score: int(0, 100) };
    case "hot":
      return { ...size(), score: int(81, 100) };
    case "warm":
      return { ...size(), score: int(50, 80) };
    default:
      return { ...size(), score: int(0, 49) };
  }
}

function chooseRoute(random) {
  const r = random();
  return r < 0.15 ? "enterprise" : r < 0.45 ? "hot" : r < 0.7 ? "warm" : "rest";
}

function chooseSource(random) {
  const r = random();
  return r < 0.35 ? "typeform-leads" : r < 0.65 ? smallBodySource : r < 0.85 ? "calendly-meetings" : floodSource;
}

/** The body a source's provider sends for a lead, and the delivery id it carries. */
function providerBody(source, lead, random) {
  const deliveryId = `msg_${randomUUID().replaceAll("-", "")}`;
  switch (source.provider) {
    case "typeform":
      return { deliveryId, payload: typeformPayload(lead, { eventId: deliveryId }) };
    case "standard-webhooks":
      return { deliveryId, payload: websiteSignupPayload(lead) };
    case "calendly":
      // Calendly sends no delivery id: the gateway deduplicates on the body hash.
      return { deliveryId: undefined, payload: calendlyPayload(lead) };
    case "hmac":
      return { deliveryId, payload: partnerReferralPayload(lead, { referralId: `ref-${Math.floor(random() * 1e9)}-${deliveryId.slice(4, 12)}` }) };
    default:
      throw new Error(`no payload for ${source.provider}`);
  }
}

/**
 * A request: `build()` gives path, headers and body for one attempt. The body and
 * delivery id stay fixed across attempts, the signature is made afresh each time,
 * as a provider's retry does.
 * @param {{ key: string, kind: string, source: { id: string, provider: string }, sourceId?: string, body: string,
 *   deliveryId?: string, secret?: string, sign?: boolean, timestamp?: number, leadKey?: string }} request
 */
function signedRequest({ key, kind, source, sourceId = source.id, body, deliveryId, secret, sign = true, timestamp, leadKey }) {
  return {
    key,
    kind,
    sourceId,
    leadKey,
    expect: expectations[kind],
    body,
    deliveryId,
    build() {
      const headers = { "content-type": "application/json", "user-agent": "switchboard-e2e" };
      if (sign) Object.assign(headers, signatureHeaders(source, secret, { body, deliveryId, ...(timestamp ? { timestamp } : {}) }));
      return { path: `/in/${sourceId}`, headers, body };
    },
  };
}

/**
 * @param {{ leads: number, flood: number, doomed: number, seed: number, runId: string,
 *   secrets: Record<string, string>, config: { sources: { id: string, provider: string }[] },
 *   firstIndex?: number }} options  firstIndex numbers the leads (and their company
 *   domains) from there, so scenarios built one after another (the soak) share no domain
 */
export function buildScenario({ leads: total, flood: floodCount, doomed: doomedCount, seed, runId, secrets, config, firstIndex = 0 }) {
  const random = seededRandom(seed);
  const sources = new Map(config.sources.map((s) => [s.id, s]));
  const secretOf = {
    "typeform-leads": secrets.typeform,
    [smallBodySource]: secrets.website,
    "calendly-meetings": secrets.calendly,
    [floodSource]: secrets.partner,
  };
  const leads = [];
  const main = [];
  const flood = [];
  let doomed = 0;

  const makeLead = (i, sourceId, kind) => {
    const invalid = kind === "lead" && random() < 0.01;
    const route = invalid ? null : chooseRoute(random);
    const isDoomed = route === "enterprise" && doomed < doomedCount;
    if (isDoomed) doomed += 1;
    const tag = String(firstIndex + i).padStart(5, "0");
    // Unique company domains, so no lead inherits another's owner by domain match.
    const email = invalid
      ? `broken-${tag}.${runId}.at.example.com`
      : isDoomed
        ? `doomed-${tag}.${runId}@doomed${tag}.example.com`
        : `lead-${tag}.${runId}@acme${tag}.example.com`;
    const lead = {
      key: `L${tag}`,
      email,
      sourceId,
      route,
      doomed: isDoomed,
      invalid,
      flood: kind === "flood",
      firstName: firstNames[i % firstNames.length],
      lastName: lastNames[(i * 7) % lastNames.length],
      company: `Acme ${tag}`,
      ...(route ? attributesFor(route, random) : { score: 40 }),
    };
    leads.push(lead);
    const source = sources.get(sourceId);
    const { deliveryId, payload } = providerBody(source, lead, random);
    return signedRequest({ key: lead.key, kind, source, body: JSON.stringify(payload), deliveryId, secret: secretOf[sourceId], leadKey: lead.key });
  };

  const mainCount = total - floodCount;
  for (let i = 0; i < mainCount; i++) main.push(makeLead(i, chooseSource(random), "lead"));
  for (let i = mainCount; i < total; i++) flood.push(makeLead(i, floodSource, "flood"));

  // Refused requests carry lead-like bodies whose emails must never reach a CRM.
  const refused = [];
  const count = (kind) => Math.max(1, Math.round(total * shares[kind]));
  const refusedLead = (k, kind) => ({
    email: `refused-${kind}-${k}.${runId}@nowhere${k}.example.com`,
    firstName: "Mallory",
    company: "Nowhere",
    score: 99,
    employees: 50,
    country: "US",
  });
  const sourceIds = [...sources.keys()];
  for (const kind of ["bad-signature", "missing-signature", "stale-timestamp", "oversized", "unknown-source", "unparseable"]) {
    for (let k = 0; k < count(kind); k++) {
      const key = `${kind}-${k}`;
      let sourceId = sourceIds[k % sourceIds.length];
      if (kind === "stale-timestamp") sourceId = k % 2 === 0 ? smallBodySource : "calendly-meetings";
      if (kind === "oversized") sourceId = smallBodySource;
      if (kind === "unparseable") sourceId = "typeform-leads";
      const source = sources.get(sourceId);
      const { deliveryId, payload } = providerBody(source, refusedLead(k, kind), random);
      let body = JSON.stringify(payload);
      if (kind === "oversized") body = JSON.stringify({ ...payload, data: { ...payload.data, notes: "x".repeat(smallBodyBytes + 4096) } });
      if (kind === "unparseable") body = body.slice(0, Math.floor(body.length / 2));
      const options = { key, kind, source, body, deliveryId, secret: secretOf[sourceId] };
      if (kind === "bad-signature")
        options.secret =
          source.provider === "standard-webhooks" ? `whsec_${Buffer.from(`wrong-${k}-0123456789abcdef`).toString("base64")}` : `wrong-secret-${k}`;
      if (kind === "missing-signature") options.sign = false;
      if (kind === "stale-timestamp") options.timestamp = Math.floor(Date.now() / 1000) - 3600;
      if (kind === "unknown-source") options.sourceId = `no-such-source-${k}`;
      refused.push(signedRequest(options));
    }
  }

  // Duplicates: a provider redelivering an accepted lead (same delivery id, same body,
  // new signature). Each waits for its original's answer, as a redelivery would.
  const duplicates = [];
  const candidates = main.filter((r) => !leads.find((l) => l.key === r.leadKey)?.invalid);
  for (let k = 0; k < count("duplicate"); k++) {
    const original = candidates[Math.floor(random() * candidates.length)];
    if (duplicates.some((d) => d.originalKey === original.key)) continue;
    const source = sources.get(original.sourceId);
    const request = signedRequest({
      key: `duplicate-${k}`,
      kind: "duplicate",
      source,
      body: original.body,
      deliveryId: original.deliveryId,
      secret: secretOf[original.sourceId],
      leadKey: original.leadKey,
    });
    request.originalKey = original.key;
    duplicates.push(request);
  }

  // Interleave: refused requests anywhere, duplicates some way after their original.
  const ordered = [...main];
  for (const request of refused) ordered.splice(Math.floor(random() * (ordered.length + 1)), 0, request);
  for (const request of duplicates) {
    const at = ordered.findIndex((r) => r.key === request.originalKey);
    const offset = 20 + Math.floor(random() * 200);
    ordered.splice(Math.min(ordered.length, at + offset), 0, request);
  }
  return { leads, requests: ordered, flood };
}
