import Foundation

/// The X-Ray tracing header an invocation carries (`Root=1-<8 hex epoch>-<24 hex>;
/// Parent=<16 hex>;Sampled=0|1`, as the developer guide shows `_X_AMZN_TRACE_ID`), taken
/// from the caller's `X-Amzn-Trace-Id` or W3C `traceparent` when valid, else made anew.
public struct TraceHeader: Sendable, Equatable {
    /// `1-<8 hex>-<24 hex>`.
    public var root: String
    /// 16 hex digits.
    public var parent: String
    public var sampled: Bool

    public init(root: String, parent: String, sampled: Bool) {
        self.root = root
        self.parent = parent
        self.sampled = sampled
    }

    /// The header's text.
    public var value: String { "Root=\(root);Parent=\(parent);Sampled=\(sampled ? 1 : 0)" }

    /// The same trace as a W3C `traceparent` (the inverse of ``init(traceparent:)``).
    public var traceparent: String { "00-\(traceId)-\(parent)-0\(sampled ? 1 : 0)" }

    /// The W3C trace id (32 hex) of this trace: the root without `1-` and dashes.
    public var traceId: String { root.dropFirst(2).replacingOccurrences(of: "-", with: "") }

    /// A new trace, not sampled.
    public static func generate(now: Date = Date()) -> TraceHeader {
        let time = String(UInt32(truncatingIfNeeded: Int64(now.timeIntervalSince1970)), radix: 16)
        let padded = String(repeating: "0", count: 8 - time.count) + time
        return TraceHeader(root: "1-\(padded)-\(randomHex(12))", parent: randomHex(8), sampled: false)
    }

    /// An `X-Amzn-Trace-Id` value: needs a valid `Root`; a missing or invalid `Parent`
    /// is made anew, a missing `Sampled` is 0. Other fields (`Lineage`, `Self`) are dropped.
    public init?(xray: String) {
        var root: String?
        var parent: String?
        var sampled = false
        for field in xray.split(separator: ";") {
            let pair = field.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { continue }
            switch pair[0].lowercased() {
            case "root": root = pair[1].lowercased()
            case "parent": parent = pair[1].lowercased()
            case "sampled": sampled = pair[1] == "1"
            default: break
            }
        }
        guard let root, Self.isRoot(root) else { return nil }
        let validParent = parent.flatMap { Self.isHex($0, count: 16) ? $0 : nil }
        self.init(root: root, parent: validParent ?? Self.randomHex(8), sampled: sampled)
    }

    /// A W3C `traceparent` (`00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>`):
    /// the trace id becomes `1-<first 8>-<other 24>`, the parent id `Parent`, and the
    /// sampled flag (bit 0) `Sampled`. All-zero ids are invalid, as the spec says.
    public init?(traceparent: String) {
        let parts = traceparent.trimmingCharacters(in: .whitespaces).lowercased().split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 4, Self.isHex(parts[0], count: 2), parts[0] != "ff",
              Self.isHex(parts[1], count: 32), parts[1] != String(repeating: "0", count: 32),
              Self.isHex(parts[2], count: 16), parts[2] != String(repeating: "0", count: 16),
              Self.isHex(parts[3], count: 2), let flags = UInt8(parts[3], radix: 16)
        else { return nil }
        let id = parts[1]
        self.init(root: "1-\(id.prefix(8))-\(id.dropFirst(8))", parent: parts[2], sampled: flags & 1 == 1)
    }

    /// `1-<8 hex>-<24 hex>`.
    static func isRoot(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        return parts.count == 3 && parts[0] == "1" && isHex(parts[1], count: 8) && isHex(parts[2], count: 24)
    }

    static func isHex(_ text: String, count: Int) -> Bool {
        text.utf8.count == count && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    static func randomHex(_ bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<bytes).map { _ in
            let byte = UInt8.random(in: 0...255, using: &generator)
            return String(format: "%02x", byte)
        }.joined()
    }
}
