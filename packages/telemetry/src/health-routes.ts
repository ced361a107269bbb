import { Hono } from "hono";

/** Reports whether the process can serve traffic (config loaded, dependencies reachable). */
export type ReadinessCheck = () => boolean | Promise<boolean>;

/**
 * `GET /healthz` (the process is alive) and `GET /readyz` (it should receive traffic) as a small app,
 * so an app can mount them on its main port as well as on the ops port.
 */
export function healthRoutes(ready: ReadinessCheck): Hono {
  const app = new Hono();
  app.get("/healthz", (c) => c.json({ status: "ok" }, 200));
  app.get("/readyz", async (c) => {
    let isReady = false;
    try {
      isReady = await ready();
    } catch {
      // A readiness check that throws means "not ready"; the cause belongs in the app's own logs.
      isReady = false;
    }
    return isReady ? c.json({ status: "ready" }, 200) : c.json({ status: "not_ready" }, 503);
  });
  return app;
}
