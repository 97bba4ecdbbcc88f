import { describe, expect, it } from 'vitest';
import {
  type MergeOptions,
  mergeEffectivePolicy,
  mergeOptionsFor,
  type PolicyDocument,
} from '../../local/organizations/effective-policy';

/** A level's policies from plain objects, named p-<letter>xxxxxxx so they read as policy ids. */
const level = (...policies: [string, unknown][]): PolicyDocument[] =>
  policies.map(([name, document]) => ({ policyId: `p-${name}0000000`, content: JSON.stringify(document) }));
const id = (name: string) => `p-${name}0000000`;

const assign = (value: unknown) => ({ '@@assign': value });
const append = (value: unknown) => ({ '@@append': value });
const remove = (value: unknown) => ({ '@@remove': value });
const allowed = (...operators: string[]) => ({ '@@operators_allowed_for_child_policies': operators });

// the user guide's inheritance examples: policy A at the root of every case
const policyA = {
  tags: { costcenter: { tag_key: assign('CostCenter'), tag_value: assign(['Development', 'Support']) } },
};

interface Case {
  name: string;
  levels: PolicyDocument[][];
  options?: MergeOptions;
  policy: unknown;
  errors?: { ErrorCode: string; PathToError: string; ContributingPolicies: string[] }[];
}

