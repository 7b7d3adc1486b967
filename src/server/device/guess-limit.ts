// RFC 8628 §5.1: user codes are short enough to guess, so wrong ones are limited, per address and for the whole
// server, in 15-minute windows counted in the shared store: every replica enforces the same budget. A refusal comes
// before the code is looked up, so a refused guess learns nothing, right or wrong.
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

  /** Whether a code from `ip` is refused unchecked: its address or the server has spent its budget. */
  async refused(ip: string): Promise<boolean> {
    const [address, server] = await Promise.all([this.#counters.count(addressBudget(ip)), this.#counters.count(SERVER_BUDGET)]);
    return address >= this.#perAddress || server >= this.#perAddress * SERVER_BUDGET_FACTOR;
  }

  /** Counts a wrong code from `ip` against both budgets. */
  async failed(ip: string): Promise<void> {
    await Promise.all([this.#counters.hit(addressBudget(ip), USER_CODE_WINDOW_SECONDS), this.#counters.hit(SERVER_BUDGET, USER_CODE_WINDOW_SECONDS)]);
  }
}

const SERVER_BUDGET = 'user-code-failures';
const addressBudget = (ip: string) => `user-code-failures:${addressKey(ip)}`;
