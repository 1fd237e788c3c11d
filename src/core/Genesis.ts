// spec: LEDGER-GENESIS.1 (spec/05-ledger.md)
import { DOMAIN, canonicalEncode, tagged } from "../codec/Canonical.ts"
import type { Sha256 } from "../codec/Hashing.ts"
import type { Params } from "./Params.ts"

export interface GenesisValidator {
  readonly pubKey: Uint8Array
  readonly blsPubKey: Uint8Array
  readonly stake: number
}
export interface GenesisAccount {
  readonly pubKey: Uint8Array
  readonly balance: number
}
export interface Genesis {
  readonly chainId: string
  readonly validators: ReadonlyArray<GenesisValidator>
  readonly accounts: ReadonlyArray<GenesisAccount>
  readonly params: Params
}

/** beacon_0 = H(canonical genesis) (LE-BEACON.2). */
export const genesisHash = (sha256: Sha256, g: Genesis): Uint8Array =>
  sha256(
    tagged(
      DOMAIN.genesis,
      canonicalEncode({
        chainId: g.chainId,
        validators: g.validators.map((v) => [v.pubKey, v.blsPubKey, v.stake]),
        accounts: g.accounts.map((a) => [a.pubKey, a.balance]),
        params: g.params,
      }),
    ),
  )
