import { parseDefinition } from '../definition';
import { DefinitionError, type DefinitionProblem } from '../errors';

// ValidateStateMachineDefinition: the checks CreateStateMachine makes (local/stepfunctions/definition.ts),
// reported as diagnostics instead of refused. The engine's checks have no warnings, so every diagnostic is an
// ERROR and `severity: WARNING` adds none. The checks are the same for either `type` (the engine runs STANDARD
// state machines; what AWS refuses in EXPRESS ones only, such as .sync, is not looked for).

export interface ValidationDiagnostic {
  severity: 'ERROR' | 'WARNING';
  code: string;
  message: string;
  /** a JSON pointer into the definition, where the problem names its state */
  location?: string;
}

export interface ValidationResult {
  result: 'OK' | 'FAIL';
  diagnostics: ValidationDiagnostic[];
  truncated: boolean;
}

/** AWS's default (and largest) number of diagnostics in one answer. */
export const MAX_DIAGNOSTICS = 100;

function diagnosticOf(problem: DefinitionProblem): ValidationDiagnostic {
  const json = problem.problem.startsWith('the definition is not valid JSON');
  const where = [problem.state === undefined ? '' : `state '${problem.state}'`, problem.field ?? '']
    .filter(Boolean)
    .join(', ');
  return {
    severity: 'ERROR',
    code: json ? 'INVALID_JSON_DESCRIPTION' : 'SCHEMA_VALIDATION_FAILED',
    message: where ? `${where}: ${problem.problem}` : problem.problem,
    ...(problem.state === undefined
      ? {}
      : {
          location: `/States/${problem.state}${problem.field ? `/${problem.field.split('.').join('/')}` : ''}`,
        }),
  };
}

/** The diagnostics of `definition`, at most `maxResults` of them (0 or absent: MAX_DIAGNOSTICS). */
export function validateDefinition(definition: string, maxResults = 0): ValidationResult {
  let diagnostics: ValidationDiagnostic[] = [];
  try {
    parseDefinition(definition);
  } catch (error) {
    if (!(error instanceof DefinitionError)) throw error;
    diagnostics = error.problems.map(diagnosticOf);
  }
  const limit = maxResults === 0 ? MAX_DIAGNOSTICS : maxResults;
  return {
    result: diagnostics.length === 0 ? 'OK' : 'FAIL',
    diagnostics: diagnostics.slice(0, limit),
    truncated: diagnostics.length > limit,
  };
}
