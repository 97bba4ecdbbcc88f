import { EventBridgeError } from './errors';
import { evaluateJsonPath, type JsonPath, parseJsonPath } from './json-path';

export interface InputTransformer {
  InputPathsMap?: Record<string, string>;
  InputTemplate: string;
}

/** What a target says about its input: at most one of the three (none: the whole event). */
export interface TargetInputSpec {
  id: string;
  input?: string;
  inputPath?: string;
  inputTransformer?: InputTransformer;
}

/** What EventBridge knows about a delivery beyond the event: the predefined transformer variables. */
export interface DeliveryContext {
  ruleName: string;
  ruleArn: string;
  /** epoch ms at which the bus received the event */
  ingestionTime: number;
}

const PREDEFINED = new Set([
  'aws.events.rule-arn',
  'aws.events.rule-name',
  'aws.events.event.ingestion-time',
  'aws.events.event',
  'aws.events.event.json',
]);
const placeholderAt = /<([A-Za-z0-9_.-]+)>/y;

type Piece = { text: string } | { name: string; quoted: boolean };

/** A target's input rule, checked once (PutTargets) and applied to every matched event. */
export interface CompiledInput {
  render(event: Record<string, unknown>, context: DeliveryContext): string;
}

function invalid(message: string): never {
  throw new EventBridgeError('ValidationException', message);
}

export const isoSeconds = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;

/** Splits a template into text and `<name>` placeholders, noting which sit inside a JSON string. */
function scan(template: string): Piece[] {
  const pieces: Piece[] = [];
  let text = '';
  let quoted = false;
  for (let i = 0; i < template.length; i++) {
    const char = template[i] as string;
    if (char === '<') {
      placeholderAt.lastIndex = i;
      const match = placeholderAt.exec(template);
      const name = match?.[1];
      if (match && name !== undefined && (/^[A-Za-z0-9_-]+$/.test(name) || PREDEFINED.has(name))) {
        if (text) pieces.push({ text });
        text = '';
        pieces.push({ name, quoted });
        i += match[0].length - 1;
        continue;
      }
    }
    text += char;
    if (quoted && char === '\\') {
      text += template[i + 1] ?? '';
      i++;
    } else if (char === '"') {
      quoted = !quoted;
    }
  }
  if (text) pieces.push({ text });
  return pieces;
}

function compileTransformer(id: string, transformer: InputTransformer): CompiledInput {
  const template = transformer.InputTemplate;
  if (typeof template !== 'string' || template.length < 1 || template.length > 8192)
    invalid(`InputTemplate for target ${id} must be 1 to 8192 characters long.`);
  const entries = Object.entries(transformer.InputPathsMap ?? {});
  if (entries.length > 100)
    invalid(`InputPathsMap for target ${id} has ${entries.length} entries; at most 100 are allowed.`);
  const paths = new Map<string, JsonPath>();
  for (const [key, pathText] of entries) {
    if (!/^[A-Za-z0-9_-]+$/.test(key) || key.toLowerCase().startsWith('aws.'))
      invalid(
        `InputPathsMap key ${JSON.stringify(key)} for target ${id} is invalid: use letters, digits, - and _.`,
      );
    const path = typeof pathText === 'string' ? parseJsonPath(pathText) : 'it must be a string';
    if (typeof path === 'string')
      invalid(
        `InputPathsMap value ${JSON.stringify(pathText)} for target ${id} is not a valid JSON path: ${path}.`,
      );
    paths.set(key, path);
  }
  const pieces = scan(template);
  for (const piece of pieces)
    if ('name' in piece && !paths.has(piece.name) && !PREDEFINED.has(piece.name))
      invalid(`InputTemplate for target ${id} contains invalid placeholder ${piece.name}.`);
  // a JSON template quotes the strings it inserts outside quotes; plain text inserts them as they are
  const probe = pieces.map((piece) => ('text' in piece ? piece.text : piece.quoted ? '' : 'null')).join('');
  let json = false;
  try {
    JSON.parse(probe);
    json = true;
  } catch {
    json = false;
  }
  // "if InputTemplate is a JSON object, the placeholder cannot be used as an object key"
  if (template.trimStart().startsWith('{'))
    pieces.forEach((piece, i) => {
      const after = pieces[i + 1];
      if ('name' in piece && !piece.quoted && after && 'text' in after && /^\s*:/.test(after.text))
        invalid(
          `InputTemplate for target ${id} uses placeholder <${piece.name}> as an object key, which is not allowed.`,
        );
    });

  return {
    render(event, context) {
      const lookup = (name: string): unknown => {
        switch (name) {
          case 'aws.events.rule-arn':
            return context.ruleArn;
          case 'aws.events.rule-name':
            return context.ruleName;
          case 'aws.events.event.ingestion-time':
            return isoSeconds(context.ingestionTime);
          case 'aws.events.event.json':
            return event;
          case 'aws.events.event':
            // the envelope without detail, keyed as EventBridge writes it
            return {
              id: event.id,
              account: event.account,
              detailType: event['detail-type'],
              time: event.time,
              source: event.source,
              region: event.region,
              resources: event.resources,
              version: event.version,
            };
          default: {
            const path = paths.get(name);
            return path ? evaluateJsonPath(path, event) : undefined;
          }
        }
      };
      return pieces
        .map((piece) => {
          if ('text' in piece) return piece.text;
          const value = lookup(piece.name);
          if (piece.quoted) {
            // inside a JSON string: the value's text, escaped so the string stays valid
            const text = value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
            return JSON.stringify(text).slice(1, -1);
          }
          // a path that reaches nothing gives the empty string, as EventBridge does
          if (value === undefined) return json ? '""' : '';
          if (typeof value === 'string') return json ? JSON.stringify(value) : value;
          return JSON.stringify(value);
        })
        .join('');
    },
  };
}

/** Checks a target's input settings as PutTargets does and compiles them; throws ValidationException. */
export function compileTargetInput(spec: TargetInputSpec): CompiledInput {
  const given = [spec.input, spec.inputPath, spec.inputTransformer].filter((value) => value !== undefined);
  if (given.length > 1)
    invalid(`Only one of Input, InputPath, or InputTransformer must be provided for target ${spec.id}.`);
  if (spec.input !== undefined) {
    const input = spec.input;
    try {
      JSON.parse(input);
    } catch {
      invalid(`Input for target ${spec.id} must be valid JSON text.`);
    }
    return { render: () => input };
  }
  if (spec.inputPath !== undefined) {
    const path = parseJsonPath(spec.inputPath);
    if (typeof path === 'string')
      invalid(`InputPath for target ${spec.id} is not a valid JSON path: ${path}.`);
    // a path that reaches nothing passes JSON null
    return { render: (event) => JSON.stringify(evaluateJsonPath(path, event) ?? null) };
  }
  if (spec.inputTransformer !== undefined) return compileTransformer(spec.id, spec.inputTransformer);
  return { render: (event) => JSON.stringify(event) };
}
