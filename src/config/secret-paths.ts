import { z } from "zod";

/**
 * Reading and replacing values at a connector's secret paths (`token`,
 * `auth.clientSecret`) in plain configuration objects, and finding the schema a path
 * leads to. A path may pass through a nested object, an optional one or a union of
 * objects (e.g. one `auth` shape per grant type).
 */

export type SecretPath = readonly string[];

export function splitPath(path: string): SecretPath {
  return path.split(".");
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The value at `path`, or undefined when anything on the way is missing. */
export function valueAt(value: unknown, path: SecretPath): unknown {
  let at = value;
  for (const key of path) {
    if (!isRecord(at) || !Object.hasOwn(at, key)) return undefined;
    at = at[key];
  }
  return at;
}

/** True when every object above the path's last key is there (the key itself may be absent). */
export function hasParent(value: unknown, path: SecretPath): boolean {
  return isRecord(path.length === 1 ? value : valueAt(value, path.slice(0, -1)));
}

/** A copy of `value` with the value at `path` replaced; unchanged when a parent is missing. */
export function withValueAt<T>(value: T, path: SecretPath, replacement: unknown): T {
  const [key, ...rest] = path;
  if (key === undefined || !isRecord(value)) return value;
  if (rest.length === 0) return { ...value, [key]: replacement };
  if (!isRecord(value[key])) return value;
  return { ...value, [key]: withValueAt(value[key], rest, replacement) };
}

/** The paths that hold a string, with that string. */
export function stringsAt(value: unknown, paths: readonly SecretPath[]): { path: SecretPath; text: string }[] {
  return paths.flatMap((path) => {
    const at = valueAt(value, path);
    return typeof at === "string" ? [{ path, text: at }] : [];
  });
}

/** A copy of `value` with `transform` applied to the string at each path. */
export function mapStringsAt<T>(value: T, paths: readonly SecretPath[], transform: (text: string) => string): T {
  return stringsAt(value, paths).reduce((out, { path, text }) => withValueAt(out, path, transform(text)), value);
}

/**
 * The schema of the field at `path` for this value: through optional wrappers, and
 * in a union through the option the value's discriminator picks (else the first
 * object option that has the key). Undefined when the schema has no such field.
 */
export function fieldSchemaAt(schema: z.ZodType, value: unknown, path: SecretPath): z.ZodType | undefined {
  const [key, ...rest] = path;
  if (key === undefined) return schema;
  const object = objectFor(schema, value);
  const field = object?.shape[key];
  if (!(field instanceof z.ZodType)) return undefined;
  return rest.length === 0 ? field : fieldSchemaAt(field, isRecord(value) ? value[key] : undefined, rest);
}

function objectFor(schema: z.ZodType, value: unknown): z.ZodObject | undefined {
  if (schema instanceof z.ZodObject) return schema;
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable) return objectFor(schema.unwrap() as z.ZodType, value);
  if (schema instanceof z.ZodDefault) return objectFor(schema.unwrap() as z.ZodType, value);
  if (schema instanceof z.ZodUnion) {
    const options = (schema.options as readonly z.ZodType[]).filter((o): o is z.ZodObject => o instanceof z.ZodObject);
    const discriminator = schema instanceof z.ZodDiscriminatedUnion ? schema._zod.def.discriminator : undefined;
    const picked =
      discriminator !== undefined && isRecord(value) ? options.find((o) => o.shape[discriminator]?.safeParse(value[discriminator]).success) : undefined;
    return picked ?? options[0];
  }
  return undefined;
}

/**
 * Fills the secrets a write left out or sent masked from the entry as stored (`stored`
 * undefined: nothing to keep). A secret that cannot be filled is a problem: `missing`
 * when left out though the schema requires it for this shape (a secret another
 * shape of a union has, or one under an object the write left out, is not missing),
 * else a masked value that masks nothing stored.
 */
export function keepStoredAt<T>(
  written: T,
  stored: unknown,
  {
    schema,
    paths,
    maskSecret,
    isMasked,
  }: { schema: z.ZodType; paths: readonly SecretPath[]; maskSecret(value: string): string; isMasked(value: string): boolean },
): { value: T; problems: { path: SecretPath; missing: boolean }[] } {
  let value = written;
  const problems: { path: SecretPath; missing: boolean }[] = [];
  for (const path of paths) {
    const sent = valueAt(value, path);
    if ((typeof sent === "string" && !isMasked(sent)) || !hasParent(value, path)) continue;
    // A shape without this field (another option of a union) neither keeps nor needs it.
    const field = fieldSchemaAt(schema, value, path);
    if (field === undefined) continue;
    const kept = valueAt(stored, path);
    if (typeof kept === "string" && (sent === undefined || maskSecret(kept) === sent)) value = withValueAt(value, path, kept);
    else if (sent !== undefined || !field.safeParse(undefined).success) problems.push({ path, missing: sent === undefined });
  }
  return { value, problems };
}

/**
 * `schema` with the field at each path replaced by `replace(field)` (a write's
 * "absent or masked keeps the stored value"), through nested objects, optional ones
 * and unions of objects. The objects on the way become strict, like the entry itself:
 * a misspelt secret must not be dropped in silence.
 */
export function replaceFieldsAt(schema: z.ZodType, paths: readonly SecretPath[], replace: (field: z.ZodType) => z.ZodType): z.ZodType {
  if (schema instanceof z.ZodObject) {
    const replaced: Record<string, z.ZodType> = {};
    for (const key of new Set(paths.flatMap((path) => path.slice(0, 1)))) {
      const field = schema.shape[key];
      if (!(field instanceof z.ZodType)) continue;
      const rest = paths.filter((path) => path[0] === key).map((path) => path.slice(1));
      replaced[key] = rest.some((path) => path.length === 0) ? replace(field) : replaceFieldsAt(field, rest, replace);
    }
    return schema.extend(replaced).strict();
  }
  if (schema instanceof z.ZodOptional) return replaceFieldsAt(schema.unwrap() as z.ZodType, paths, replace).optional();
  if (schema instanceof z.ZodDiscriminatedUnion) {
    const options = (schema.options as z.ZodType[]).map((option) => replaceFieldsAt(option, paths, replace)) as [z.ZodObject, ...z.ZodObject[]];
    return z.discriminatedUnion(schema._zod.def.discriminator, options);
  }
  if (schema instanceof z.ZodUnion) {
    return z.union((schema.options as z.ZodType[]).map((option) => replaceFieldsAt(option, paths, replace)) as [z.ZodType, ...z.ZodType[]]);
  }
  throw new Error(`a secret path cannot pass through a ${schema.type} schema`);
}
