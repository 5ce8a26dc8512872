// A task the server repeats in its own process (the outbox worker, the invitation expiry sweep):
// one run at a time, the next `intervalMs` after the previous one ends (at once if it reports more
// work), errors logged and survived. stop() waits for the run in progress.
import { logger } from './logger.ts';

export interface PeriodicTask {
  /** Runs the task now (after any run in progress) and returns its result. */
  runNow(): Promise<void>;
  /** No more runs; resolves once the run in progress, if any, has finished. */
  stop(): Promise<void>;
}

/**
 * Starts `fn` now and then every `intervalMs`. If `fn` resolves to `true` (more work is waiting)
 * the next run starts right away instead.
 */
export function startPeriodicTask(
  name: string,
  intervalMs: number,
  fn: () => Promise<boolean | void>,
): PeriodicTask {
  const log = logger.child({ task: name });
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const run = (): Promise<void> => {
    clearTimeout(timer);
    timer = undefined;
    running = running.then(async () => {
      if (stopped) return;
      let again = false;
      try {
        again = (await fn()) === true;
      } catch (error) {
        log.error({ err: error }, 'periodic task failed; will retry');
      }
      schedule(again ? 0 : intervalMs);
    });
    return running;
  };

  const schedule = (delay: number) => {
    if (stopped || timer) return;
    timer = setTimeout(() => void run(), delay);
  };

  schedule(0);
  return {
    runNow: run,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}
