// Durations as written in OAuthClient specs and settings: Go-style units plus days, e.g. `90s`, `15m`, `1h30m`, `14d`.

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** The pattern a CRD schema uses to refuse a malformed duration at apply time. */
export const DURATION_PATTERN = '^([0-9]+[smhd])+$';

const durationRegExp = new RegExp(DURATION_PATTERN);

/** Seconds in `text`, or `undefined` when it is not a well-formed, positive duration. */
export function parseDuration(text: string): number | undefined {
  if (!durationRegExp.test(text)) return undefined;
  let seconds = 0;
  for (const [, amount, unit] of text.matchAll(/([0-9]+)([smhd])/g)) {
    seconds += Number(amount) * UNIT_SECONDS[unit!]!;
  }
  return seconds > 0 && Number.isSafeInteger(seconds) ? seconds : undefined;
}
