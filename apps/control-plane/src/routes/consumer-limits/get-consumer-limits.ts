import { consumers } from "@switchyard/db";
import { AppError } from "@switchyard/errors";
import { type ConfigSnapshot, consumerLimits, type LimitSpec } from "@switchyard/policy";
import { type CounterReading, limitRule } from "@switchyard/ratelimit/inspect";
import type { AdminApp, AdminDeps } from "../../admin/deps.ts";
import { idParam } from "../id-param.ts";
import { counterView } from "./counter-view.ts";

/**
 * `GET /consumers/{id}/limits`: the current counter of every limit that applies to the consumer's calls (its
 * own, its group's, and the route, provider and global limits, which are shared with other consumers), as the
 * data planes count them in Redis: used, remaining and when the window resets. Limits are those of the
 * published snapshot, which is what the data planes enforce. 404 for an unknown consumer; 503 when the control
 * plane has no Redis configured or Redis does not answer.
 */
export function getConsumerLimits(app: AdminApp, deps: AdminDeps, current: () => ConfigSnapshot | undefined): void {
  app.get("/", async (c) => {
    const id = idParam(c.req.param());
    const consumer = await consumers.get(deps.db, id);
    if (!consumer) throw new AppError("not_found", "consumer not found");
    const read = deps.readLimitCounters;
    if (!read) throw new AppError("unavailable", "limit counters are unavailable: no Redis is configured");
    const config = current();
    if (!config) throw new AppError("unavailable", "no snapshot is published yet");
    const specs = consumerLimits(config.limits, consumer);
    // The fleet size only sets the `local` policy's share, which is not reported here.
    const readings = await readOrUnavailable(read, specs, deps);
    return c.json({
      consumerId: consumer.id,
      groupId: consumer.groupId,
      data: specs.map((s, i) => counterView(s, readings[i]!)),
    });
  });
}

async function readOrUnavailable(
  read: NonNullable<AdminDeps["readLimitCounters"]>,
  specs: readonly LimitSpec[],
  deps: AdminDeps,
): Promise<CounterReading[]> {
  try {
    return await read(specs.map((s) => limitRule(s, 1)));
  } catch (e) {
    deps.logger.warn({ err: (e as Error).message }, "reading limit counters from Redis failed");
    throw new AppError("unavailable", "limit counters are unavailable: Redis did not answer");
  }
}
