import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** PEM texts of one certificate and its key. */
export interface Pem {
  cert: string;
  key: string;
}

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

/**
 * A throwaway CA issuing certificates the way the chart's NOTES tell users to (openssl, EC P-256): a server
 * certificate for given DNS names, and client certificates whose CN is a node id, as cert-manager's
 * csi-driver issues them per pod. Files stay in `dir`.
 */
export function testCa(dir: string) {
  mkdirSync(dir, { recursive: true });
  const openssl = (args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  openssl([
    "req",
    "-x509",
    ...EC,
    "-days",
    "2",
    "-subj",
    "/CN=switchyard-test-ca",
    "-keyout",
    "ca.key",
    "-out",
    "ca.crt",
  ]);
  let n = 0;
  const issue = (cn: string, ext: string): Pem => {
    const base = `leaf-${++n}`;
    writeFileSync(join(dir, `${base}.ext`), `${ext}\n`);
    openssl(["req", ...EC, "-subj", `/CN=${cn}`, "-keyout", `${base}.key`, "-out", `${base}.csr`]);
    openssl(
      ["x509", "-req", "-in", `${base}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial"].concat([
        "-days",
        "2",
        "-extfile",
        `${base}.ext`,
        "-out",
        `${base}.crt`,
      ]),
    );
    return {
      cert: readFileSync(join(dir, `${base}.crt`), "utf8"),
      key: readFileSync(join(dir, `${base}.key`), "utf8"),
    };
  };
  return {
    caCert: readFileSync(join(dir, "ca.crt"), "utf8"),
    server: (dnsNames: string[]) =>
      issue(dnsNames[0]!, `subjectAltName=${dnsNames.map((d) => `DNS:${d}`).join(",")}\nextendedKeyUsage=serverAuth`),
    client: (cn: string) => issue(cn, "extendedKeyUsage=clientAuth"),
  };
}
