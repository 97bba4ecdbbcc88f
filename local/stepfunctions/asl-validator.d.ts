// asl-validator ships no type declarations; this is the part of its API the definition loader uses.
declare module 'asl-validator' {
  interface StateMachineError {
    'Error code': string;
    Message: string;
    schemaError?: { instancePath: string; schemaPath: string };
  }
  function validator(
    definition: unknown,
    options?: { checkPaths: boolean; checkArn: boolean },
  ): { isValid: boolean; errors: StateMachineError[]; errorsText(separator?: string): string };
  export = validator;
}
