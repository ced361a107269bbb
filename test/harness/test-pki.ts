import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Certificate and key file paths. */
export interface CertFiles {
  cert: string;
  key: string;
}

const openssl = (args: string[]) => execFileSync("openssl", args, { stdio: "pipe" });
const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

/**
 * A throwaway PKI for TLS tests, made with the openssl CLI in a temporary folder: CAs, a server certificate
 * for localhost/127.0.0.1 and client certificates whose CN is a node id. Nothing is committed to the repository.
 */
export function testPki() {
  const dir = mkdtempSync(join(tmpdir(), "sy-pki-"));
  let n = 0;
  const ca = (name: string): CertFiles => {
    const files = { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) };
    openssl(["req", "-x509", ...EC, "-keyout", files.key, "-out", files.cert, "-days", "2", "-subj", `/CN=${name}`]);
    return files;
  };
  const issue = (signer: CertFiles, cn: string, ext: string): CertFiles => {
    const base = join(dir, `leaf-${++n}`);
    const files = { cert: `${base}.pem`, key: `${base}.key` };
    writeFileSync(`${base}.ext`, `${ext}\n`);
    openssl(["req", ...EC, "-keyout", files.key, "-out", `${base}.csr`, "-subj", `/CN=${cn}`]);
    openssl([
      "x509",
      "-req",
      "-in",
      `${base}.csr`,
      "-CA",
      signer.cert,
      "-CAkey",
      signer.key,
      "-CAcreateserial",
      "-out",
      files.cert,
      "-days",
      "2",
      "-extfile",
      `${base}.ext`,
    ]);
    return files;
  };
  return {
    dir,
    ca,
    /** A server certificate for localhost/127.0.0.1, or for the given DNS names. */
    server: (signer: CertFiles, dnsNames: readonly string[] = ["localhost"]) =>
      issue(
        signer,
        dnsNames[0] ?? "localhost",
        `subjectAltName=${[...dnsNames.map((n) => `DNS:${n}`), "IP:127.0.0.1"].join(",")}\nextendedKeyUsage=serverAuth`,
      ),
    client: (signer: CertFiles, nodeId: string) => issue(signer, nodeId, "extendedKeyUsage=clientAuth"),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
