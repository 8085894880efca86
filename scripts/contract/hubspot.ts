import { z } from "zod";
import type { HubspotDestination } from "../../src/connectors/hubspot";
import { call } from "./call";
import type { Probe, ReadBack } from "./probe";

/**
 * HubSpot: the connector upserts contacts by email; the check reads the contact back
 * by the id the upsert returned and archives it.
 * - Retrieve: `GET /crm/v3/objects/contacts/{contactId}?properties=…` → `{ id, properties }`
 * - Archive: `DELETE /crm/v3/objects/contacts/{contactId}` → 204 (the contact goes to
 *   the recycling bin, restorable for 90 days in HubSpot's UI)
 *   https://developers.hubspot.com/docs/api/crm/contacts
 * Scopes: `crm.objects.contacts.read` for the read, `crm.objects.contacts.write` for
 * the upsert and the archive (docs/connectors.md).
 * Refused input: a property the portal does not have. HubSpot refuses the input with
 * 400 VALIDATION_ERROR (`PROPERTY_DOESNT_EXIST`), whatever the portal's settings.
 * https://developers.hubspot.com/docs/api-reference/error-handling
 */
const PROPERTIES = ["email", "firstname", "lastname", "company"] as const;
/** Never a property of a real portal: HubSpot's internal names are lower-case, and this one is ours. */
const MISSING_PROPERTY = "switchboard_contract_check_missing_property";

const contactSchema = z.object({ id: z.string(), properties: z.record(z.string(), z.string().nullable()) });

export const hubspotProbe: Probe<HubspotDestination> = {
  expected: (_destination, delivery) => ({
    email: delivery.lead.email,
    firstname: delivery.lead.firstName,
    lastname: delivery.lead.lastName,
    company: delivery.lead.company,
  }),
  refused: (delivery) => ({ ...delivery, properties: { ...delivery.properties, [MISSING_PROPERTY]: "refused" } }),
  async readBack(destination, written, options): Promise<ReadBack> {
    if (!written.externalId) return { ok: false, error: "the connector reported no contact id" };
    const result = await call("GET", contactPath(destination, written.externalId, `?properties=${PROPERTIES.join(",")}`), auth(destination), options);
    if (!result.ok) return result;
    const contact = contactSchema.safeParse(result.json);
    if (!contact.success) return { ok: false, error: `not a contact: ${result.text.slice(0, 200)}` };
    return { ok: true, fields: Object.fromEntries(PROPERTIES.map((name) => [name, contact.data.properties[name] ?? undefined])) };
  },
  async cleanUp(destination, written, options) {
    if (!written.externalId) return [{ ok: false, detail: "no contact id to archive" }];
    const result = await call("DELETE", contactPath(destination, written.externalId), auth(destination), options);
    return [{ ok: result.ok, detail: result.ok ? `contact ${written.externalId} archived` : `contact ${written.externalId}: ${result.error}` }];
  },
};

function auth(destination: HubspotDestination): Record<string, string> {
  return { authorization: `Bearer ${destination.token}` };
}

function contactPath(destination: HubspotDestination, id: string, query = ""): string {
  return `${destination.baseUrl.replace(/\/+$/, "")}/crm/v3/objects/contacts/${encodeURIComponent(id)}${query}`;
}
