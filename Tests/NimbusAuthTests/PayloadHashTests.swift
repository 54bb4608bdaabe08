import Testing

@testable import NimbusAuth

/// The body hash helper.
@Suite("Payload hash")
struct PayloadHashTests {
    @Test("hashes an empty body to the well-known value")
    func empty() {
        #expect(SigV4Verifier.sha256Hex([UInt8]()) == SigV4Verifier.emptyPayloadSHA256Hex)
        #expect(
            SigV4Verifier.emptyPayloadSHA256Hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test("hashes contiguous and non-contiguous sequences alike")
    func sequences() {
        let bytes = (0..<40_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let lazy = bytes.lazy.map { $0 }
        #expect(SigV4Verifier.sha256Hex(bytes) == SigV4Verifier.sha256Hex(lazy))
        #expect(
            SigV4Verifier.sha256Hex(Array("abc".utf8))
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test("writes and reads lowercase hex")
    func hex() {
        #expect(Hex.encode([0x00, 0xAB, 0xFF]) == "00abff")
        #expect(Hex.decode("00ABff") == [0x00, 0xAB, 0xFF])
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("zz") == nil)
    }
}
