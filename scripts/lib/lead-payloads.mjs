// What each provider POSTs for one lead, in that provider's own payload shape, so the
// sources' JSONata mappings are exercised on realistic bodies. Shared by the demo and
// the e2e suite; the mappings that read these shapes are in scripts/demo/config.mjs
// and scripts/lib/e2e/e2e-config.mjs.
import { randomUUID } from "node:crypto";

/**
 * @typedef {{ email: string, firstName?: string, lastName?: string, company?: string,
 *   country?: string, employees?: number, score?: number, phone?: string, website?: string }} Lead
 */

function definedStrings(fields) {
  return Object.fromEntries(Object.entries(fields).flatMap(([key, value]) => (value === undefined ? [] : [[key, String(value)]])));
}

/**
 * Typeform `form_response`: hidden fields are strings, the score is a calculated number.
 * @param {Record<string, any>} lead
 * @param {{ eventId?: string, at?: Date }} [options]
 */
export function typeformPayload(lead, { eventId = randomUUID(), at = new Date() } = {}) {
  const formId = "lT4Z3j";
  return {
    event_id: eventId,
    event_type: "form_response",
    form_response: {
      form_id: formId,
      token: randomUUID().replaceAll("-", ""),
      landed_at: new Date(at.getTime() - 95_000).toISOString(),
      submitted_at: at.toISOString(),
      // Hidden fields the form was given; an absent one is left out, since a mapping
      // like `$number(form_response.hidden.employees)` cannot cast "".
      hidden: definedStrings({
        email: lead.email,
        first_name: lead.firstName,
        last_name: lead.lastName,
        company: lead.company,
        country: lead.country,
        employees: lead.employees,
      }),
      calculated: { score: lead.score ?? 0 },
      definition: { id: formId, title: "Request a demo" },
      answers: [{ type: "email", email: lead.email, field: { id: "Q1email", type: "email", ref: "email" } }],
    },
  };
}

/** A website's own signup event, sent the Standard Webhooks way. */
export function websiteSignupPayload(lead, { at = new Date() } = {}) {
  return {
    type: "lead.created",
    timestamp: at.toISOString(),
    data: {
      email: lead.email,
      name: lead.firstName ?? "",
      last_name: lead.lastName ?? "",
      company: lead.company ?? "",
      country: lead.country ?? "",
      phone: lead.phone ?? "",
      website: lead.website ?? "",
      employees: lead.employees ?? null,
      score: lead.score ?? null,
    },
  };
}

/** Calendly `invitee.created` (webhooks v2): the answers to the booking questions carry the firmographics. */
export function calendlyPayload(lead, { at = new Date() } = {}) {
  const event = `https://api.calendly.com/scheduled_events/${randomUUID()}`;
  const start = new Date(at.getTime() + 2 * 86_400_000);
  return {
    created_at: at.toISOString(),
    created_by: "https://api.calendly.com/users/AAAAAAAAAAAAAAAA",
    event: "invitee.created",
    payload: {
      email: lead.email,
      first_name: lead.firstName ?? "",
      last_name: lead.lastName ?? "",
      name: [lead.firstName, lead.lastName].filter(Boolean).join(" "),
      status: "active",
      timezone: "America/New_York",
      uri: `${event}/invitees/${randomUUID()}`,
      created_at: at.toISOString(),
      updated_at: at.toISOString(),
      scheduled_event: {
        name: "Intro call (30 min)",
        uri: event,
        start_time: start.toISOString(),
        end_time: new Date(start.getTime() + 1_800_000).toISOString(),
      },
      // Only the questions answered, as Calendly sends them.
      questions_and_answers: Object.entries(
        definedStrings({ Company: lead.company, Country: lead.country, "Team size": lead.employees, "Budget score": lead.score }),
      ).map(([question, answer], position) => ({ position, question, answer })),
      tracking: { utm_source: "newsletter", utm_medium: "email", utm_campaign: "spring" },
    },
  };
}

/** A partner's referral, flat JSON signed with the generic HMAC scheme. */
export function partnerReferralPayload(lead, { referralId = `ref-${randomUUID()}` } = {}) {
  return {
    referral_id: referralId,
    partner: "Northwind Partners",
    email: lead.email,
    first_name: lead.firstName ?? "",
    last_name: lead.lastName ?? "",
    company: lead.company ?? "",
    country: lead.country ?? "",
    employees: lead.employees ?? null,
    score: lead.score ?? null,
  };
}
