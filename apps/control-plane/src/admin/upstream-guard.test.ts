import { describe, expect, it } from "vitest";
import { createUpstreamGuard } from "./upstream-guard.ts";

describe("upstream guard", () => {
  const resolve = async (host: string) => (host === "sneaky.example.com" ? ["10.1.2.3"] : ["203.0.113.7"]);
  const guard = createUpstreamGuard({ allowInternal: false, resolve });

  it("refuses loopback, private, link-local and metadata addresses", async () => {
    for (const url of [
      "http://127.0.0.1:8000/v1",
      "http://10.0.0.5/v1",
      "http://192.168.1.1/v1",
      "http://169.254.169.254/latest",
      "http://[::1]:80/v1",
      "http://[fd00::1]/v1",
      "http://localhost:11434",
      "http://ollama.default.svc.cluster.internal",
    ]) {
      expect(await guard(url, false), url).not.toBeNull();
    }
  });

  it("refuses public names that resolve inside", async () => {
    expect(await guard("https://sneaky.example.com/v1", false)).toMatch(/internal address/);
  });

  it("allows public addresses and names", async () => {
    expect(await guard("https://api.openai.com/v1", false)).toBeNull();
    expect(await guard("https://8.8.8.8/v1", false)).toBeNull();
  });

  it("allows everything when explicitly allowed globally (ALLOW_INTERNAL_UPSTREAMS)", async () => {
    const open = createUpstreamGuard({ allowInternal: true, resolve });
    expect(await open("http://127.0.0.1:9/v1", false)).toBeNull();
  });

  it("allows internal addresses for a provider marked allowInternal, and only for it", async () => {
    for (const url of ["http://127.0.0.1:11434", "http://169.254.169.254/", "https://sneaky.example.com/v1"]) {
      expect(await guard(url, true), url).toBeNull();
      expect(await guard(url, false), url).not.toBeNull();
    }
  });
});
