// Consensus throughput of the in-process network with real signatures (issue 2, bench item 10).
// Figures are wall-clock blocks/s and committed transfers/s of this process, at N = 4, 16, 64, with the
// shared verification cache (how `poai run` simulates) and without it (every node verifies every
// signature itself, as separate machines would).
import type { CryptoService } from "../src/crypto/Crypto.ts"
import { simulate } from "../src/drivers/InProcessNetwork.ts"

export interface ConsensusCase {
  readonly nodes: number
  readonly blocks: number
  readonly sharedVerifyCache: boolean
}

export const CONSENSUS_CASES: ReadonlyArray<ConsensusCase> = [
  { nodes: 4, blocks: 30, sharedVerifyCache: true },
  { nodes: 4, blocks: 30, sharedVerifyCache: false },
  { nodes: 16, blocks: 12, sharedVerifyCache: true },
  { nodes: 16, blocks: 8, sharedVerifyCache: false },
  { nodes: 64, blocks: 4, sharedVerifyCache: true },
  { nodes: 64, blocks: 3, sharedVerifyCache: false },
]

export const benchConsensus = (
  crypto: CryptoService,
  emit: (line: object) => void,
  cases: ReadonlyArray<ConsensusCase> = CONSENSUS_CASES,
  progress: (s: string) => void = () => {},
): void => {
  for (const c of cases) {
    progress(`consensus n=${c.nodes} blocks=${c.blocks} sharedVerifyCache=${c.sharedVerifyCache}`)
    const t0 = process.hrtime.bigint()
    const s = simulate(crypto, {
      nodes: c.nodes,
      byzantine: 0,
      strategy: "silent",
      seed: 1,
      blocks: c.blocks,
      txRate: 400,
      sharedVerifyCache: c.sharedVerifyCache,
    })
    const wall = Number(process.hrtime.bigint() - t0) / 1e9
    emit({
      bench: "consensus",
      crypto: crypto.name,
      nodes: c.nodes,
      sharedVerifyCache: c.sharedVerifyCache,
      blocks: s.finalizedHeight,
      wallSeconds: round(wall),
      blocksPerSec: round(s.finalizedHeight / wall),
      txCommitted: s.txCommitted,
      txPerSec: round(s.txCommitted / wall),
      virtualSeconds: s.virtualSeconds,
      messagesDelivered: s.messagesDelivered,
      agreement: s.agreement,
    })
  }
}

const round = (x: number) => Math.round(x * 1000) / 1000
