/** The named errors of the enable-all-features workflow; the state machine catches them by name. */

/** AWS's standard migration takes organizations of fewer than 5,000 accounts. */
export class OrganizationTooLargeError extends Error {
  constructor(detail: string, options?: ErrorOptions) {
    super(
      `the organization is too large for AWS's standard migration to all features (${detail}); ask AWS Support to migrate it`,
      options,
    );
    this.name = 'OrganizationTooLargeError';
  }
}

/** Every round ended in a decline, a cancellation or the expiry. */
export class MaxRoundsReachedError extends Error {
  constructor(rounds: number, lastEnd: string, options?: ErrorOptions) {
    super(
      `the migration ran its ${rounds} rounds and the last one ended ${lastEnd}; remove the accounts that decline from the organization, or ask them to accept, then start a new migration`,
      options,
    );
    this.name = 'MaxRoundsReachedError';
  }
}

/** The ENABLE_ALL_FEATURES handshake was accepted but the organization does not say ALL yet: retried. */
export class AllFeaturesNotEnabledError extends Error {
  constructor(featureSet: string, options?: ErrorOptions) {
    super(`the organization's feature set is still ${featureSet} after the final acceptance`, options);
    this.name = 'AllFeaturesNotEnabledError';
  }
}
