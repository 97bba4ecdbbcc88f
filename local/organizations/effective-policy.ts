/**
 * The effective management policy of an account: the merge of the policies of one type attached to the root,
 * each OU on the way down and the account itself, with AWS's inheritance operators (reference §7.2; user
 * guide "Policy syntax and inheritance for management policy types" and its inheritance examples). Pure: it
 * sees policy documents only, never the store.
 *
 * Semantics implemented:
 * - `@@assign` overwrites (a list is replaced whole); `@@append` adds to a list (values already present are
 *   not repeated — UNVERIFIED); `@@remove` takes values out of a list, and a list emptied that way leaves the
 *   effective policy (inheritance example 3: removing every `enforced_for` value drops the key).
 * - `@@operators_allowed_for_child_policies` (`@@all` by default, a subset, `@@none`) restricts what policies
 *   attached *below* that level may do at that key and everything under it. Restrictions only narrow: they are
 *   intersected with those inherited, and with those of the other policies attached at the same level
 *   (example 5); they never bind the policies attached at their own level.
 * - A change a restriction forbids is ignored (example 4) and reported as a validation error.
 * - Policies attached to one entity apply in attachment order, but a setting an earlier-attached policy
 *   wrote at that entity is not overwritten by a later one's `@@assign` (example 6: "PROJECT is used because
 *   the policy that defined it was attached first").
 * - A bare value where an operator is expected is taken as `@@assign` (UNVERIFIED: AWS's examples always
 *   write the operator; keeping the value is the lenient reading).
 * - Identifier keys AWS documents as case-insensitive (tag policy keys, backup rule/selection/tag names) are
 *   compared and shown lower-cased; `tag_key` carries the capitalization.
 * - The effective policy shows values only: every operator is stripped.
 *
 * Validation errors (the ErrorCode values other than ELEMENTS_TOO_MANY are UNVERIFIED names):
 * - MALFORMED_POLICY — a document that is not a JSON object;
 * - OPERATOR_INVALID — an unknown `@@` operator, `@@append`/`@@remove` without a list or on a single value,
 *   a child-control list naming something else than operators, a value operator mixed with child keys;
 * - OPERATOR_NOT_ALLOWED — a value operator a parent's `@@operators_allowed_for_child_policies` forbids;
 * - ELEMENTS_TOO_MANY — a list of the effective policy longer than the type allows.
 * PathToError is the dotted path of keys in the effective policy (UNVERIFIED format).
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export interface PolicyDocument {
  policyId: string;
  content: string;
}

/** The wire shape of an EffectivePolicyValidationError. */
export interface ValidationError {
  ErrorCode: string;
  ErrorMessage: string;
  PathToError: string;
  ContributingPolicies: string[];
}

export interface MergeOptions {
  /** paths (with `*` for any key) whose child keys are case-insensitive identifiers, shown lower-cased */
  caseInsensitiveKeysUnder?: readonly (readonly string[])[];
  /** the longest list the effective policy may hold; longer is ELEMENTS_TOO_MANY */
  maxListElements?: number;
}

export interface MergeResult {
  /** the effective policy, operators stripped; `{}` when the documents set nothing */
  policy: JsonObject;
  errors: ValidationError[];
}

type ValueOperator = '@@assign' | '@@append' | '@@remove';
const valueOperators: readonly ValueOperator[] = ['@@assign', '@@append', '@@remove'];
const CHILD_CONTROL = '@@operators_allowed_for_child_policies';

// UNVERIFIED: AWS publishes no generic list limit for effective policies; its schemas limit some lists
const DEFAULT_MAX_LIST_ELEMENTS = 100;

/** Merge options of a management policy type: which identifier keys are case-insensitive. */
export function mergeOptionsFor(policyType: string): MergeOptions {
  const underPlan = (...rest: string[]) => ['plans', '*', ...rest];
  const caseInsensitive: Record<string, string[][]> = {
    TAG_POLICY: [['tags']],
    BACKUP_POLICY: [
      underPlan('rules'),
      underPlan('rules', '*', 'recovery_point_tags'),
      underPlan('rules', '*', 'copy_actions'),
      underPlan('selections', 'tags'),
      underPlan('backup_plan_tags'),
    ],
  };
  return {
    caseInsensitiveKeysUnder: caseInsensitive[policyType] ?? [],
    maxListElements: DEFAULT_MAX_LIST_ELEMENTS,
  };
}

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const clone = <T extends JsonValue>(value: T): T => structuredClone(value);
const sameValue = (a: JsonValue, b: JsonValue) => JSON.stringify(a) === JSON.stringify(b);
/** Sets an own property, even one named __proto__ (JSON.parse makes those own properties too). */
const put = (object: JsonObject, key: string, value: JsonValue) =>
  Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
const keyOf = (path: readonly string[]) => JSON.stringify(path);
const shown = (path: readonly string[]) => (path.length === 0 ? '(document root)' : path.join('.'));

/** The value operators a child-control restriction forbids, each with the policies that forbid it. */
type Restriction = ReadonlyMap<ValueOperator, readonly string[]>;