const cases: Case[] = [
  {
    name: '@@assign in a child overwrites a value and replaces a list (example 1)',
    levels: [
      level(['a', policyA]),
      level([
        'b',
        {
          tags: {
            costcenter: {
              tag_key: assign('CostCenter'),
              tag_value: assign(['Sandbox']),
              enforced_for: assign(['redshift:*', 'dynamodb:table']),
            },
          },
        },
      ]),
    ],
    policy: {
      tags: {
        costcenter: {
          tag_key: 'CostCenter',
          tag_value: ['Sandbox'],
          enforced_for: ['redshift:*', 'dynamodb:table'],
        },
      },
    },
  },
  {
    name: '@@append adds to an inherited list and creates a missing one (example 2)',
    levels: [
      level(['a', policyA]),
      level([
        'c',
        { tags: { costcenter: { tag_value: append(['Marketing']), enforced_for: append(['redshift:*']) } } },
      ]),
    ],
    policy: {
      tags: {
        costcenter: {
          tag_key: 'CostCenter',
          tag_value: ['Development', 'Support', 'Marketing'],
          enforced_for: ['redshift:*'],
        },
      },
    },
  },
  {
    name: '@@remove takes values out, and a list emptied that way leaves the policy (example 3)',
    levels: [
      level(['a', policyA]),
      level([
        'c',
        { tags: { costcenter: { tag_value: append(['Marketing']), enforced_for: append(['redshift:*']) } } },
      ]),
      level([
        'd',
        {
          tags: {
            costcenter: {
              tag_value: remove(['Development', 'Marketing']),
              enforced_for: remove(['redshift:*', 'dynamodb:table']),
            },
          },
        },
      ]),
    ],
    policy: { tags: { costcenter: { tag_key: 'CostCenter', tag_value: ['Support'] } } },
  },
  {
    name: '@@none locks a value and a subset allows only what it names (example 4)',
    levels: [
      level([
        'e',
        {
          tags: {
            project: {
              tag_key: { ...allowed('@@none'), ...assign('Project') },
              tag_value: { ...allowed('@@append'), ...assign(['Maintenance', 'Escalations']) },
            },
          },
        },
      ]),
      level([
        'f',
        { tags: { project: { tag_key: assign('PROJECT'), tag_value: append(['Escalations - research']) } } },
      ]),
    ],
    policy: {
      tags: {
        project: { tag_key: 'Project', tag_value: ['Maintenance', 'Escalations', 'Escalations - research'] },
      },
    },
    errors: [
      {
        ErrorCode: 'OPERATOR_NOT_ALLOWED',
        PathToError: 'tags.project.tag_key',
        ContributingPolicies: [id('e'), id('f')],
      },
    ],
  },
  {
    name: 'restrictions of policies attached at one level intersect (example 5)',
    levels: [
      level(
        ['g', { tags: { project: { tag_value: { ...allowed('@@append'), ...assign(['Maintenance']) } } } }],
        ['h', { tags: { project: { tag_value: allowed('@@append', '@@remove') } } }],
      ),
      level([
        'x',
        { tags: { project: { tag_value: { ...append(['Research']), ...remove(['Maintenance']) } } } },
      ]),
    ],
    policy: { tags: { project: { tag_value: ['Maintenance', 'Research'] } } },
    errors: [
      {
        ErrorCode: 'OPERATOR_NOT_ALLOWED',
        PathToError: 'tags.project.tag_value',
        ContributingPolicies: [id('g'), id('x')],
      },
    ],
  },
  {
    name: 'at one level the first-attached policy keeps what it assigned (example 6)',
    levels: [
      level(
        ['j', { tags: { project: { tag_key: assign('PROJECT'), tag_value: append(['Maintenance']) } } }],
        ['k', { tags: { project: { tag_key: assign('project'), tag_value: append(['Escalations']) } } }],
      ),
    ],
    policy: { tags: { project: { tag_key: 'PROJECT', tag_value: ['Maintenance', 'Escalations'] } } },
  },
  {
    name: 'a restriction does not bind the policies attached at its own level',
    levels: [
      level(
        ['g', { tags: { project: { tag_value: { ...allowed('@@none'), ...assign(['Maintenance']) } } } }],
        ['h', { tags: { project: { tag_value: append(['Escalations']) } } }],
      ),
    ],
    policy: { tags: { project: { tag_value: ['Maintenance', 'Escalations'] } } },
  },
  {
    name: 'a child cannot relax an inherited restriction',
    levels: [
      level(['a', { tags: { project: { tag_key: { ...allowed('@@none'), ...assign('Project') } } } }]),
      level(['b', { tags: { project: { tag_key: allowed('@@all') } } }]),
      level(['c', { tags: { project: { tag_key: assign('PROJECT') } } }]),
    ],
    policy: { tags: { project: { tag_key: 'Project' } } },
    errors: [
      {
        ErrorCode: 'OPERATOR_NOT_ALLOWED',
        PathToError: 'tags.project.tag_key',
        ContributingPolicies: [id('a'), id('c')],
      },
    ],
  },
  {
    name: 'a restriction on a key covers every key under it; sibling keys stay open',
    levels: [
      level([
        'a',
        {
          plans: {
            pii: {
              ...allowed('@@none'),
              regions: assign(['us-east-1']),
              rules: { hourly: { vault: assign('Fort') } },
            },
          },
        },
      ]),
      level([
        'b',
        {
          plans: {
            pii: { regions: append(['eu-west-1']), rules: { hourly: { vault: assign('Shed') } } },
            monthly: { regions: assign(['eu-central-1']) },
          },
        },
      ]),
    ],
    policy: {
      plans: {
        pii: { regions: ['us-east-1'], rules: { hourly: { vault: 'Fort' } } },
        monthly: { regions: ['eu-central-1'] },
      },
    },
    errors: [
      {
        ErrorCode: 'OPERATOR_NOT_ALLOWED',
        PathToError: 'plans.pii.regions',
        ContributingPolicies: [id('a'), id('b')],
      },
      {
        ErrorCode: 'OPERATOR_NOT_ALLOWED',
        PathToError: 'plans.pii.rules.hourly.vault',
        ContributingPolicies: [id('a'), id('b')],
      },
    ],
  },
  {
    name: 'the levels between restrict too: an OU restriction binds the account below it',
    levels: [
      level(['a', policyA]),
      level(['b', { tags: { costcenter: { tag_value: allowed('@@remove') } } }]),
      level([
        'c',
        { tags: { costcenter: { tag_value: { ...append(['Marketing']), ...remove(['Support']) } } } },
      ]),
    ],
    policy: { tags: { costcenter: { tag_key: 'CostCenter', tag_value: ['Development'] } } },
    errors: [
      {
        ErrorCode: 'OPERATOR_NOT_ALLOWED',
        PathToError: 'tags.costcenter.tag_value',
        ContributingPolicies: [id('b'), id('c')],
      },
    ],
  },
  {
    name: 'a bare value is an @@assign',
    levels: [
      level(['a', { services: { default: { opt_out_policy: 'optOut' } } }]),
      level([
        'b',
        { services: { default: { opt_out_policy: assign('optIn') }, s3: { opt_out_policy: 'optOut' } } },
      ]),
    ],
    policy: { services: { default: { opt_out_policy: 'optIn' }, s3: { opt_out_policy: 'optOut' } } },
  },
  {
    name: 'tag policy keys are case-insensitive and shown lower-cased; tag_key keeps the capitalization',
    options: mergeOptionsFor('TAG_POLICY'),
    levels: [
      level(['a', { tags: { CostCenter: { tag_key: assign('CostCenter'), tag_value: assign(['100']) } } }]),
      level(['b', { tags: { costcenter: { tag_value: append(['200']) } } }]),
    ],
    policy: { tags: { costcenter: { tag_key: 'CostCenter', tag_value: ['100', '200'] } } },
  },
  {
    name: 'backup rule and selection names are case-insensitive, plan names are kept',
    options: mergeOptionsFor('BACKUP_POLICY'),
    levels: [
      level([
        'a',
        {
          plans: {
            PII_Plan: {
              rules: { Hourly: { target_backup_vault_name: assign('FortKnox') } },
              selections: { tags: { DataType: { tag_key: assign('dataType') } } },
            },
          },
        },
      ]),
    ],
    policy: {
      plans: {
        PII_Plan: {
          rules: { hourly: { target_backup_vault_name: 'FortKnox' } },
          selections: { tags: { datatype: { tag_key: 'dataType' } } },
        },
      },
    },
  },
  {
    name: '@@append does not repeat values already in the list',
    levels: [
      level(['a', policyA]),
      level(['b', { tags: { costcenter: { tag_value: append(['Support', 'Ops', 'Ops']) } } }]),
    ],
    policy: { tags: { costcenter: { tag_key: 'CostCenter', tag_value: ['Development', 'Support', 'Ops'] } } },
  },
  {
    name: '@@remove of a setting nobody set changes nothing',
    levels: [
      level(['a', policyA]),
      level(['b', { tags: { costcenter: { enforced_for: remove(['ec2:instance']) } } }]),
    ],
    policy: { tags: { costcenter: { tag_key: 'CostCenter', tag_value: ['Development', 'Support'] } } },
  },
  {
    name: 'a list longer than the type allows is ELEMENTS_TOO_MANY, naming the policies that built it',
    options: { maxListElements: 3 },
    levels: [
      level(['a', policyA]),
      level(['b', { tags: { costcenter: { tag_value: append(['Ops', 'Sales']) } } }]),
    ],
    policy: {
      tags: { costcenter: { tag_key: 'CostCenter', tag_value: ['Development', 'Support', 'Ops', 'Sales'] } },
    },
    errors: [
      {
        ErrorCode: 'ELEMENTS_TOO_MANY',
        PathToError: 'tags.costcenter.tag_value',
        ContributingPolicies: [id('a'), id('b')],
      },
    ],
  },
  {
    name: 'misused operators are reported and skipped',
    levels: [
      level([
        'a',
        {
          tags: {
            costcenter: {
              tag_key: { '@@set': 'CostCenter' },
              tag_value: append('Development'),
              enforced_for: { ...assign(['ec2:instance']), ec2: assign('x') },
              owner: { tag_key: allowed('@@everything') },
            },
          },
        },
      ]),
    ],
    policy: {},
    errors: [
      {
        ErrorCode: 'OPERATOR_INVALID',
        PathToError: 'tags.costcenter.tag_key',
        ContributingPolicies: [id('a')],
      },
      {
        ErrorCode: 'OPERATOR_INVALID',
        PathToError: 'tags.costcenter.tag_value',
        ContributingPolicies: [id('a')],
      },
      {
        ErrorCode: 'OPERATOR_INVALID',
        PathToError: 'tags.costcenter.enforced_for',
        ContributingPolicies: [id('a')],
      },
      {
        ErrorCode: 'OPERATOR_INVALID',
        PathToError: 'tags.costcenter.owner.tag_key',
        ContributingPolicies: [id('a')],
      },
    ],
  },
  {
    name: '@@append on a single value is refused',
    levels: [level(['a', policyA]), level(['b', { tags: { costcenter: { tag_key: append(['Cost']) } } }])],
    policy: { tags: { costcenter: { tag_key: 'CostCenter', tag_value: ['Development', 'Support'] } } },
    errors: [
      {
        ErrorCode: 'OPERATOR_INVALID',
        PathToError: 'tags.costcenter.tag_key',
        ContributingPolicies: [id('a'), id('b')],
      },
    ],
  },
];

