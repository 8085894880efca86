import { z } from "zod";
import { LEAD, PERSON, type PipedriveDestination } from "../../src/connectors/pipedrive";
import { call } from "./call";
import type { Probe, ReadBack, Written } from "./probe";

/**
 * Pipedrive: the connector writes a person (by email) and a lead in the Leads Inbox;
 * the check reads both back by the ids the connector reported (its record map
 * entries) and deletes the lead, then the person.
 * - `GET /api/v2/persons/{id}`, `DELETE /api/v2/persons/{id}` → `{ success, data }`
 *   https://developers.pipedrive.com/docs/api/v1/Persons#getPerson (v2 tab), #deletePerson
 * - `GET /api/v1/leads/{id}`, `DELETE /api/v1/leads/{id}` → `{ success, data }`
 *   https://developers.pipedrive.com/docs/api/v1/Leads#getLead, #deleteLead
 * A deleted person stays marked deleted for 30 days, then Pipedrive removes it
 * (https://developers.pipedrive.com/changelog/post/permanent-deletion-logic-for-6-core-entities).
 * Refused input: a `custom_fields` key that is no field of the account. Persons v2
 * validates its body and answers 400 (docs/connectors.md, "Errors").
 */
const MISSING_FIELD = "switchboard_contract_check_missing_field";

const personSchema = z.object({
  success: z.literal(true),
  data: z.object({
    id: z.number().int(),
    name: z.string().nullable(),
    emails: z
      .array(z.object({ value: z.string() }))
      .nullable()
      .optional(),
  }),
});
const leadSchema = z.object({ success: z.literal(true), data: z.object({ id: z.string(), title: z.string(), person_id: z.number().int().nullable() }) });

export const pipedriveProbe: Probe<PipedriveDestination> = {
  expected: (_destination, delivery) => ({
    name: [delivery.lead.firstName, delivery.lead.lastName].filter(Boolean).join(" "),
    email: delivery.lead.email,
    leadTitle: `${delivery.lead.company} lead`,
  }),
  refused: (delivery) => ({ ...delivery, properties: { ...delivery.properties, [MISSING_FIELD]: "refused" } }),
  async readBack(destination, written, options): Promise<ReadBack> {
    const ids = idsOf(written);
    if (!ids) return { ok: false, error: "the connector reported no person and lead ids" };
    const person = await call("GET", url(destination, `/api/v2/persons/${ids.person}`), auth(destination), options);
    if (!person.ok) return person;
    const parsedPerson = personSchema.safeParse(person.json);
    if (!parsedPerson.success) return { ok: false, error: `not a person: ${person.text.slice(0, 200)}` };
    const lead = await call("GET", url(destination, `/api/v1/leads/${encodeURIComponent(ids.lead)}`), auth(destination), options);
    if (!lead.ok) return lead;
    const parsedLead = leadSchema.safeParse(lead.json);
    if (!parsedLead.success) return { ok: false, error: `not a lead: ${lead.text.slice(0, 200)}` };
    if (parsedLead.data.data.person_id !== parsedPerson.data.data.id) {
      return { ok: false, error: `lead ${ids.lead} belongs to person ${parsedLead.data.data.person_id}, not ${ids.person}` };
    }
    return {
      ok: true,
      fields: {
        name: parsedPerson.data.data.name ?? undefined,
        email: parsedPerson.data.data.emails?.[0]?.value,
        leadTitle: parsedLead.data.data.title,
      },
    };
  },
  async cleanUp(destination, written, options) {
    const ids = idsOf(written);
    if (!ids) return [{ ok: false, detail: "no person and lead ids to delete" }];
    // The lead first: it points at the person.
    const lead = await call("DELETE", url(destination, `/api/v1/leads/${encodeURIComponent(ids.lead)}`), auth(destination), options);
    const person = await call("DELETE", url(destination, `/api/v2/persons/${ids.person}`), auth(destination), options);
    return [
      { ok: lead.ok, detail: lead.ok ? `lead ${ids.lead} deleted` : `lead ${ids.lead}: ${lead.error}` },
      { ok: person.ok, detail: person.ok ? `person ${ids.person} deleted` : `person ${ids.person}: ${person.error}` },
    ];
  },
};

function idsOf(written: Written): { person: number; lead: string } | undefined {
  const person = Number(written.records?.[PERSON]);
  const lead = written.records?.[LEAD];
  return Number.isSafeInteger(person) && person > 0 && lead ? { person, lead } : undefined;
}

function auth(destination: PipedriveDestination): Record<string, string> {
  return { "x-api-token": destination.apiToken };
}

function url(destination: PipedriveDestination, path: string): string {
  return `${destination.baseUrl.replace(/\/+$/, "")}${path}`;
}
