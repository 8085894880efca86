/** A POST form with one button and the session's CSRF token: every console write is one of these. */
export function PostButton({
  action,
  csrf,
  label,
  fields = {},
  variant,
  describedBy,
}: {
  action: string;
  csrf: string;
  label: string;
  fields?: Record<string, string>;
  variant?: "secondary" | "danger";
  describedBy?: string;
}) {
  return (
    <form class="inline" method="post" action={action}>
      <input type="hidden" name="_csrf" value={csrf} />
      {Object.entries(fields).map(([name, value]) => (
        <input type="hidden" name={name} value={value} />
      ))}
      <button type="submit" class={variant} aria-describedby={describedBy}>
        {label}
      </button>
    </form>
  );
}
