// Each stage that can be slow or sick runs behind a time budget and a circuit breaker: after
// `failureThreshold` consecutive failures the breaker opens and calls fail fast for `cooldownMs`,
// then one trial call decides whether it closes again. Failures of calls that were already under way
// when another failure was counted are the same episode and count once: sixteen requests waiting on
// one slow commit time out together, and that is one stall, not five failures in a row — counted
// singly, one 60 ms disk stall under load opened the features breaker and sent every decision of the
// next five seconds to rules only.

export class StageUnavailable extends Error {
  constructor(
    readonly stage: string,
    readonly reason: 'timeout' | 'error' | 'breaker_open',
    message: string,
  ) {
    super(message);
  }
}

export type BreakerState = 'closed' | 'open' | 'half_open';

export class CircuitBreaker {
  private failures = 0;
  /** Failures counted so far, ever: a call that fails counts only if none was counted since it began. */
  private counted = 0;
  private openedAt = -Infinity;
  private trialRunning = false;

  constructor(
    readonly stage: string,
    private readonly options: { failureThreshold?: number; cooldownMs?: number; now?: () => number } = {},
  ) {}

  get state(): BreakerState {
    if (this.failures < (this.options.failureThreshold ?? 5)) return 'closed';
    return this.now() - this.openedAt >= (this.options.cooldownMs ?? 5_000) ? 'half_open' : 'open';
  }

  /** Run `work` within `budgetMs`; failures, timeouts and an open breaker throw StageUnavailable. */
  async run<T>(work: () => T | Promise<T>, budgetMs: number): Promise<T> {
    const state = this.state;
    if (state === 'open' || (state === 'half_open' && this.trialRunning)) {
      throw new StageUnavailable(this.stage, 'breaker_open', `${this.stage}: circuit breaker open`);
    }
    if (state === 'half_open') this.trialRunning = true;
    const countedBefore = this.counted;
    try {
      const result = await withBudget(work, budgetMs, this.stage);
      this.failures = 0;
      return result;
    } catch (error) {
      if (this.counted === countedBefore || state === 'half_open') {
        this.counted++;
        this.failures++;
        if (this.failures >= (this.options.failureThreshold ?? 5)) this.openedAt = this.now();
      }
      if (error instanceof StageUnavailable) throw error;
      throw new StageUnavailable(this.stage, 'error', `${this.stage}: ${(error as Error).message}`);
    } finally {
      if (state === 'half_open') this.trialRunning = false;
    }
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}

async function withBudget<T>(work: () => T | Promise<T>, budgetMs: number, stage: string): Promise<T> {
  const result = work();
  if (!(result instanceof Promise)) return result; // synchronous work cannot be interrupted; it is already done
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StageUnavailable(stage, 'timeout', `${stage}: no answer within ${budgetMs} ms`)), budgetMs);
  });
  try {
    return await Promise.race([result, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
