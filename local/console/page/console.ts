// The console page: three views (organization, requests and runs, one execution) routed by the URL's hash,
// each polling the console's JSON API while it is shown. The execution's graph is laid out with dagre and
// drawn as SVG; every colour has its word beside it, and everything selectable is reachable by keyboard.

import { type EdgeLabel, Graph, layout, type Point } from '@dagrejs/dagre';
import type { StateGraph } from '../asl-graph';
import type { StateRun, StateStatus } from '../execution-states';
import type {
  ExecutionView,
  OrganizationalUnitView,
  OrganizationView,
  RunsView,
  RunView,
  TargetDetails,
} from '../views';

const main = document.getElementById('main')!;
const live = document.getElementById('live')!;
const SVG = 'http://www.w3.org/2000/svg';

/** the refresh of the view shown; views replace it */
let timer: ReturnType<typeof setTimeout> | undefined;
let generation = 0;

type Child = Node | string | null | undefined | false;
function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number | boolean | ((e: Event) => void)> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, ''), v);
    else if (v === false) continue;
    else if (k === 'class') el.className = String(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const child of children)
    if (child !== null && child !== undefined && child !== false) el.append(child);
  return el;
}

function s<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number> = {},
): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

/** Replaces an element's children, leaving out the absent ones. */
const fill = (el: Element, ...children: Child[]) =>
  el.replaceChildren(
    ...children.filter((c): c is Node | string => c !== null && c !== undefined && c !== false),
  );

const badge = (status: string, text = status) =>
  h('span', { class: `badge s-${status}` }, text.toLowerCase().replace(/_/g, ' '));

async function get<T>(path: string): Promise<T> {
  const response = await fetch(path);
  const body = await response.json();
  if (!response.ok) throw new Error(body.message ?? `${response.status}`);
  return body as T;
}

/** Runs `tick` now and again every `ms` while this view is shown and the page visible. */
function poll(ms: number, tick: () => Promise<boolean | undefined>): void {
  const mine = generation;
  const again = async () => {
    if (mine !== generation) return;
    let more: boolean | undefined = true;
    try {
      if (!document.hidden) more = await tick();
      live.textContent = `updated ${new Date().toLocaleTimeString()}`;
    } catch (error) {
      live.textContent = `cannot read: ${(error as Error).message}`;
    }
    if (mine === generation && more !== false) timer = setTimeout(again, ms);
  };
  void again();
}

function age(from: string, now: number): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(from)) / 1000));
  if (seconds < 90) return `${seconds}s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)}h`;
  return `${Math.round(seconds / 86_400)}d`;
}

// ---------------------------------------------------------------- organization

