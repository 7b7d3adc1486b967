// Reasons for what validation finds wrong with a spec; the controller will use the same constants for its
// conditions and Events.

/** The spec cannot be served as written; the message says which field to fix. */
export const InvalidSpec = 'InvalidSpec';

export interface Problem {
  reason: string;
  message: string;
}
