// Figures the end-to-end run measures on the way (durations, sizes) and prints at its end: observations for the
// README, never thresholds a test asserts.
export class Figures {
  readonly #values = new Map<string, string>();
  readonly #started = new Map<string, number>();

  set(name: string, value: string): void {
    this.#values.set(name, value);
  }

  /** Starts the clock of `name`; `stop(name)` records the seconds since (the first stop only). */
  start(name: string): void {
    this.#started.set(name, Date.now());
  }

  stop(name: string): void {
    const started = this.#started.get(name);
    if (started === undefined || this.#values.has(name)) return;
    this.set(name, `${((Date.now() - started) / 1000).toFixed(1)} s`);
  }

  print(): void {
    console.log(['end-to-end figures:', ...[...this.#values].map(([name, value]) => `  ${name}: ${value}`)].join('\n'));
  }
}
