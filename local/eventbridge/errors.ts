import { AwsJsonError } from '../aws-json';

/** A pattern EventBridge would refuse with InvalidEventPatternException; `path` is a JSONPath into the pattern. */
export class InvalidEventPatternError extends Error {
  readonly path: string;
  readonly reason: string;

  constructor(path: string, reason: string, options?: { cause?: unknown }) {
    super(`event pattern is not valid at ${path}: ${reason}`, options);
    this.name = 'InvalidEventPatternError';
    this.path = path;
    this.reason = reason;
  }
}

/** An error the EventBridge API answers with, serialized as AWS JSON 1.1 (`__type`, `message`). */
export class EventBridgeError extends AwsJsonError {
  constructor(type: string, message: string, options: { statusCode?: number; cause?: unknown } = {}) {
    super(type, message, {
      ...options,
      statusCode: options.statusCode ?? (type === 'InternalException' ? 500 : 400),
    });
    this.name = 'EventBridgeError';
  }
}

// rule files are the catalog's format, refused with its error
export { RuleFileError } from '../../catalog/rule-files';

/** The file of rule changes made over the API cannot be read back: names the file and what is wrong. */
export class RuleChangesFileError extends Error {
  readonly file: string;

  constructor(file: string, where: string, reason: string, options?: { cause?: unknown }) {
    super(
      `${file}: ${where}: ${reason} (fix the file, or remove it to forget every rule change made over the EventBridge API: the rule files stay as shipped)`,
      options,
    );
    this.name = 'RuleChangesFileError';
    this.file = file;
  }
}

/**
 * Thrown by a target's `deliver` for a failure retrying cannot fix (the state machine does not exist, the input
 * is refused): EventBridge sends such deliveries straight to the dead-letter queue.
 */
export class NonRetryableDeliveryError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NonRetryableDeliveryError';
    this.code = code;
  }
}