/** Two restrictions together: what either forbids stays forbidden (the intersection of what they allow). */
function combine(a: Restriction | undefined, b: Restriction): Restriction {
  const combined = new Map(a);
  for (const [operator, policies] of b)
    combined.set(operator, [...(combined.get(operator) ?? []), ...policies]);
  return combined;
}

/** Merges `levels` (root first, then each OU down to the account; each level in attachment order). */
export function mergeEffectivePolicy(
  levels: readonly (readonly PolicyDocument[])[],
  options: MergeOptions = {},
): MergeResult {
  const merge = new Merge(options);
  for (const level of levels) merge.level(level);
  return merge.result();
}

class Merge {
  private readonly policy: JsonObject = {};
  private readonly errors: ValidationError[] = [];
  /** the policies that wrote each value path, for ContributingPolicies */
  private readonly writers = new Map<string, string[]>();
  /** restrictions declared at levels already merged, by path */
  private readonly restrictions = new Map<string, Restriction>();
  /** restrictions declared at the level being merged: they bind the levels below only */
  private pending = new Map<string, Restriction>();
  /** paths written at the level being merged: a later-attached policy's @@assign leaves them alone */
  private writtenAtLevel = new Set<string>();

  constructor(private readonly options: MergeOptions) {}

  level(documents: readonly PolicyDocument[]): void {
    this.pending = new Map();
    this.writtenAtLevel = new Set();
    for (const document of documents) this.document(document);
    for (const [key, declared] of this.pending)
      this.restrictions.set(key, combine(this.restrictions.get(key), declared));
  }

  result(): MergeResult {
    this.checkListLengths(this.policy, []);
    return { policy: this.policy, errors: this.errors };
  }