function organizationView(): void {
  main.replaceChildren(
    h(
      'div',
      { class: 'columns' },
      h(
        'section',
        { class: 'panel', 'aria-labelledby': 'org-title' },
        h('h2', { id: 'org-title' }, 'Organization'),
        h('p', { id: 'org-summary', class: 'muted' }, 'reading…'),
        h('ul', { role: 'tree', id: 'tree', 'aria-labelledby': 'org-title' }),
      ),
      h(
        'aside',
        { class: 'panel', id: 'details', 'aria-live': 'polite' },
        h('h2', {}, 'Details'),
        h('p', { class: 'muted' }, 'Select an OU or an account (arrow keys move, Enter selects).'),
      ),
    ),
  );
  let selected: string | undefined;
  let focused: string | undefined;
  const tree = document.getElementById('tree')!;
  const select = async (item: HTMLElement) => {
    selected = item.dataset.id!;
    for (const other of tree.querySelectorAll('[aria-selected="true"]'))
      other.setAttribute('aria-selected', 'false');
    item.setAttribute('aria-selected', 'true');
    const names = (item.dataset.names ?? '').split('|').filter(Boolean);
    const query = names.map((n) => `name=${encodeURIComponent(n)}`).join('&');
    const details = await get<TargetDetails>(
      `/api/targets/${encodeURIComponent(selected)}${query ? `?${query}` : ''}`,
    );
    if (selected !== details.id) return;
    const tags = Object.entries(details.tags);
    fill(
      document.getElementById('details')!,
      h('h2', {}, item.dataset.label ?? details.id),
      h(
        'dl',
        {},
        h('dt', {}, 'id'),
        h('dd', {}, details.id),
        ...(item.dataset.info ? [h('dt', {}, 'state'), h('dd', {}, item.dataset.info)] : []),
      ),
      h('h3', {}, 'Tags'),
      tags.length
        ? h(
            'table',
            { id: 'tags' },
            h('tr', {}, h('th', {}, 'key'), h('th', {}, 'value')),
            ...tags.map(([k, v]) => h('tr', {}, h('td', {}, k), h('td', {}, v))),
          )
        : h('p', { class: 'muted' }, 'no tags'),
      h('h3', {}, 'Service control policies attached'),
      details.policies.length
        ? h(
            'ul',
            { id: 'policies' },
            ...details.policies.map((p) =>
              h(
                'li',
                {},
                p.name,
                ' ',
                h('span', { class: 'account-id' }, p.id),
                p.guardrail && h('span', { class: 'marker' }, 'guardrail'),
                p.awsManaged && h('span', { class: 'muted' }, ' (AWS managed)'),
              ),
            ),
          )
        : h('p', { class: 'muted' }, 'none'),
    );
  };
  const items = () =>
    [...tree.querySelectorAll<HTMLElement>('[role="treeitem"]')].filter(
      (el) => !el.closest('[role="group"][hidden]'),
    );
  tree.addEventListener('keydown', (event) => {
    const all = items();
    const current = document.activeElement as HTMLElement;
    const i = all.indexOf(current);
    const move = (to: HTMLElement | undefined) => {
      if (!to) return;
      for (const el of all) el.tabIndex = -1;
      to.tabIndex = 0;
      to.focus();
      focused = to.dataset.id;
    };
    const group = current.querySelector<HTMLElement>(':scope > [role="group"]');
    if (event.key === 'ArrowDown') move(all[i + 1]);
    else if (event.key === 'ArrowUp') move(all[i - 1]);
    else if (event.key === 'Home') move(all[0]);
    else if (event.key === 'End') move(all.at(-1));
    else if (event.key === 'ArrowRight' && group?.hidden) {
      group.hidden = false;
      current.setAttribute('aria-expanded', 'true');
    } else if (event.key === 'ArrowLeft' && group && !group.hidden) {
      group.hidden = true;
      current.setAttribute('aria-expanded', 'false');
    } else if (event.key === 'ArrowLeft')
      move(current.parentElement?.closest<HTMLElement>('[role="treeitem"]') ?? undefined);
    else if (event.key === 'Enter' || event.key === ' ') void select(current);
    else return;
    event.preventDefault();
  });
  const render = (org: OrganizationView) => {
    document.getElementById('org-summary')!.textContent =
      `${org.id} · ${org.featureSet.toLowerCase().replace(/_/g, ' ')} · management account ${org.managementAccountId}`;
    const ou = (node: OrganizationalUnitView): HTMLElement => {
      const label = node.kind === 'root' ? `Root` : node.name;
      const item = h(
        'li',
        {
          role: 'treeitem',
          'aria-expanded': 'true',
          'aria-selected': String(selected === node.id),
          tabindex: -1,
          'data-id': node.id,
          'data-label': node.kind === 'root' ? 'Root' : node.path,
          'data-names': node.kind === 'root' ? 'Root' : node.path,
          'data-path': node.path,
        },
        h(
          'div',
          { class: 'row', onclick: () => void select(item) },
          h('span', { class: 'ou-name' }, label),
          h('span', { class: 'account-id' }, node.id),
          node.protected && h('span', { class: 'marker', title: node.protected }, 'protected'),
          ...node.guardrails.map((g) =>
            h(
              'span',
              { class: 'marker', title: 'kept attached by the guardrail reaction' },
              `guardrail ${g}`,
            ),
          ),
        ),
        h(
          'ul',
          { role: 'group' },
          ...node.accounts.map((account) => {
            const leaf: HTMLElement = h(
              'li',
              {
                role: 'treeitem',
                'aria-selected': String(selected === account.id),
                tabindex: -1,
                'data-id': account.id,
                'data-account-id': account.id,
                'data-label': account.name,
                'data-info': account.state,
                'data-names': account.id,
              },
              h(
                'div',
                { class: 'row', onclick: () => void select(leaf) },
                h('span', {}, account.name),
                h('span', { class: 'account-id' }, account.id),
                badge(account.state),
                account.management && h('span', { class: 'marker' }, 'management'),
                account.protected &&
                  h('span', { class: 'marker', title: account.protected }, `protected: ${account.protected}`),
              ),
            );
            return leaf;
          }),
          ...node.children.map(ou),
        ),
      );
      return item;
    };
    tree.replaceChildren(...org.roots.map(ou));
    const all = items();
    const restore = all.find((el) => el.dataset.id === focused) ?? all[0];
    if (restore) restore.tabIndex = 0;
    if (focused && document.activeElement === document.body) restore?.focus();
  };
  poll(3000, async () => {
    render(await get<OrganizationView>('/api/organization'));
    return true;
  });
}

