// RFC 8628 §5.1: user codes are short enough to guess, so wrong ones are limited, per address and for the whole
// server, in 15-minute windows counted in the shared store: every replica enforces the same budget. A refusal comes
// before the code is looked up, so a refused guess learns nothing, right or wrong. Each code is counted before it is
// looked up and given back when it was right, so a concurrent burst cannot spend more than the budget.
import type { RateCounters } from '../../store/types.ts';
import { addressKey } from '../address-key.ts';

export const USER_CODE_WINDOW_SECONDS = 15 * 60;
/** The whole server's budget, as a multiple of one address's: far above honest typos, far below a search. */
export const SERVER_BUDGET_FACTOR = 100;

export class UserCodeGuessLimit {
  readonly #counters: RateCounters;
  readonly #perAddress: number;

  /** `perAddress`: wrong codes one address may enter per window (PURSER_DEVICE_USER_CODE_ATTEMPTS). */
  constructor(counters: RateCounters, perAddress: number) {
    this.#counters = counters;
    this.#perAddress = perAddress;
  }

  /**
   * Counts a code from `ip` against both budgets before it is looked up, and answers whether it is refused unchecked
   * (either budget was already spent). Counting first (one atomic increment each) is what holds the budgets under a
   * burst: checking, looking up, then counting would let every request of a concurrent burst pass the same check. A
   * refused attempt is taken back, so requests refused anyway do not eat the server's budget for everyone else.
   */
  async attempt(ip: string): Promise<boolean> {
    const [address, server] = await Promise.all([this.#counters.hit(addressBudget(ip), USER_CODE_WINDOW_SECONDS), this.#counters.hit(SERVER_BUDGET, USER_CODE_WINDOW_SECONDS)]);
    const refused = address > this.#perAddress || server > this.#perAddress * SERVER_BUDGET_FACTOR;
    if (refused) await this.giveBack(ip);
    return refused;
  }

  /** Gives back the attempt of a code that was found (or refused unchecked): only wrong codes spend the budgets. */
  async giveBack(ip: string): Promise<void> {
    await Promise.all([this.#counters.release(addressBudget(ip)), this.#counters.release(SERVER_BUDGET)]);
  }
}

const SERVER_BUDGET = 'user-code-failures';
const addressBudget = (ip: string) => `user-code-failures:${addressKey(ip)}`;
