import type { DescribedField, ObjectFields } from "./salesforce-describe";
import type { SalesforceDestination } from "./salesforce-destination";
import type { LeadDelivery } from "./types";

export type FieldValue = string | number | boolean;

/** Written where Salesforce requires a value the lead does not have. */
export const NOT_PROVIDED = "[not provided]";

/**
 * The fields for one delivery, before the object's describe is applied; route
 * properties win over mapped fields.
 *
 * - Lead requires LastName and Company on create (REQUIRED_FIELD_MISSING otherwise):
 *   a missing LastName becomes "[not provided]", a missing Company the lead's domain
 *   or "[not provided]". Contact requires LastName. Other objects get Email, OwnerId
 *   and the route's properties only.
 * - A Lead's country (ISO 3166-1 alpha-2) goes to `countryField` (`CountryCode`) and
 *   a mapped `state` to `stateField` (`StateCode`): with State and Country/Territory
 *   Picklists on, the text fields `Country`/`State` take names only and refuse a
 *   code with FIELD_INTEGRITY_EXCEPTION.
 *   https://help.salesforce.com/s/articleView?id=sf.admin_state_country_picklists_overview.htm
 */
export function salesforceFields(destination: SalesforceDestination, delivery: LeadDelivery, email: string): Record<string, FieldValue> {
  const { lead } = delivery;
  const fields: Record<string, FieldValue | undefined> = { Email: email, OwnerId: delivery.ownerId };
  if (destination.object === "Lead" || destination.object === "Contact") {
    Object.assign(fields, {
      FirstName: lead.firstName,
      LastName: nonEmpty(lead.lastName) ?? NOT_PROVIDED,
      Phone: lead.phone,
    });
  }
  if (destination.object === "Lead") {
    const state = lead.custom.state;
    Object.assign(fields, {
      Company: nonEmpty(lead.company) ?? nonEmpty(lead.domain) ?? NOT_PROVIDED,
      [destination.countryField]: lead.country,
      [destination.stateField]: typeof state === "string" ? state : undefined,
      Industry: lead.industry,
      NumberOfEmployees: lead.employees,
    });
  }
  const out: Record<string, FieldValue> = {};
  for (const [name, value] of Object.entries(fields)) if (value !== undefined && value !== "") out[name] = value;
  return { ...out, ...delivery.properties };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value?.trim() ? value : undefined;
}

/** Without State and Country/Territory Picklists the object has only the text fields. */
const codeFallbacks: Record<string, string> = { countrycode: "Country", statecode: "State" };

const numberTypes = new Set(["int", "double", "currency", "percent"]);
const picklistTypes = new Set(["picklist", "multipicklist", "combobox"]);

/**
 * Fits fields to the object as described, so that one value never fails a record
 * (or, for an unknown field, the whole collection call): a field the object does
 * not have is left out (a `*Code` field falls back to its text field), as is one
 * the API may not write or a value of the wrong type; text is clipped to the
 * field's length; a picklist value matches its value or label case-insensitively,
 * and a value a restricted picklist does not have is left out. Each change is a
 * note for the attempt log. The external ID field is never changed: it is the key.
 */
export function fitFields(
  fields: Record<string, FieldValue>,
  described: ObjectFields,
  object: string,
  externalIdField: string,
): { record: Record<string, FieldValue>; notes: string[] } {
  const record: Record<string, FieldValue> = {};
  const notes: string[] = [];
  for (const [name, value] of Object.entries(fields)) {
    let field = described.get(name.toLowerCase());
    const fallback = codeFallbacks[name.toLowerCase()];
    if (!field && fallback) {
      field = described.get(fallback.toLowerCase());
      if (field && fields[fallback] === undefined) notes.push(`${name} is not a field of ${object}: sent as ${field.name}`);
      else field = undefined;
    }
    if (!field) {
      notes.push(`left out ${name}: not a field of ${object}`);
      continue;
    }
    if (!field.createable && !field.updateable) {
      notes.push(`left out ${field.name}: not writable`);
      continue;
    }
    if (field.name.toLowerCase() === externalIdField.toLowerCase()) {
      record[field.name] = value;
      continue;
    }
    const fitted = fitValue(field, value);
    if (fitted.note) notes.push(fitted.note);
    if (fitted.value !== undefined) record[field.name] = fitted.value;
  }
  return { record, notes };
}

function fitValue(field: DescribedField, value: FieldValue): { value?: FieldValue; note?: string } {
  if (numberTypes.has(field.type)) {
    const number = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : Number.NaN;
    return Number.isFinite(number) ? { value: number } : { note: `left out ${field.name}: ${JSON.stringify(value)} is not a number` };
  }
  if (field.type === "boolean") {
    if (typeof value === "boolean") return { value };
    if (value === "true" || value === "false") return { value: value === "true" };
    return { note: `left out ${field.name}: ${JSON.stringify(value)} is not true or false` };
  }
  const text = String(value);
  if (picklistTypes.has(field.type) && field.picklistValues.length > 0) {
    const wanted = text.toLowerCase();
    const match = field.picklistValues.find((p) => p.active && (p.value.toLowerCase() === wanted || p.label?.toLowerCase() === wanted));
    if (match) return { value: match.value };
    if (field.restrictedPicklist) return { note: `left out ${field.name}: ${JSON.stringify(text)} is not one of its values` };
  }
  if (field.length > 0 && text.length > field.length) {
    return { value: text.slice(0, field.length), note: `${field.name} clipped to ${field.length} characters` };
  }
  return { value: typeof value === "string" ? value : text };
}