describe('mergeEffectivePolicy', () => {
  it.each(cases)('$name', ({ levels, options, policy, errors = [] }) => {
    // Act
    const result = mergeEffectivePolicy(levels, options);

    // Assess
    expect(result.policy).toEqual(policy);
    expect(result.errors.map(({ ErrorMessage: _message, ...rest }) => rest)).toEqual(errors);
  });

  it('names the offending value and the way out in each error message', () => {
    // Prepare
    const levels = [
      level(['a', { tags: { project: { tag_key: { ...allowed('@@none'), ...assign('Project') } } } }]),
      level(['b', { tags: { project: { tag_key: assign('PROJECT') } } }]),
    ];

    // Act
    const [error] = mergeEffectivePolicy(levels).errors;

    // Assess
    expect(error?.ErrorMessage).toContain('@@assign');
    expect(error?.ErrorMessage).toContain(id('b'));
    expect(error?.ErrorMessage).toContain('tags.project.tag_key');
  });

  it('reports a document that is not a JSON object as MALFORMED_POLICY and merges the rest', () => {
    // Prepare
    const levels = [[{ policyId: id('a'), content: '[1, 2]' }], level(['b', policyA])];

    // Act
    const result = mergeEffectivePolicy(levels);

    // Assess
    expect(result.errors).toMatchObject([{ ErrorCode: 'MALFORMED_POLICY', ContributingPolicies: [id('a')] }]);
    expect(result.policy).toEqual({
      tags: { costcenter: { tag_key: 'CostCenter', tag_value: ['Development', 'Support'] } },
    });
  });

  it('leaves the input documents untouched and yields {} when nothing is set', () => {
    // Prepare
    const only = level(['a', { tags: { project: { tag_value: allowed('@@append') } } }]);

    // Act
    const result = mergeEffectivePolicy([only]);

    // Assess
    expect(result).toEqual({ policy: {}, errors: [] });
  });
});
