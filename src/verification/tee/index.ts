// spec: VER-TEE.1..2 (spec/13-tee-sev-snp-psa.md), VER-ATT.2/5 (spec/11-compute-verification.md)
// The registry of platform adapters: one per platform of VER-ATT.2, and evidence inspection for the
// `poai attest inspect` command.
import { Either } from "effect"
import { toHex } from "../../codec/Bytes.ts"
import { attFail, type AttestationError, type AttestationPlatform, type PlatformAdapter } from "../Attestation.ts"
import { SimCodecs, simAdapter } from "../SimTee.ts"
import { inspectPsa, psaAdapter } from "./Psa.ts"
import { inspectSnp, sevSnpAdapter } from "./SevSnp.ts"
import { inspectSgxQuote, sgxDcapAdapter } from "./SgxDcap.ts"

/** Every platform's adapter (VER-TEE.1). A verifier configures the subset it accepts. */
export const TEE_ADAPTERS: Readonly<Record<AttestationPlatform, PlatformAdapter>> = {
  "sgx-dcap": sgxDcapAdapter,
  "sev-snp": sevSnpAdapter,
  psa: psaAdapter,
  sim: simAdapter,
}

const inspectSim = (bytes: Uint8Array): Either.Either<Record<string, unknown>, AttestationError> => {
  const d = SimCodecs.SimEvidence.decode(bytes)
  if (Either.isLeft(d)) return attFail("ATT_DECODE", `sim evidence: ${d.left.message}`)
  const { certificate: c, report: r, reportSignature } = d.right
  return Either.right({
    certificate: { device_pub_key: toHex(c.devicePubKey), issuer: toHex(c.issuer), signature: toHex(c.signature) },
    report: { measurement: toHex(r.measurement), report_data: toHex(r.reportData) },
    report_signature: toHex(reportSignature),
  })
}

/**
 * Parse vendor evidence and return its fields as JSON-able values (VER-TEE.2); checks structure
 * only, no chain or signature. Never throws.
 */
export const inspectEvidence = (
  platform: AttestationPlatform,
  bytes: Uint8Array,
): Either.Either<Record<string, unknown>, AttestationError> => {
  try {
    switch (platform) {
      case "sgx-dcap":
        return inspectSgxQuote(bytes)
      case "sev-snp":
        return inspectSnp(bytes)
      case "psa":
        return inspectPsa(bytes)
      case "sim":
        return inspectSim(bytes)
    }
  } catch (e) {
    return attFail("ATT_DECODE", `inspect threw: ${e instanceof Error ? e.message : String(e)}`)
  }
}
