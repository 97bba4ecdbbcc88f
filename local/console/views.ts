import type { StateGraph } from './asl-graph';
import type { ExecutionRun } from './execution-states';

// What the console's JSON API answers, shared by the server (organization.ts, runs.ts, execution.ts) and the
// page (page/console.ts); no runtime code, so the page's bundle takes nothing of the server with it.

export interface AccountView {
  id: string;
  name: string;
  email: string;
  state: string;
  management: boolean;
  /** why no workflow closes, moves or re-tags it; absent when nothing protects it */
  protected?: string;
}

export interface OrganizationalUnitView {
  id: string;
  name: string;
  kind: 'root' | 'ou';
  path: string;
  protected?: string;
  /** the guardrail policies the reactions configuration keeps attached here */
  guardrails: string[];
  accounts: AccountView[];
  children: OrganizationalUnitView[];
}

export interface OrganizationView {
  id: string;
  featureSet: string;
  managementAccountId: string;
  roots: OrganizationalUnitView[];
}

export interface TargetDetails {
  id: string;
  tags: Record<string, string>;
  policies: { id: string; name: string; awsManaged: boolean; guardrail: boolean }[];
}

export type RunKind = 'account-request' | 'closure-batch' | 'closure' | 'all-features-migration' | 'reaction';

export interface RunView {
  kind: RunKind;
  workflow: string;
  name: string;
  /** absent for a reaction (a function run once per CloudTrail event, not an execution) */
  executionArn?: string;
  status: string;
  startedAt: string;
  stoppedAt?: string;
  requester?: string;
  /** what it is about: the account asked for, the OU or accounts to close… */
  subject?: string;
  /** how a request ended when its execution reports it (a refused request succeeds with state FAILED) */
  outcome?: string;
  error?: string;
}

export interface PoolView {
  slots: number;
  inUse: number;
  /** requests in line behind the slots */
  waiting: number;
}

export interface QuotaView {
  createAccount: PoolView;
  closeAccount: PoolView;
  closureBudget: { used: number; limit: number | null; nextFitsAt: string | null };
}

export interface RunsView {
  /** the workflows' time (the local stack's virtual clock), for ages */
  now: string;
  runs: RunView[];
  quotas: QuotaView;
}

export interface ExecutionView {
  executionArn: string;
  name: string;
  stateMachine: string;
  status: string;
  startedAt: string;
  stoppedAt?: string;
  input?: string;
  output?: string;
  error?: string;
  cause?: string;
  graph: StateGraph;
  run: ExecutionRun;
}
