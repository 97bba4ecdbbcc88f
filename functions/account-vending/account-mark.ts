/**
 * The mark orgflow sets on an account as AWS creates it: the tag `orgflow:request-id` with the id of the request
 * that asked for it. CreateAccount applies its tags atomically with the creation, so an account carrying the
 * mark was created by that request and no other; it is the proof Adopt Existing Account needs before it
 * takes an account whose creation result was lost.
 */
export const REQUEST_MARK_TAG_KEY = 'orgflow:request-id';

/** Tag keys under `orgflow:` are orgflow's own (marks, `orgflow:protected`): requesters may not set them. */
export const RESERVED_TAG_PREFIX = 'orgflow:';

export const isReservedTagKey = (key: string): boolean => key.toLowerCase().startsWith(RESERVED_TAG_PREFIX);

/** The tag that marks an account as created for `requestId`. */
export const requestMark = (requestId: string) => ({ Key: REQUEST_MARK_TAG_KEY, Value: requestId });
