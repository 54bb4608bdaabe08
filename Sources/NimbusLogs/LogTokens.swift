import Foundation

/// GetLogEvents' tokens in AWS's form, `f/` or `b/` and 56 digits: here the digits are an
/// event id. `f/N` reads events after id N; `b/N` reads events before id N.
public struct StreamToken: Sendable, Equatable {
    public enum Direction: String, Sendable { case forward = "f", backward = "b" }
    public var direction: Direction
    public var id: Int64

    public init(_ direction: Direction, _ id: Int64) {
        self.direction = direction
        self.id = max(0, id)
    }

    public init(parsing text: String) throws(LogsError) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, let direction = Direction(rawValue: String(parts[0])), parts[1].count == 56,
            parts[1].allSatisfy({ $0.isASCII && $0.isNumber }), let id = Int64(parts[1])
        else { throw .invalidNextToken }
        self.init(direction, id)
    }

    public var text: String {
        let digits = String(id)
        return "\(direction.rawValue)/" + String(repeating: "0", count: 56 - digits.count) + digits
    }
}

/// FilterLogEvents' and the Describe operations' `nextToken`: opaque to clients, here the
/// base64 of `KIND:VALUE` (the last event id examined, or the next list offset).
enum PageToken {
    static func make(_ kind: String, _ value: Int64) -> String {
        Data("\(kind):\(value)".utf8).base64EncodedString()
    }

    static func parse(_ text: String, kind: String) throws(LogsError) -> Int64 {
        guard let data = Data(base64Encoded: text), let decoded = String(data: data, encoding: .utf8), decoded.hasPrefix(kind + ":"),
            let value = Int64(decoded.dropFirst(kind.count + 1)), value >= 0
        else { throw .invalidNextToken }
        return value
    }
}

/// The event id as FilterLogEvents shows it: 56 digits, like AWS's.
func eventIdText(_ id: Int64) -> String {
    let digits = String(id)
    return String(repeating: "0", count: 56 - digits.count) + digits
}
