import { z } from "zod";

/** The longest range one usage query may cover, in days (both ends included). */
export const MAX_USAGE_RANGE_DAYS = 731;

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date as YYYY-MM-DD")
  .refine((d) => new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), "is not a calendar date");
const id = z.string().min(1).max(256);

/** `GET /usage` query: UTC days `from`..`to` (both included), what to group by, optional filters. */
export const usageQuerySchema = z
  .object({
    from: day,
    to: day,
    groupBy: z.enum(["consumer", "group", "route", "model"]),
    consumerId: id.optional(),
    groupId: id.optional(),
    routeId: id.optional(),
    model: id.optional(),
  })
  .superRefine((q, ctx) => {
    const span = (Date.parse(q.to) - Date.parse(q.from)) / 86_400_000 + 1;
    if (span < 1) ctx.addIssue({ code: "custom", path: ["to"], message: "must not be before from" });
    else if (span > MAX_USAGE_RANGE_DAYS) {
      ctx.addIssue({
        code: "custom",
        path: ["to"],
        message: `the range may cover at most ${MAX_USAGE_RANGE_DAYS} days`,
      });
    }
  });

/** A parsed usage query. */
export type UsageQueryParams = z.infer<typeof usageQuerySchema>;
