// The demo's traffic: a handful of realistic leads from each demo source, chosen so
// every route of the demo configuration is taken, plus what a gateway must refuse or
// absorb — a provider redelivering, a forged signature, a replayed old request and a
// burst over the Typeform source's rate. Pure data: sending is scripts/demo.mjs's job.
import { randomUUID } from "node:crypto";
import { calendlyPayload, partnerReferralPayload, typeformPayload, websiteSignupPayload } from "../lib/lead-payloads.mjs";

/** The leads, one row each in the demo's table. Emails stay the same across runs: a re-run shows sticky owners. */
export const demoLeads = [
  {
    source: "typeform-leads",
    lead: {
      email: "ada@analytical-engines.example",
      firstName: "Ada",
      lastName: "Lovelace",
      company: "Analytical Engines",
      country: "GB",
      employees: 2400,
      score: 77,
    },
  },
  {
    source: "typeform-leads",
    lead: { email: "grace@cobol.example", firstName: "Grace", lastName: "Hopper", company: "COBOL Systems", country: "US", employees: 85, score: 92 },
  },
  {
    source: "typeform-leads",
    lead: {
      email: "katherine@orbital.example",
      firstName: "Katherine",
      lastName: "Johnson",
      company: "Orbital Mechanics",
      country: "US",
      employees: 40,
      score: 64,
    },
  },
  { source: "calendly-meetings", lead: { email: "alan@bletchley.example", firstName: "Alan", lastName: "Turing", company: "Bletchley Labs" } },
  {
    source: "website-signup",
    lead: {
      email: "margaret@apollo-software.example",
      firstName: "Margaret",
      lastName: "Hamilton",
      company: "Apollo Software",
      phone: "(617) 555-0142",
      website: "https://apollo-software.example",
      employees: 300,
      score: 55,
    },
  },
  {
    source: "website-signup",
    lead: {
      email: "linus@kernel-hackers.example",
      firstName: "Linus",
      company: "Kernel Hackers",
      website: "https://kernel-hackers.example",
      employees: 12,
      score: 20,
    },
  },
  {
    source: "partner-referrals",
    lead: {
      email: "radia@spanning-tree.example",
      firstName: "Radia",
      lastName: "Perlman",
      company: "Spanning Tree",
      country: "CA",
      employees: 5000,
      score: 81,
    },
  },
  { source: "partner-referrals", lead: { email: "tim@hypertext.example", firstName: "Tim", company: "Hypertext", country: "GB", employees: 8, score: 35 } },
];

/** The Typeform source allows 20/s with a burst of 40 (scripts/demo/config.mjs): 50 at once overflow it. */
export const burstSize = 50;
export const burstSource = "typeform-leads";

/** The body a provider sends for a lead, and its delivery id (where the scheme has one). */
export function providerRequest(source, lead) {
  const deliveryId = `msg_${randomUUID().replaceAll("-", "")}`;
  switch (source) {
    case "typeform-leads":
      return { deliveryId, body: JSON.stringify(typeformPayload(lead, { eventId: deliveryId })) };
    case "calendly-meetings":
      return { deliveryId: undefined, body: JSON.stringify(calendlyPayload(lead)) };
    case "website-signup":
      return { deliveryId, body: JSON.stringify(websiteSignupPayload(lead)) };
    case "partner-referrals":
      return { deliveryId, body: JSON.stringify(partnerReferralPayload(lead, { referralId: `ref-${deliveryId.slice(4, 14)}` })) };
    default:
      throw new Error(`the demo has no payload for source ${source}`);
  }
}

/** Burst leads: unique per run, low score (the `rest` route). */
export function burstLeads(runId) {
  return Array.from({ length: burstSize }, (_, k) => ({
    email: `burst-${runId}-${String(k + 1).padStart(2, "0")}@webinar-signups.example`,
    firstName: "Webinar",
    lastName: `Attendee ${k + 1}`,
    company: "Webinar Signups",
    country: "US",
    employees: 20,
    score: 30,
  }));
}

/**
 * Warm leads for the `warm` route's experiment (pipedrive-only vs with-hubspot-mql):
 * enough that the KPI page has figures per arm. Emails stay the same across runs.
 */
export const splitLeads = Array.from({ length: 12 }, (_, k) => ({
  source: "website-signup",
  lead: {
    email: `buyer@mid-market-${String(k + 1).padStart(2, "0")}.example`,
    firstName: `Buyer ${k + 1}`,
    company: `Mid Market ${k + 1}`,
    employees: 120,
    score: 60 + k,
  },
}));

/** Hot leads besides Grace's and Alan's, sent last: the CRM reports them contacted in time; Grace's and Alan's nobody touches, so their SLAs fire. */
export const hotLeads = [
  {
    source: "typeform-leads",
    lead: { email: "barbara@liskov.example", firstName: "Barbara", lastName: "Liskov", company: "Substitution Inc", country: "US", employees: 150, score: 95 },
  },
  {
    source: "typeform-leads",
    lead: {
      email: "frances@allen-compilers.example",
      firstName: "Frances",
      lastName: "Allen",
      company: "Allen Compilers",
      country: "US",
      employees: 90,
      score: 88,
    },
  },
];

/**
 * What the CRM reports back through the `crm-outcomes` source (generic format): the
 * last hot leads contacted at once (their SLAs are met), most warm leads
 * contacted, some qualified or further, one lost.
 */
export function outcomeReports() {
  const reports = hotLeads.map(({ lead }) => ({ email: lead.email, outcome: "contacted" }));
  splitLeads.forEach(({ lead }, k) => {
    if (k % 6 === 5) return; // two nobody called yet
    reports.push({ email: lead.email, outcome: "contacted" });
    if (k % 3 === 0) reports.push({ email: lead.email, outcome: "qualified" });
    if (k % 4 === 0) reports.push({ email: lead.email, outcome: "meeting_booked" });
    if (k === 7) reports.push({ email: lead.email, outcome: "lost" });
  });
  return reports;
}
