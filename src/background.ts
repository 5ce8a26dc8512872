// Work the server process does besides answering requests: delivering the email outbox and
// sweeping expired invitations. Filled in once the email worker lands.
import type { Config } from './config.ts';

export interface BackgroundWork {
  stop(): Promise<void>;
}

export function startBackgroundWork(_config: Config): BackgroundWork {
  return { stop: async () => undefined };
}
