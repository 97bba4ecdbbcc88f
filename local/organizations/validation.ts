import { invalidInput, OrganizationsError } from './errors';

/** The constraints of one input member, as the API model states them. */
export type Shape =
  | {
      kind: 'string';
      min?: number;
      max?: number;
      pattern?: RegExp;
      /** reason reported when `pattern` fails (INVALID_PATTERN unless the model's docs name a narrower one) */
      patternReason?: string;
      enum?: readonly string[];
      /** reason reported when `enum` fails (INVALID_ENUM, or INVALID_ENUM_POLICY_TYPE for policy types) */
      enumReason?: string;
    }
  | { kind: 'integer'; min?: number; max?: number }
  | { kind: 'boolean' }
  | { kind: 'timestamp' }
  | { kind: 'list'; member: Shape; min?: number; max?: number }
  | StructureShape;

export interface StructureShape {
  kind: 'structure';
  members: Readonly<Record<string, Shape>>;
  required?: readonly string[];
}

function serialization(path: string, expected: string, value: unknown): OrganizationsError {
  const got = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  return new OrganizationsError('SerializationException', `${path} must be ${expected}, not ${got}.`);
}

function show(value: string): string {
  return value.length > 80 ? `'${value.slice(0, 77)}...'` : `'${value}'`;
}

/** Checks `value` against `shape`; throws the error AWS answers with at the first violation. */
export function validate(shape: Shape, value: unknown, path: string): void {
  switch (shape.kind) {
    case 'string': {
      if (typeof value !== 'string') throw serialization(path, 'a string', value);
      if (shape.min !== undefined && value.length < shape.min)
        throw invalidInput('MIN_LENGTH_EXCEEDED', `${path} must be at least ${shape.min} characters long.`);
      if (shape.max !== undefined && value.length > shape.max)
        throw invalidInput('MAX_LENGTH_EXCEEDED', `${path} must be at most ${shape.max} characters long.`);
      if (shape.enum && !shape.enum.includes(value))
        throw invalidInput(
          shape.enumReason ?? 'INVALID_ENUM',
          `${path} ${show(value)} is not one of: ${shape.enum.join(', ')}.`,
        );
      if (shape.pattern && !shape.pattern.test(value))
        throw invalidInput(
          shape.patternReason ?? 'INVALID_PATTERN',
          `${path} ${show(value)} does not match ${shape.pattern.source}.`,
        );
      return;
    }
    case 'integer': {
      if (typeof value !== 'number' || !Number.isInteger(value))
        throw serialization(path, 'an integer', value);
      if (shape.min !== undefined && value < shape.min)
        throw invalidInput('MIN_VALUE_EXCEEDED', `${path} must be at least ${shape.min}.`);
      if (shape.max !== undefined && value > shape.max)
        throw invalidInput('MAX_VALUE_EXCEEDED', `${path} must be at most ${shape.max}.`);
      return;
    }
    case 'boolean':
      if (typeof value !== 'boolean') throw serialization(path, 'a boolean', value);
      return;
    case 'timestamp':
      if (typeof value !== 'number' || !Number.isFinite(value))
        throw serialization(path, 'a timestamp in epoch seconds', value);
      return;
    case 'list': {
      if (!Array.isArray(value)) throw serialization(path, 'a list', value);
      if (shape.min !== undefined && value.length < shape.min)
        throw invalidInput('INVALID_LIST_MEMBER', `${path} must have at least ${shape.min} members.`);
      if (shape.max !== undefined && value.length > shape.max)
        throw invalidInput('INVALID_LIST_MEMBER', `${path} must have at most ${shape.max} members.`);
      value.forEach((member, i) => {
        validate(shape.member, member, `${path}[${i}]`);
      });
      return;
    }
    case 'structure': {
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        throw serialization(path || 'the request body', 'a JSON object', value);
      const record = value as Record<string, unknown>;
      for (const name of shape.required ?? []) {
        if (record[name] === undefined || record[name] === null)
          throw invalidInput('INPUT_REQUIRED', `${path ? `${path}.` : ''}${name} is required.`);
      }
      for (const [name, member] of Object.entries(shape.members)) {
        const memberValue = record[name];
        // JSON null is how some clients spell "absent"
        if (memberValue === undefined || memberValue === null) continue;
        validate(member, memberValue, path ? `${path}.${name}` : name);
      }
      return;
    }
  }
}
