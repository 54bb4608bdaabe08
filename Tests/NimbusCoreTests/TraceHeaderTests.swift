import Foundation
import Testing
@testable import NimbusCore

@Suite struct TraceHeaderTests {
    @Test func anXRayHeaderIsKeptWithItsParentAndSampling() {
        let header = TraceHeader(xray: "Root=1-5d02e5ca-f5792818b6fe8368e5b51d50;Parent=191db58857df8395;Sampled=1;Lineage=1:abcd:0")
        #expect(header?.value == "Root=1-5d02e5ca-f5792818b6fe8368e5b51d50;Parent=191db58857df8395;Sampled=1")
        #expect(header?.traceId == "5d02e5caf5792818b6fe8368e5b51d50")
    }

    @Test func aRootAloneGetsANewParentAndIsNotSampled() throws {
        let header = try #require(TraceHeader(xray: "Root=1-5e6aa925-ccec0a1bae116148e52f036a"))
        #expect(header.root == "1-5e6aa925-ccec0a1bae116148e52f036a")
        #expect(TraceHeader.isHex(header.parent, count: 16))
        #expect(!header.sampled)
    }

    @Test(arguments: ["", "Parent=191db58857df8395", "Root=1-5d02e5ca-f5792818", "Root=2-5d02e5ca-f5792818b6fe8368e5b51d50", "Root=1-5d02e5cg-f5792818b6fe8368e5b51d50"])
    func anXRayHeaderWithoutAValidRootIsIgnored(value: String) {
        #expect(TraceHeader(xray: value) == nil)
    }

    @Test func aTraceparentBecomesAnXRayHeader() {
        let header = TraceHeader(traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
        #expect(header?.value == "Root=1-4bf92f35-77b34da6a3ce929d0e0e4736;Parent=00f067aa0ba902b7;Sampled=1")
        #expect(header?.traceId == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(header?.traceparent == "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
        #expect(TraceHeader(traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")?.sampled == false)
    }

    @Test(arguments: [
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01", "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01", "nonsense",
    ])
    func anInvalidTraceparentIsIgnored(value: String) {
        #expect(TraceHeader(traceparent: value) == nil)
    }

    @Test func aNewHeaderHasTheTimeInItsRoot() {
        let header = TraceHeader.generate(now: Date(timeIntervalSince1970: 0x5d02e5ca))
        #expect(header.root.hasPrefix("1-5d02e5ca-"))
        #expect(TraceHeader.isRoot(header.root))
        #expect(TraceHeader.isHex(header.parent, count: 16))
    }
}
