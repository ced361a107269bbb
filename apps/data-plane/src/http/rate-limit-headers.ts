/**
 * A duration the way OpenAI writes `x-ratelimit-reset-*` (Go's duration format): "250ms", "12s", "1m0s",
 * "2h5m0s". Whole seconds are rounded up, so waiting the stated time is always enough.
 */
export function formatResetDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.ceil(ms))}ms`;
  const total = Math.ceil(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}