  private document({ policyId, content }: PolicyDocument): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(content);
    } catch {
      parsed = undefined;
    }
    if (!isObject(parsed)) {
      this.error(
        'MALFORMED_POLICY',
        [],
        [policyId],
        'The policy content is not a JSON object; fix the policy.',
      );
      return;
    }
    this.node(parsed, [], policyId);
  }

  private node(node: JsonObject, path: string[], policyId: string): void {
    const operators = Object.keys(node).filter((key) => key.startsWith('@@'));
    const children = Object.keys(node).filter((key) => !key.startsWith('@@'));
    const setters = operators.filter((op): op is ValueOperator =>
      (valueOperators as readonly string[]).includes(op),
    );
    for (const operator of operators)
      if (operator === CHILD_CONTROL) this.childControl(node[operator]!, path, policyId);
      else if (!setters.includes(operator as ValueOperator))
        this.error(
          'OPERATOR_INVALID',
          path,
          [policyId],
          `${operator} is not an inheritance operator; use @@assign, @@append, @@remove or ${CHILD_CONTROL}.`,
        );
    if (setters.length > 0 && children.length > 0) {
      this.error(
        'OPERATOR_INVALID',
        path,
        [policyId],
        `${setters.join(', ')} sits beside the keys ${children.join(', ')}; set a value or nest keys, not both.`,
      );
      return;
    }
    for (const operator of setters) this.value(operator, node[operator]!, path, policyId);
    for (const child of children) {
      const key = this.caseInsensitiveUnder(path) ? child.toLowerCase() : child;
      const value = node[child]!;
      if (isObject(value)) this.node(value, [...path, key], policyId);
      else this.value('@@assign', value, [...path, key], policyId);
    }
  }

  private caseInsensitiveUnder(path: readonly string[]): boolean {
    return (this.options.caseInsensitiveKeysUnder ?? []).some(
      (pattern) =>
        pattern.length === path.length && pattern.every((part, i) => part === '*' || part === path[i]),
    );
  }

  private childControl(value: JsonValue, path: string[], policyId: string): void {
    const known = ['@@all', '@@none', ...valueOperators];
    const names = Array.isArray(value)
      ? value.filter((name): name is string => typeof name === 'string')
      : [];
    if (
      !Array.isArray(value) ||
      names.length !== value.length ||
      names.some((name) => !known.includes(name))
    ) {
      this.error(
        'OPERATOR_INVALID',
        path,
        [policyId],
        `${CHILD_CONTROL} takes a list of @@all, @@none, @@assign, @@append or @@remove.`,
      );
      return;
    }
    const allows = (op: ValueOperator) =>
      !names.includes('@@none') && (names.includes('@@all') || names.includes(op));
    const forbidden = new Map(
      valueOperators.filter((op) => !allows(op)).map((op) => [op, [policyId]] as const),
    );
    const key = keyOf(path);
    this.pending.set(key, combine(this.pending.get(key), forbidden));
  }

  /** The restrictions of the levels above on `path`: those set on it and on every key above it. */
  private forbidding(operator: ValueOperator, path: readonly string[]): string[] | undefined {
    for (let length = 0; length <= path.length; length++) {
      const policies = this.restrictions.get(keyOf(path.slice(0, length)))?.get(operator);
      if (policies) return [...policies];
    }
    return undefined;
  }

  private value(operator: ValueOperator, value: JsonValue, path: string[], policyId: string): void {
    const forbiddenBy = this.forbidding(operator, path);
    if (forbiddenBy) {
      this.error(
        'OPERATOR_NOT_ALLOWED',
        path,
        [...new Set([...forbiddenBy, policyId])],
        `${operator} is not allowed here by ${CHILD_CONTROL} of a parent policy; the change of ${policyId} is ignored.`,
      );
      return;
    }
    const key = keyOf(path);
    if (operator === '@@assign') {
      if (this.writtenAtLevel.has(key)) return;
      this.assign(path, value, policyId);
    } else if (operator === '@@append') this.append(path, value, policyId);
    else this.remove(path, value, policyId);
    this.writtenAtLevel.add(key);
  }

  private assign(path: string[], value: JsonValue, policyId: string): void {
    if (path.length === 0) {
      this.error('OPERATOR_INVALID', path, [policyId], '@@assign needs a key to set; nest it under one.');
      return;
    }
    this.set(path, clone(value));
    // the values under an overwritten setting are gone, and so are their writers
    const descendants = `${keyOf(path).slice(0, -1)},`;
    for (const written of [...this.writers.keys()])
      if (written.startsWith(descendants)) this.writers.delete(written);
    this.writers.set(keyOf(path), [policyId]);
  }

  private append(path: string[], value: JsonValue, policyId: string): void {
    const current = this.get(path);
    if (!Array.isArray(value) || (current !== undefined && !Array.isArray(current))) {
      this.listOnly('@@append', path, policyId);
      return;
    }
    const list = current ?? [];
    const added = value.filter(
      (item, i) => !list.some((x) => sameValue(x, item)) && value.findIndex((y) => sameValue(y, item)) === i,
    );
    this.set(path, [...list, ...added.map(clone)]);
    this.contributed(path, policyId);
  }

  private remove(path: string[], value: JsonValue, policyId: string): void {
    const current = this.get(path);
    if (!Array.isArray(value) || (current !== undefined && !Array.isArray(current))) {
      this.listOnly('@@remove', path, policyId);
      return;
    }
    if (current === undefined) return;
    const kept = current.filter((item) => !value.some((gone) => sameValue(gone, item)));
    this.contributed(path, policyId);
    if (kept.length > 0) this.set(path, kept);
    else this.delete(path);
  }

  private listOnly(operator: ValueOperator, path: string[], policyId: string): void {
    this.error(
      'OPERATOR_INVALID',
      path,
      [...new Set([...(this.writers.get(keyOf(path)) ?? []), policyId])],
      `${operator} works on lists only; give it a list and use it on a setting that holds a list.`,
    );
  }

  private contributed(path: string[], policyId: string): void {
    const writers = this.writers.get(keyOf(path)) ?? [];
    if (!writers.includes(policyId)) this.writers.set(keyOf(path), [...writers, policyId]);
  }

  /** The policies that wrote `path`, or the setting it is part of. */
  private writersOf(path: readonly string[]): string[] {
    for (let length = path.length; length > 0; length--) {
      const writers = this.writers.get(keyOf(path.slice(0, length)));
      if (writers) return writers;
    }
    return [];
  }

  private get(path: readonly string[]): JsonValue | undefined {
    let node: JsonValue | undefined = this.policy;
    for (const part of path) node = isObject(node) && Object.hasOwn(node, part) ? node[part] : undefined;
    return node;
  }

  private set(path: readonly string[], value: JsonValue): void {
    let node = this.policy;
    for (const part of path.slice(0, -1)) {
      const next = Object.hasOwn(node, part) ? node[part] : undefined;
      if (!isObject(next)) put(node, part, {});
      node = node[part] as JsonObject;
    }
    put(node, path[path.length - 1]!, value);
  }

  /** Deletes the value at `path` and the containers it leaves empty. */
  private delete(path: readonly string[]): void {
    for (let length = path.length; length > 0; length--) {
      const parent = this.get(path.slice(0, length - 1));
      if (!isObject(parent)) return;
      const key = path[length - 1]!;
      const child = parent[key];
      if (length < path.length && !(isObject(child) && Object.keys(child).length === 0)) return;
      delete parent[key];
    }
  }

  private checkListLengths(node: JsonValue, path: string[]): void {
    const max = this.options.maxListElements ?? Number.POSITIVE_INFINITY;
    if (Array.isArray(node)) {
      if (node.length > max)
        this.error(
          'ELEMENTS_TOO_MANY',
          path,
          this.writersOf(path),
          `The effective policy lists ${node.length} values here; at most ${max} are allowed. Remove values from the contributing policies.`,
        );
      return;
    }
    if (isObject(node))
      for (const [key, child] of Object.entries(node)) this.checkListLengths(child, [...path, key]);
  }

  private error(code: string, path: readonly string[], policies: string[], message: string): void {
    this.errors.push({
      ErrorCode: code,
      ErrorMessage: `${message} (at ${shown(path)})`,
      PathToError: path.join('.'),
      ContributingPolicies: policies,
    });
  }
}
