import { readFileSync } from 'node:fs';
import aslValidator from 'asl-validator';
import type { AslDefinition, AslScope, AslState, QueryLanguage } from './asl';
import { Checker, schemaVerdictIsOurs } from './definition-checks';
import { DefinitionError, type DefinitionProblem } from './errors';

// Loads an ASL file the way CDK deploys it (`DefinitionBody.fromFile` + `definitionSubstitutions`) and
// refuses, before anything runs, what Step Functions would refuse at CreateStateMachine. Our own checks
// come first because they name the state and the field; asl-validator's JSON schemas then catch the rest,
// except on the fields our checks own (paths, templates, JSONata), where its formats refuse what AWS runs.

export interface CompiledState {
  name: string;
  def: AslState;
  /** the state's own QueryLanguage, else the state machine's */
  queryLanguage: QueryLanguage;
}

/** A loaded, checked definition. State names are unique across the whole machine, nested ones included. */
export interface StateMachineDefinition {
  /** the file (or label) it came from, for messages */
  source: string;
  /** the JSON text after substitution: what CreateStateMachine would have received */
  text: string;
  json: AslDefinition;
  queryLanguage: QueryLanguage;
  startAt: string;
  timeoutSeconds?: number;
  states: ReadonlyMap<string, CompiledState>;
}

export interface LoadOptions {
  /** CDK's `definitionSubstitutions`: `${Name}` in the JSON text is replaced by the value */
  substitutions?: Readonly<Record<string, string>>;
  /** how messages name the definition; defaults to the file path, or 'definition' for a JSON string */
  source?: string;
}

export function loadDefinitionFile(path: string, options: LoadOptions = {}): StateMachineDefinition {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new DefinitionError(options.source ?? path, `cannot read the file: ${(error as Error).message}`);
  }
  return parseDefinition(text, { ...options, source: options.source ?? path });
}

export function parseDefinition(text: string, options: LoadOptions = {}): StateMachineDefinition {
  const source = options.source ?? 'definition';
  const substituted = substitute(text, options.substitutions ?? {}, source);
  let json: unknown;
  try {
    json = JSON.parse(substituted);
  } catch (error) {
    throw new DefinitionError(source, `the definition is not valid JSON: ${(error as Error).message}`);
  }
  const checker = new Checker(source);
  checker.definition(json);
  checker.throwIfAny();
  const definition = json as AslDefinition;

  if (!schemaChecked.has(substituted)) {
    // asl-validator annotates the object it is given, so it gets a copy
    const result = aslValidator(structuredClone(definition), { checkPaths: true, checkArn: true });
    const errors = result.errors.filter((error) => !schemaVerdictIsOurs(definition, error));
    if (errors.length > 0) throw new DefinitionError(source, errors.map(schemaProblem));
    remember(substituted);
  }
  return compile(definition, source, substituted);
}

/**
 * Definitions that passed asl-validator, by text: it compiles its JSON schemas on every call (~100 ms),
 * and the same file is loaded again for every execution a service starts.
 */
const schemaChecked = new Set<string>();
const SCHEMA_CHECK_MEMORY = 256;

function remember(text: string): void {
  if (schemaChecked.size >= SCHEMA_CHECK_MEMORY)
    schemaChecked.delete(schemaChecked.values().next().value as string);
  schemaChecked.add(text);
}

const PLACEHOLDER = /\$\{([^}\s]+)\}/g;

/** `definitionSubstitutions`: plain text replacement of `${Name}`; a placeholder left unreplaced is an error. */
export function substitute(
  text: string,
  substitutions: Readonly<Record<string, string>>,
  source: string,
): string {
  const missing = new Set<string>();
  const out = text.replace(PLACEHOLDER, (whole, name: string) => {
    if (Object.hasOwn(substitutions, name)) return substitutions[name] as string;
    missing.add(name);
    return whole;
  });
  if (missing.size > 0) {
    const names = [...missing].map((name) => `\${${name}}`).join(', ');
    throw new DefinitionError(source, `no substitution was given for ${names}: add it to the substitutions`);
  }
  return out;
}

/** asl-validator reports JSON pointers (/States/A/Resource); name the state and field as our checks do. */
function schemaProblem(error: {
  'Error code': string;
  Message: string;
  schemaError?: { instancePath: string };
}): DefinitionProblem {
  const problem: DefinitionProblem = { problem: `${error['Error code']}: ${error.Message}` };
  const pointer = error.schemaError?.instancePath
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const at = pointer?.lastIndexOf('States') ?? -1;
  if (pointer && at >= 0 && pointer[at + 1] !== undefined) {
    problem.state = pointer[at + 1] as string;
    if (pointer.length > at + 2) problem.field = pointer.slice(at + 2).join('.');
  }
  return problem;
}

function compile(json: AslDefinition, source: string, text: string): StateMachineDefinition {
  const queryLanguage = json.QueryLanguage ?? 'JSONPath';
  const states = new Map<string, CompiledState>();
  const visit = (scope: AslScope) => {
    for (const [name, def] of Object.entries(scope.States)) {
      states.set(name, { name, def, queryLanguage: def.QueryLanguage ?? queryLanguage });
      for (const branch of def.Branches ?? []) visit(branch);
      const processor = def.ItemProcessor ?? def.Iterator;
      if (processor) visit(processor);
    }
  };
  visit(json);
  const definition: StateMachineDefinition = {
    source,
    text,
    json,
    queryLanguage,
    startAt: json.StartAt,
    states,
  };
  if (json.TimeoutSeconds !== undefined) definition.timeoutSeconds = json.TimeoutSeconds;
  return definition;
}
