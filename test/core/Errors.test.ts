// ERR-PROTOCOL.1/2: a rejection is a typed value that captures no stack trace.
import { describe, expect, it } from "vitest"
import { DecodeError } from "../../src/codec/Codec.ts"
import { ProtocolError, reject } from "../../src/core/Errors.ts"
import { ScoringError } from "../../src/quality/Scoring.ts"

describe("ProtocolError (ERR-PROTOCOL.2)", () => {
  it("is a typed error without a captured stack, and leaves the stack limit as it was", () => {
    const before = Error.stackTraceLimit
    const e = reject("MSG_DUPLICATE", "vote")
    expect(e).toBeInstanceOf(ProtocolError)
    expect(e).toBeInstanceOf(Error)
    expect(e._tag).toBe("ProtocolError")
    expect(e.code).toBe("MSG_DUPLICATE")
    expect(e.detail).toBe("vote")
    expect(e.message).toBe("MSG_DUPLICATE: identical message already processed (vote)")
    expect(e.stack ?? "").not.toMatch(/\n\s+at /)
    expect(Error.stackTraceLimit).toBe(before)
    expect(new Error("x").stack ?? "").toMatch(/\n\s+at /)
    const s = new ProtocolError({ code: "SCORE_INVALID", detail: "d", scoring: "SCORE_WRONG_CLAIM" })
    expect(s.scoring).toBe("SCORE_WRONG_CLAIM")
    expect(s.stack ?? "").not.toMatch(/\n\s+at /)
    const q = new ScoringError({ code: "SCORE_WRONG_CLAIM", detail: "x" })
    expect(q._tag).toBe("ScoringError")
    expect(q.stack ?? "").not.toMatch(/\n\s+at /)
    const d = new DecodeError({ type: "Message", reason: "malformed", detail: "x" })
    expect(d).toBeInstanceOf(DecodeError)
    expect(d.stack ?? "").not.toMatch(/\n\s+at /)
    expect(Error.stackTraceLimit).toBe(before)
  })
})
