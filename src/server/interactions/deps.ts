// What the interaction steps share: their dependencies, and the per-request namespace on ctx.state.
import type { RouterMiddleware } from '@koa/router';
import type { Client, Interaction, Provider } from 'oidc-provider';

import type { Logger } from '../../log.ts';
import type { ApiCatalog, RateCounters } from '../../store/types.ts';
import type { UserDirectory } from '../accounts/users.ts';

export interface InteractionDeps {
  provider: Provider;
  users: UserDirectory;
  log: Logger;
  /** Keys the per-interaction CSRF tokens; every replica must hold the same one (from a mounted Secret). */
  csrfKey: Buffer;
  /** Shared counters for the sign-in attempt limit. */
  counters: RateCounters;
  /** The OAuthAPIs whose scope descriptions the consent page shows. */
  apis: ApiCatalog;
}

/** What load-details found: the interaction named by both the cookie and the URL, and the client behind it. */
export interface LoadedInteraction {
  details: Interaction;
  client: Client | undefined;
  /** The client's display name, else its client_id: what the pages call it. */
  clientName: string;
}

export interface InteractionState {
  interaction?: LoadedInteraction;
}

export type Step = RouterMiddleware<InteractionState>;
export type StepContext = Parameters<Step>[0];

/** The loaded interaction; a step that runs before load-details has been listed in the wrong order. */
export function loaded(ctx: StepContext): LoadedInteraction {
  if (!ctx.state.interaction) throw new Error('interaction step listed before load-details');
  return ctx.state.interaction;
}
