import { readFileSync } from "node:fs";
import { cpus, release } from "node:os";

/** The machine a run happened on, as the report states it. */
export interface MachineInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly node: string;
  readonly kernel: string;
}

/**
 * Reads the CPU model from /proc/cpuinfo (`model name`), falling back to "unknown". The core count is
 * the machine's, not the affinity mask's, since the orchestrator pins itself before reporting.
 */
export function machineInfo(): MachineInfo {
  let cpuModel = "unknown";
  try {
    cpuModel = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1]?.trim() ?? cpuModel;
  } catch {
    // not Linux; the report says unknown
  }
  return { cpuModel, cores: cpus().length, node: process.version, kernel: release() };
}
