/** @switchyard/usage/consumer: the control plane's side, reading the usage stream into a sink (PostgreSQL). */
export { createUsageConsumer, type UsageConsumer, type UsageConsumerOptions } from "./consumer.ts";
export { droppedKey } from "./dropped-tally.ts";
