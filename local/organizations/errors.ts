import { exceptionMessages, reasonMessages } from './messages';

/** An error the emulator answers with, serialized as AWS JSON 1.1 (`__type`, `Message`, `Reason`/`Type`). */
export class OrganizationsError extends Error {
  readonly type: string;
  readonly reason: string | undefined;
  readonly throttleType: string | undefined;
  readonly statusCode: number;

  constructor(
    type: string,
    message?: string,
    options: { reason?: string; throttleType?: string; statusCode?: number } = {},
  ) {
    super(message ?? exceptionMessages[type] ?? type);
    this.name = 'OrganizationsError';
    this.type = type;
    this.reason = options.reason;
    this.throttleType = options.throttleType;
    this.statusCode = options.statusCode ?? (type === 'ServiceException' ? 500 : 400);
  }

  toBody(): Record<string, string> {
    const body: Record<string, string> = { __type: this.type, Message: this.message };
    if (this.reason !== undefined) body.Reason = this.reason;
    if (this.throttleType !== undefined) body.Type = this.throttleType;
    return body;
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
