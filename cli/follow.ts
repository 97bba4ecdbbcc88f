// Following a long-running request of the API (a closure batch, a migration to all features) as the CLI shows it.

/** An API answer the command cannot use: the action, the HTTP status, and the API's message and field issues. */
export class ApiFailure extends Error {
  constructor(
    action: string,
    readonly status: number,
    body: unknown,
  ) {
    const answer = body as { message?: string; issues?: { path: string; message: string }[] } | undefined;
    const details = answer?.issues?.map((e) => `\n  - ${e.path || '(body)'}: ${e.message}`).join('') ?? '';
    super(`${action}: HTTP ${status} ${answer?.message ?? JSON.stringify(body)}${details}`);
    this.name = 'ApiFailure';
  }
}

// the API answers 503 (and a gateway 429) when AWS is busy: the next look usually gets through
const TRANSIENT = (error: unknown) =>
  error instanceof ApiFailure && (error.status === 429 || error.status >= 500);
const MAX_TRANSIENT_IN_A_ROW = 5;

export interface FollowOptions<Status> {
  json: boolean;
  log?: (line: string) => void;
  /** waits between two looks, given the last status seen: 2 s by default; tests move a virtual clock instead */
  wait?: (last: Status | undefined) => Promise<void>;
}

/** What to follow: how to look, what a look says in one line, when to stop, what to print then. */
export interface Followed<Status> {
  look: () => Promise<Status>;
  progress: (status: Status) => string;
  done: (status: Status) => boolean;
  /** the lines printed once `done` (not in --json) */
  summary: (status: Status) => string;
}

/**
 * Prints a line whenever the progress changes (or each status, with --json), until `done`, then the summary;
 * returns the last status. Busy answers (429, 5xx) are looked at again, up to a few in a row.
 */
export async function follow<Status>(
  followed: Followed<Status>,
  options: FollowOptions<Status>,
): Promise<Status> {
  const log = options.log ?? ((line: string) => console.log(line));
  const wait = options.wait ?? (() => new Promise<void>((resolve) => setTimeout(resolve, 2000)));
  let shown = '';
  let transient = 0;
  let last: Status | undefined;
  for (;;) {
    let status: Status;
    try {
      status = await followed.look();
      transient = 0;
    } catch (error) {
      if (!TRANSIENT(error) || ++transient > MAX_TRANSIENT_IN_A_ROW) throw error;
      await wait(last);
      continue;
    }
    last = status;
    const progress = options.json ? JSON.stringify(status) : followed.progress(status);
    if (progress !== shown)
      log(options.json ? progress : `${new Date().toISOString().slice(11, 19)}  ${progress}`);
    shown = progress;
    if (followed.done(status)) {
      if (!options.json) log(followed.summary(status));
      return status;
    }
    await wait(status);
  }
}
