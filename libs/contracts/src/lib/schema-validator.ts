import Ajv, { ErrorObject } from 'ajv';

/** The subset of JSON Schema the contracts use, enough to walk to a property and describe it. */
interface Schema {
  type?: string;
  enum?: readonly unknown[];
  minimum?: number;
  maximum?: number;
  properties?: Record<string, Schema>;
}

export interface ValidatorOptions {
  /** What the value is called when it is wrong as a whole ("policy", "payload"). */
  name: string;
  /** A problem's wording by property path ("job_id", "" for the value itself), where the schema's own is not plain enough. */
  messages?: Record<string, string>;
  /** How unknown keys of a nested object are worded, by its path ("thresholds"). */
  unknownKeys?: Record<string, (key: string, known: string[]) => string>;
  /** Path segments dropped from the front of a problem's name ("policy": its fields read as the policy's own). */
  transparent?: string[];
}

// allErrors: every problem is listed at once, not only the first.
const ajv = new Ajv({ allErrors: true, strict: true });

/**
 * Compiles `schema` once and returns a validator that answers with one readable problem per
 * wrong field, worded from the schema's own bounds, so a message never disagrees with the check.
 */
export function compileValidator(schema: object, options: ValidatorOptions): (value: unknown) => string[] {
  const validate = ajv.compile(schema);
  return (value) => {
    if (validate(value)) return [];
    const problems = (validate.errors ?? []).map((error) => describe(error, schema as Schema, options));
    return [...new Set(problems)];
  };
}

function describe(error: ErrorObject, root: Schema, options: ValidatorOptions): string {
  const path = error.instancePath.split('/').slice(1);
  if (error.keyword === 'additionalProperties') {
    const key = (error.params as { additionalProperty: string }).additionalProperty;
    const known = Object.keys(schemaAt(root, path)?.properties ?? {});
    const unknown = options.unknownKeys?.[path.join('.')];
    return unknown ? unknown(key, known) : `unknown key "${key}" (known: ${known.join(', ')})`;
  }
  if (error.keyword === 'required') path.push((error.params as { missingProperty: string }).missingProperty);
  const shown = options.transparent?.includes(path[0]) && path.length > 1 ? path.slice(1) : path;
  const name = shown.join('.') || options.name;
  const message = options.messages?.[path.join('.')];
  if (message) return `${name} ${message}`;
  return `${name} ${wording(schemaAt(root, path), path.length === 0)}`;
}

function schemaAt(root: Schema, path: string[]): Schema | undefined {
  return path.reduce<Schema | undefined>((schema, key) => schema?.properties?.[key], root);
}

function wording(schema: Schema | undefined, whole: boolean): string {
  if (schema?.enum) return `must be one of ${schema.enum.join(', ')}`;
  switch (schema?.type) {
    case 'number':
    case 'integer': {
      const kind = schema.type === 'integer' ? 'an integer' : 'a number';
      if (schema.minimum !== undefined && schema.maximum !== undefined)
        return `must be ${kind} from ${schema.minimum} to ${schema.maximum}`;
      return schema.minimum !== undefined ? `must be ${kind} of at least ${schema.minimum}` : `must be ${kind}`;
    }
    case 'boolean':
      return 'must be true or false';
    case 'object':
      return whole ? 'must be a JSON object' : 'must be an object';
    default:
      return 'is not valid';
  }
}
