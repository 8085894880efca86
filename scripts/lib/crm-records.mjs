// What the CRM fakes (test/fakes) hold, read over their control API and reduced to
// the same shape for every CRM, so the demo can say where a lead landed and the e2e
// suite can count records per email. Keys are lower-cased emails: every CRM here
// upserts by email.

async function control(origin, what) {
  const response = await fetch(`${origin}/__fake/${what}`);
  if (!response.ok) throw new Error(`${origin}/__fake/${what} answered ${response.status}`);
  return response.json();
}

const lower = (value) => (typeof value === "string" ? value.toLowerCase() : "");

/** `event evt_… · delivery …` in a lead message, or "Event `evt_…`" in an alert. */
function eventIdIn(text) {
  return /\b(evt_[A-Za-z0-9_-]+)/.exec(text)?.[1];
}

/**
 * @param {Partial<Record<"hubspot"|"salesforce"|"pipedrive"|"slack"|"receiver", string>>} origins
 *   each fake's origin (`http://127.0.0.1:<port>`)
 */
export async function readFakeRecords(origins) {
  const [hubspot, salesforce, pipedrive, slack, receiver] = await Promise.all(
    ["hubspot", "salesforce", "pipedrive", "slack", "receiver"].map((name) => (origins[name] ? control(origins[name], "records") : Promise.resolve(undefined))),
  );
  const pipedrivePersons = (pipedrive?.persons ?? []).map((p) => ({
    id: String(p.id),
    emails: p.emails.map((e) => lower(e.value)),
    ownerId: String(p.owner_id),
    leads: (pipedrive?.leads ?? []).filter((l) => l.person_id === p.id).length,
  }));
  return {
    hubspot: (hubspot ?? []).map((c) => ({
      id: c.id,
      email: lower(c.properties.email),
      ownerId: c.properties.hubspot_owner_id ?? null,
      lifecycle: c.properties.lifecyclestage ?? null,
    })),
    salesforce: (salesforce ?? []).map((r) => ({ id: r.Id, email: lower(r.externalId), ownerId: r.fields.OwnerId ?? null })),
    pipedrive: pipedrivePersons.map((p) => ({ id: p.id, email: p.emails[0] ?? "", emails: p.emails, ownerId: p.ownerId, leads: p.leads })),
    pipedriveLeads: (pipedrive?.leads ?? []).map((l) => ({ id: l.id, personId: l.person_id === null ? null : String(l.person_id) })),
    slack: (slack ?? []).map((m) => {
      // A lead notification ends with a context block "event evt_… · delivery …";
      // anything else (dead-letter and threshold alerts) is an alert.
      const context = (m.blocks ?? []).flatMap((b) => (b.type === "context" ? (b.elements ?? []).map((e) => e.text ?? "") : [])).join(" ");
      const lead = /\bevent evt_\S+ · delivery /.test(context);
      return { eventId: eventIdIn(lead ? context : (m.text ?? "")) ?? null, alert: !lead, text: m.text ?? "" };
    }),
    receiver: (receiver ?? []).map((d) => {
      let data = {};
      try {
        data = JSON.parse(d.body).data ?? {};
      } catch {
        // not JSON: counted, but with no lead
      }
      return { webhookId: d.webhookId, verified: d.verified, duplicate: d.duplicate, eventId: data.eventId ?? null, email: lower(data.lead?.email) };
    }),
  };
}

/** The CRMs that hold a record for each email: `email → [{ crm, id, ownerId }]`. */
export function crmRecordsByEmail(records) {
  const byEmail = new Map();
  const add = (crm, record) => {
    const list = byEmail.get(record.email) ?? [];
    list.push({ crm, ...record });
    byEmail.set(record.email, list);
  };
  for (const crm of ["hubspot", "salesforce", "pipedrive"]) for (const record of records[crm]) add(crm, record);
  return byEmail;
}

/** Every API request each fake answered (`GET /__fake/requests`), for attempt counts. */
export async function readFakeRequests(origins) {
  const entries = await Promise.all(Object.entries(origins).map(async ([name, origin]) => [name, await control(origin, "requests")]));
  return Object.fromEntries(entries);
}
