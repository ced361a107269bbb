/** @switchyard/usage/producer: the data plane's side, appending usage records to the Redis stream. */
export {
  createUsageProducer,
  NOOP_USAGE_PRODUCER,
  type UsageProducer,
  type UsageProducerOptions,
  type UsageRecorder,
} from "./producer.ts";
export { SPOOL_FILE } from "./spool.ts";