// ---------------------------------------------------------------- runs

const kindLabels: Record<RunView['kind'], string> = {
  'account-request': 'account request',
  'closure-batch': 'closure batch',
  closure: 'closure',
  'all-features-migration': 'all-features migration',
  reaction: 'reaction',
};

function runsView(): void {
  const kind = h(
    'select',
    { id: 'filter-kind', 'aria-label': 'Kind' },
    h('option', { value: '' }, 'every kind'),
    ...Object.entries(kindLabels).map(([k, v]) => h('option', { value: k }, v)),
  );
  const status = h(
    'select',
    { id: 'filter-status', 'aria-label': 'Status' },
    ...['', 'RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'].map((s) =>
      h('option', { value: s }, s ? s.toLowerCase() : 'any status'),
    ),
  );
  main.replaceChildren(
    h(
      'div',
      { class: 'columns' },
      h(
        'section',
        { class: 'panel', 'aria-labelledby': 'runs-title' },
        h('h2', { id: 'runs-title' }, 'Requests and runs'),
        h('div', { class: 'filters' }, kind, status),
        h('table', { id: 'runs' }),
      ),
      h(
        'aside',
        { class: 'panel', id: 'quotas', 'aria-labelledby': 'quota-title' },
        h('h2', { id: 'quota-title' }, 'Quotas'),
      ),
    ),
  );
  let last: RunsView | undefined;
  const render = () => {
    if (!last) return;
    const now = Date.parse(last.now);
    const rows = last.runs.filter(
      (r) => (!kind.value || r.kind === kind.value) && (!status.value || r.status === status.value),
    );
    fill(
      document.getElementById('runs')!,
      h(
        'tr',
        {},
        ...['kind', 'request / run', 'state', 'requester', 'about', 'age'].map((t) =>
          h('th', { scope: 'col' }, t),
        ),
      ),
      ...rows.map((run) =>
        h(
          'tr',
          { 'data-run': run.name },
          h('td', {}, kindLabels[run.kind], h('div', { class: 'account-id' }, run.workflow)),
          h(
            'td',
            {},
            run.executionArn
              ? h('a', { href: `#/execution/${encodeURIComponent(run.executionArn)}` }, run.name)
              : h('code', {}, run.name),
          ),
          h(
            'td',
            {},
            badge(run.status),
            run.outcome && run.outcome !== run.status && h('div', {}, 'request ', badge(run.outcome)),
            run.error && h('div', { class: 'error' }, run.error),
          ),
          h('td', { class: 'account-id' }, run.requester ?? ''),
          h('td', {}, run.subject ?? ''),
          h('td', { title: run.startedAt }, age(run.startedAt, now)),
        ),
      ),
      !rows.length && h('tr', {}, h('td', { colspan: 6, class: 'muted' }, 'nothing yet')),
    );
    const q = last.quotas;
    const meter = (used: number, of: number, label: string) => {
      const bar = h('span');
      // through the CSSOM: the page's content security policy allows no inline style attribute
      bar.style.width = `${Math.min(100, (100 * used) / Math.max(1, of))}%`;
      return h(
        'div',
        {
          class: 'meter',
          role: 'meter',
          'aria-valuenow': used,
          'aria-valuemin': 0,
          'aria-valuemax': of,
          'aria-label': label,
        },
        bar,
      );
    };
    fill(
      document.getElementById('quotas')!,
      h('h2', { id: 'quota-title' }, 'Quotas'),
      h('h3', {}, 'CreateAccount in progress'),
      h(
        'p',
        { id: 'quota-create' },
        `${q.createAccount.inUse} of ${q.createAccount.slots} slots in use, ${q.createAccount.waiting} waiting in line`,
      ),
      meter(q.createAccount.inUse, q.createAccount.slots, 'CreateAccount slots in use'),
      h('h3', {}, 'Closures in flight'),
      h(
        'p',
        { id: 'quota-close' },
        `${q.closeAccount.inUse} of ${q.closeAccount.slots} in flight, ${q.closeAccount.waiting} waiting`,
      ),
      meter(q.closeAccount.inUse, q.closeAccount.slots, 'closures in flight'),
      h('h3', {}, 'Closure budget (rolling 30 days)'),
      h(
        'p',
        { id: 'quota-budget' },
        q.closureBudget.limit === null
          ? `${q.closureBudget.used} closed; the limit is counted by the first closure batch`
          : `${q.closureBudget.used} of ${q.closureBudget.limit} used${q.closureBudget.nextFitsAt ? `; the next closure fits at ${q.closureBudget.nextFitsAt}` : ''}`,
      ),
      q.closureBudget.limit !== null &&
        meter(q.closureBudget.used, q.closureBudget.limit, 'closure budget used'),
    );
  };
  kind.addEventListener('change', render);
  status.addEventListener('change', render);
  poll(1000, async () => {
    last = await get<RunsView>('/api/runs');
    render();
    return true;
  });
}

