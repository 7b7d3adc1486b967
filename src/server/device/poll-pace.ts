// RFC 8628 §3.5: a device that polls sooner than its interval gets slow_down, and "the interval MUST be increased by
// 5 seconds for this and all subsequent requests". Both the device's interval and its last poll live in the shared
// store (counters keyed by a digest of the device code), so it makes no difference which replica a poll reaches.
//
// Each accepted poll opens a window as long as the current interval; a poll inside it is too soon. A slow_down adds 5
// seconds to the interval and opens a window of the new length from that poll on.
import type { RateCounters } from '../../store/types.ts';

/** RFC 8628 §3.5: what every slow_down adds to the interval, in seconds. */
export const SLOW_DOWN_STEP_SECONDS = 5;

export class PollPace {
  readonly #counters: RateCounters;
  readonly #interval: number;
  readonly #lifetime: number;

  /** `interval`: the least seconds between polls (the `interval` Purser announces); `lifetime`: a device code's, in s. */
  constructor(counters: RateCounters, options: { interval: number; lifetime: number }) {
    this.#counters = counters;
    this.#interval = options.interval;
    this.#lifetime = options.lifetime;
  }

  /**
   * Records a poll of `deviceCode` that would be answered authorization_pending. Returns the device's new interval in
   * seconds when the poll came too soon (answer slow_down), undefined when it was in time.
   */
  async tooSoon(deviceCode: string): Promise<number | undefined> {
    const slowDowns = await this.#counters.count(`device-slow-downs:${deviceCode}`);
    const interval = this.#interval + SLOW_DOWN_STEP_SECONDS * slowDowns;
    if ((await this.#counters.hit(windowKey(deviceCode, interval), interval)) === 1) return undefined;
    const longer = interval + SLOW_DOWN_STEP_SECONDS;
    await Promise.all([this.#counters.hit(`device-slow-downs:${deviceCode}`, this.#lifetime), this.#counters.hit(windowKey(deviceCode, longer), longer)]);
    return longer;
  }
}

const windowKey = (deviceCode: string, interval: number) => `device-poll:${deviceCode}:${interval}`;
