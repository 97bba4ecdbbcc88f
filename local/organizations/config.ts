/** Limits the emulator enforces; defaults are AWS's current values (reference §3.1). */
export interface Limits {
  /** accounts per organization for a new organization (AWS default 10, raised through Service Quotas) */
  accountQuota: number;
  ousPerOrganization: number;
  ouDepth: number;
  tagsPerResource: number;
  defaultPageSize: number;
}

export const defaultLimits: Limits = {
  accountQuota: 10,
  ousPerOrganization: 2000,
  ouDepth: 5,
  tagsPerResource: 50,
  defaultPageSize: 20,
};
