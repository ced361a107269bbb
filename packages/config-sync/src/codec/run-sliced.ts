/**
 * Runs a generator of work to its end, giving the event loop a turn (setImmediate) whenever about `sliceMs`
 * of work has run since the last one. The work yields at points where pausing is safe; between two such
 * points it runs uninterrupted. Used where a large configuration would otherwise hold a data plane's event
 * loop (and the requests waiting on it) for hundreds of milliseconds.
 */
export async function runSliced<T>(steps: Generator<void, T>, sliceMs = 5): Promise<T> {
  let sliceStarted = performance.now();
  let r = steps.next();
  while (!r.done) {
    if (performance.now() - sliceStarted >= sliceMs) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      sliceStarted = performance.now();
    }
    r = steps.next();
  }
  return r.value;
}

/** Runs a generator of work to its end at once, ignoring its pause points. */
export function runSteps<T>(steps: Generator<void, T>): T {
  let r = steps.next();
  while (!r.done) r = steps.next();
  return r.value;
}
