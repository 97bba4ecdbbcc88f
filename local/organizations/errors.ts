import { AwsJsonError } from '../aws-json';
import { exceptionMessages, reasonMessages } from './messages';

/** An error the emulator answers with, serialized as AWS JSON 1.1 (`__type`, `Message`, `Reason`/`Type`). */
export class OrganizationsError extends AwsJsonError {
  readonly reason: string | undefined;
  readonly throttleType: string | undefined;

  constructor(
    type: string,
    message?: string,
    options: { reason?: string; throttleType?: string; statusCode?: number } = {},
  ) {
    super(type, message ?? exceptionMessages[type] ?? type, {
      statusCode: options.statusCode ?? (type === 'ServiceException' ? 500 : 400),
    });
    this.name = 'OrganizationsError';
    this.reason = options.reason;
    this.throttleType = options.throttleType;
  }

  override bodyMembers(): Record<string, string> {
    const members: Record<string, string> = {};
    if (this.reason !== undefined) members.Reason = this.reason;
    if (this.throttleType !== undefined) members.Type = this.throttleType;
    return members;
  }
}

/** `InvalidInputException` with its reason; the message names the field and the rule so callers can fix it. */
export function invalidInput(reason: string, detail?: string): OrganizationsError {
  const base =
    reasonMessages[reason] ?? 'You provided invalid values for one or more of the request parameters.';
  return new OrganizationsError('InvalidInputException', detail ? `${base} ${detail}` : base, { reason });
}

export function constraintViolation(reason: string, detail?: string): OrganizationsError {
  const base = reasonMessages[reason] ?? exceptionMessages.ConstraintViolationException;
  return new OrganizationsError('ConstraintViolationException', detail ? `${base} ${detail}` : base, {
    reason,
  });
}

export function handshakeConstraintViolation(reason: string, detail?: string): OrganizationsError {
  const base = reasonMessages[reason] ?? exceptionMessages.HandshakeConstraintViolationException;
  return new OrganizationsError(
    'HandshakeConstraintViolationException',
    detail ? `${base} ${detail}` : base,
    {
      reason,
    },
  );
}

/** An exception without a reason: AWS's documented message, then what was wrong and how to fix it. */
export function refuse(type: string, detail: string): OrganizationsError {
  return new OrganizationsError(type, `${exceptionMessages[type] ?? type} ${detail}`);
}

/** A `*NotFoundException` (or any reason-less exception) with AWS's message plus the identifier that was not found. */
export function notFound(type: string, id?: string): OrganizationsError {
  const base = exceptionMessages[type] ?? type;
  return new OrganizationsError(type, id === undefined ? base : `${base} (${id})`);
}

export function accessDenied(detail?: string): OrganizationsError {
  const base = exceptionMessages.AccessDeniedException ?? 'Access denied.';
  return new OrganizationsError('AccessDeniedException', detail ? `${detail} ${base}` : base);
}
