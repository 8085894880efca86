import { cellText } from "../format";

const leadLabels: Record<string, string> = {
  email: "Email",
  phone: "Phone",
  firstName: "First name",
  lastName: "Last name",
  company: "Company",
  domain: "Domain",
  website: "Website",
  country: "Country",
  industry: "Industry",
  employees: "Employees",
  score: "Score",
  custom: "Custom fields",
};

/** The mapped lead as a list of its fields. */
export function LeadFacts({ lead }: { lead: unknown }) {
  if (typeof lead !== "object" || lead === null || Array.isArray(lead)) return <p>No lead: the payload was not mapped.</p>;
  const entries = Object.entries(lead).filter(([, v]) => v !== undefined && v !== null && v !== "" && !(typeof v === "object" && Object.keys(v).length === 0));
  if (entries.length === 0) return <p>The lead is empty.</p>;
  return (
    <dl class="facts">
      {entries.map(([key, value]) => (
        <>
          <dt>{leadLabels[key] ?? key}</dt>
          <dd class={typeof value === "object" ? "mono" : undefined}>{cellText(value)}</dd>
        </>
      ))}
    </dl>
  );
}
