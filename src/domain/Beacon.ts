// spec: LE-BEACON.1 (spec/04-leader-election.md)
import { Schema } from "effect"
import { BlsSignature, ChainId, Hash32, PubKey, Uint } from "./Primitives.ts"

/**
 * Beacon entry for height h: the proposer's BLS signature over (chainId, h, beacon_{h-1}).
 * beacon_h = H(signature). BLS signatures are unique, so the proposer can withhold but not grind.
 */
export const BeaconEntry = Schema.Struct({
  chainId: ChainId,
  height: Uint,
  prev: Hash32,
  signer: PubKey,
  signature: BlsSignature,
}).annotations({ identifier: "BeaconEntry" })
export type BeaconEntry = typeof BeaconEntry.Type

/** What the beacon signature signs. */
export const BeaconInput = BeaconEntry.pipe(Schema.omit("signature", "signer"))
export type BeaconInput = typeof BeaconInput.Type