// ---------------------------------------------------------------- execution

const statusWords: Record<StateStatus | 'idle', string> = {
  succeeded: 'succeeded',
  failed: 'failed',
  waiting: 'waiting',
  entered: 'running',
  retried: 'retried',
  idle: 'not run',
};

interface Laid {
  g: Graph;
  width: number;
  height: number;
}

function lay(graph: StateGraph): Laid {
  const g = new Graph({ compound: true, multigraph: true });
  g.setGraph({ rankdir: 'TB', nodesep: 28, ranksep: 42, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const group of graph.groups) g.setNode(group.id, { label: group.label, clusterLabelPos: 'top' });
  for (const node of graph.nodes) {
    const terminal = node.type === 'Start' || node.type === 'End';
    const width = terminal
      ? 70
      : Math.max(150, 7.2 * Math.max(node.name.length, (node.resource ?? '').length * 0.85) + 28);
    g.setNode(node.id, { width, height: terminal ? 34 : 52 });
    if (node.group) g.setParent(node.id, node.group);
  }
  for (const group of graph.groups) {
    const owner = graph.nodes.find((n) => n.id === group.owner);
    if (owner?.group) g.setParent(group.id, owner.group);
  }
  graph.edges.forEach((edge, i) => {
    g.setEdge(
      edge.from,
      edge.to,
      {
        label: edge.label ?? '',
        width: edge.label ? Math.min(220, edge.label.length * 5.6) : 0,
        height: edge.label ? 14 : 0,
        labelpos: 'c',
      },
      `e${i}`,
    );
  });
  layout(g);
  const size = g.graph();
  return { g, width: size.width ?? 600, height: size.height ?? 400 };
}

function executionView(arn: string): void {
  const link = document.getElementById('nav-execution')!;
  link.hidden = false;
  link.setAttribute('href', `#/execution/${encodeURIComponent(arn)}`);
  main.replaceChildren(
    h(
      'div',
      { class: 'columns' },
      h(
        'section',
        { 'aria-labelledby': 'exec-title' },
        h('h2', { id: 'exec-title' }, 'Execution'),
        h(
          'p',
          {},
          h('span', { id: 'execution-status' }, 'reading…'),
          ' ',
          h('span', { id: 'execution-error', class: 'error' }),
        ),
        h(
          'div',
          { class: 'legend', 'aria-label': 'Legend' },
          ...(['succeeded', 'entered', 'waiting', 'retried', 'failed', 'idle'] as const).map((st) =>
            badge(st, statusWords[st]),
          ),
          h(
            'span',
            { class: 'muted' },
            'thick border: current state; dark arrows: transitions taken; dashed arrows: Catch',
          ),
        ),
        h('div', { class: 'graph', id: 'graph' }),
      ),
      h(
        'aside',
        { class: 'panel', id: 'state-details', 'aria-live': 'polite' },
        h('h2', {}, 'State'),
        h('p', { class: 'muted' }, 'Select a state (Tab to it, Enter) to see its input, output and error.'),
      ),
    ),
  );
  let laidFor: string | undefined;
  let laid: Laid | undefined;
  let selected: string | undefined;
  let view: ExecutionView | undefined;
  const nodeEls = new Map<string, SVGGElement>();

  const details = () => {
    if (!view || !selected) return;
    const node = view.graph.nodes.find((n) => n.id === selected);
    if (!node) return;
    const run: StateRun | undefined = view.run.states[node.name];
    const block = (title: string, text: string | undefined) => {
      if (text === undefined) return null;
      let pretty = text;
      try {
        pretty = JSON.stringify(JSON.parse(text), null, 2);
      } catch {
        /* shown as it is */
      }
      return h(
        'div',
        {},
        h('h3', {}, title),
        h('pre', { tabindex: 0, 'data-field': title.toLowerCase() }, pretty),
      );
    };
    const st = node.type === 'Start' || node.type === 'End' ? undefined : (run?.status ?? 'idle');
    fill(
      document.getElementById('state-details')!,
      h('h2', { id: 'state-title' }, node.name),
      h(
        'dl',
        {},
        h('dt', {}, 'type'),
        h('dd', {}, node.type),
        node.resource && h('dt', {}, 'resource'),
        node.resource && h('dd', {}, node.resource),
        st && h('dt', {}, 'status'),
        st && h('dd', { id: 'state-status' }, badge(st, statusWords[st])),
        run && h('dt', {}, 'entered'),
        run && h('dd', {}, `${run.visits}× · last at ${run.enteredAt ?? '?'}`),
        run?.retries ? h('dt', {}, 'retries') : null,
        run?.retries ? h('dd', {}, String(run.retries)) : null,
      ),
      run?.error
        ? h(
            'div',
            { id: 'state-error' },
            h('h3', {}, 'Error'),
            h('p', { class: 'error' }, run.error),
            run.cause ? h('pre', { tabindex: 0 }, run.cause) : null,
          )
        : null,
      block('Input', run?.input),
      block('Output', run?.output),
    );
  };

  const draw = () => {
    if (!view) return;
    const key = JSON.stringify(view.graph);
    if (key !== laidFor) {
      laid = lay(view.graph);
      laidFor = key;
      nodeEls.clear();
      const svg = s('svg', {
        width: laid.width,
        height: laid.height,
        viewBox: `0 0 ${laid.width} ${laid.height}`,
        role: 'group',
        'aria-label': `${view.stateMachine} state machine`,
      });
      const defs = s('defs');
      const marker = s('marker', {
        id: 'arrow',
        viewBox: '0 0 10 10',
        refX: 9,
        refY: 5,
        markerWidth: 7,
        markerHeight: 7,
        orient: 'auto-start-reverse',
      });
      marker.append(s('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#526070' }));
      defs.append(marker);
      svg.append(defs);
      for (const group of view.graph.groups) {
        const box = laid.g.node(group.id);
        const c = s('g', { class: 'cluster' });
        c.append(
          s('rect', {
            x: box.x - box.width / 2,
            y: box.y - box.height / 2,
            width: box.width,
            height: box.height,
            rx: 8,
          }),
        );
        const t = s('text', { x: box.x - box.width / 2 + 8, y: box.y - box.height / 2 + 13 });
        t.textContent = group.label;
        c.append(t);
        svg.append(c);
      }
      view.graph.edges.forEach((edge, i) => {
        const e = laid!.g.edge({ v: edge.from, w: edge.to, name: `e${i}` }) as EdgeLabel | undefined;
        if (!e?.points) return;
        const g = s('g', { class: `edge ${edge.kind}`, 'data-from': edge.from, 'data-to': edge.to });
        const d = e.points.map((p: Point, j: number) => `${j ? 'L' : 'M'}${p.x},${p.y}`).join(' ');
        g.append(s('path', { d, 'marker-end': 'url(#arrow)' }));
        if (edge.label && e.x !== undefined && e.y !== undefined) {
          const t = s('text', { x: e.x, y: (e.y ?? 0) + 4, 'text-anchor': 'middle' });
          t.textContent = edge.label;
          g.append(t);
        }
        svg.append(g);
      });
      for (const node of view.graph.nodes) {
        const box = laid.g.node(node.id);
        const g = s('g', {
          class: 'node',
          tabindex: 0,
          role: 'button',
          'data-state': node.name,
          'data-id': node.id,
          transform: `translate(${box.x},${box.y})`,
        });
        const w = box.width;
        const hgt = box.height;
        if (node.type === 'Start' || node.type === 'End') g.append(s('ellipse', { rx: w / 2, ry: hgt / 2 }));
        else if (node.type === 'Choice')
          g.append(
            s('polygon', {
              points: `${-w / 2},0 ${-w / 2 + 14},${-hgt / 2} ${w / 2 - 14},${-hgt / 2} ${w / 2},0 ${w / 2 - 14},${hgt / 2} ${-w / 2 + 14},${hgt / 2}`,
            }),
          );
        else
          g.append(
            s('rect', {
              x: -w / 2,
              y: -hgt / 2,
              width: w,
              height: hgt,
              rx: node.type === 'Succeed' || node.type === 'Fail' ? hgt / 2 : 6,
            }),
          );
        const name = s('text', {
          'text-anchor': 'middle',
          y: node.type === 'Start' || node.type === 'End' ? 4 : -6,
        });
        name.textContent = node.name;
        g.append(name);
        if (node.type !== 'Start' && node.type !== 'End')
          g.append(Object.assign(s('text', { 'text-anchor': 'middle', y: 14, class: 'status-text' })));
        const choose = () => {
          selected = node.id;
          for (const other of nodeEls.values()) other.classList.toggle('selected', other === g);
          details();
        };
        g.addEventListener('click', choose);
        g.addEventListener('keydown', (event) => {
          if (event.key === 'Enter' || event.key === ' ') {
            event.preventDefault();
            choose();
          }
        });
        nodeEls.set(node.id, g);
        svg.append(g);
      }
      fill(document.getElementById('graph')!, svg);
    }
    const run = view.run;
    const running = view.status === 'RUNNING';
    for (const node of view.graph.nodes) {
      const g = nodeEls.get(node.id)!;
      const state = run.states[node.name];
      let status: StateStatus | 'idle' = state?.status ?? 'idle';
      if (node.type === 'Start') status = 'succeeded';
      if (node.type === 'End')
        status = running ? 'idle' : view.status === 'SUCCEEDED' ? 'succeeded' : 'failed';
      const current = running ? Boolean(state?.current) : node.name === run.last;
      g.setAttribute(
        'class',
        `node st-${status}${current ? ' current' : ''}${selected === node.id ? ' selected' : ''}`,
      );
      g.dataset.status = status;
      g.dataset.current = String(current);
      const extra = state && state.visits > 1 ? ` ×${state.visits}` : '';
      const retries = state?.retries ? ` · ${state.retries} retr${state.retries > 1 ? 'ies' : 'y'}` : '';
      const label = `${statusWords[status]}${current ? (running ? ' · current' : ' · ended here') : ''}${extra}${retries}`;
      const statusText = g.querySelector('.status-text');
      if (statusText) statusText.textContent = label;
      g.setAttribute('aria-label', `${node.name} (${node.type}): ${label}`);
    }
    const taken = new Set(run.transitions);
    for (const edge of document.querySelectorAll<SVGGElement>('#graph .edge')) {
      const from = view.graph.nodes.find((n) => n.id === edge.dataset.from)?.name;
      const to = view.graph.nodes.find((n) => n.id === edge.dataset.to)?.name;
      const startEdge = edge.dataset.from === 'Start' && Boolean(run.states[to ?? '']);
      const endEdge = edge.dataset.to === 'End' && !running && run.last === from;
      edge.classList.toggle('taken', taken.has(`${from}→${to}`) || startEdge || endEdge);
    }
    document.getElementById('exec-title')!.textContent = `${view.stateMachine} · ${view.name}`;
    fill(
      document.getElementById('execution-status')!,
      badge(view.status),
      ' ',
      h(
        'span',
        { class: 'muted' },
        `started ${view.startedAt}${view.stoppedAt ? `, ended ${view.stoppedAt}` : ''}`,
      ),
    );
    const output = (() => {
      try {
        return JSON.parse(view.output ?? '{}') as { state?: string; error?: string; cause?: string };
      } catch {
        return {};
      }
    })();
    const error = view.error ?? (output.state === 'FAILED' ? output.error : undefined);
    const cause = view.cause ?? (output.state === 'FAILED' ? output.cause : undefined);
    let reason = cause ?? '';
    try {
      reason = (JSON.parse(reason) as { errorMessage?: string }).errorMessage ?? reason;
    } catch {
      /* plain text */
    }
    document.getElementById('execution-error')!.textContent = error
      ? `${output.state === 'FAILED' && !view.error ? 'request failed: ' : ''}${error}${reason ? ` — ${reason}` : ''}`
      : '';
    details();
  };

  poll(1000, async () => {
    view = await get<ExecutionView>(`/api/executions/${encodeURIComponent(arn)}`);
    draw();
    return view.status === 'RUNNING';
  });
}

// ---------------------------------------------------------------- routing

function route(): void {
  generation++;
  clearTimeout(timer);
  const hash = location.hash || '#/organization';
  const execution = /^#\/execution\/(.+)$/.exec(hash);
  const current = execution ? 'execution' : hash === '#/runs' ? 'runs' : 'organization';
  for (const name of ['organization', 'runs', 'execution'])
    document.getElementById(`nav-${name}`)?.toggleAttribute('aria-current', false);
  document.getElementById(`nav-${current}`)?.setAttribute('aria-current', 'page');
  if (execution) executionView(decodeURIComponent(execution[1]!));
  else if (current === 'runs') runsView();
  else organizationView();
}

window.addEventListener('hashchange', route);
route();
