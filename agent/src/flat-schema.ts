/** The JSON Schema keywords a flat protocol object (ProbeConfig, Intervals) uses. */
interface FieldSchema {
  type?: string;
  const?: unknown;
  anyOf?: FieldSchema[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
}

interface ObjectSchema {
  required?: string[];
  properties: Record<string, FieldSchema>;
}

function fieldProblem(s: FieldSchema, v: unknown): string | null {
  if (s.anyOf) {
    return s.anyOf.some((a) => fieldProblem(a, v) === null)
      ? null
      : `must be one of ${s.anyOf.map((a) => JSON.stringify(a.const)).join(', ')}`;
  }
  if (s.const !== undefined && v !== s.const) return `must be ${JSON.stringify(s.const)}`;
  if (s.type === 'integer' || s.type === 'number') {
    if (typeof v !== 'number' || (s.type === 'integer' && !Number.isInteger(v)))
      return `must be an ${s.type}`;
    if ((s.minimum !== undefined && v < s.minimum) || (s.maximum !== undefined && v > s.maximum)) {
      return `must be between ${s.minimum} and ${s.maximum}`;
    }
  }
  if (s.type === 'string') {
    if (typeof v !== 'string') return 'must be a string';
    if (s.minLength !== undefined && v.length < s.minLength)
      return `must have at least ${s.minLength} characters`;
    if (s.maxLength !== undefined && v.length > s.maxLength)
      return `must have at most ${s.maxLength} characters`;
    if (s.pattern !== undefined && !new RegExp(s.pattern).test(v)) return `must match ${s.pattern}`;
  }
  return null;
}

/**
 * Explains why a value does not fit a flat schema from the shared protocol, field by field, for people
 * editing a config file. The shared codec stays the authority; this only makes its verdict readable.
 */
export function schemaProblems(
  schema: ObjectSchema,
  value: unknown,
  path: string,
  partial = false,
): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return [`${path} must be an object`];
  const v = value as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(v)) {
    if (!(key in schema.properties)) problems.push(`${path}.${key} is not a known field`);
  }
  for (const [key, field] of Object.entries(schema.properties)) {
    if (v[key] === undefined) {
      if (!partial && schema.required?.includes(key)) problems.push(`${path}.${key} is missing`);
      continue;
    }
    const p = fieldProblem(field, v[key]);
    if (p) problems.push(`${path}.${key} ${p}`);
  }
  return problems;
}
