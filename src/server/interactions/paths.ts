// Where each interaction step lives; oidc-provider's `interactions.url` must point at interactionPath(uid).
export type StepName = 'login' | 'confirm' | 'abort';

export function interactionPath(uid: string): string {
  return `/interaction/${encodeURIComponent(uid)}`;
}

export function stepPath(uid: string, step: StepName): string {
  return `${interactionPath(uid)}/${step}`;
}
