import Foundation

/// A decoded request body, with the model's constraints on its common members.
struct StreamsRequest {
    let object: [String: Any]

    init(_ object: [String: Any]) {
        self.object = object
    }

    static let namePattern = "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"

    static func isName(_ text: String) -> Bool {
        text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) }
    }

    /// `0|([1-9]\d{0,N-1})`: a decimal without leading zeros, at most `maxDigits` digits.
    static func matches(_ text: String, maxDigits: Int) -> Bool {
        guard !text.isEmpty, text.count <= maxDigits, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return false }
        return text == "0" || !text.hasPrefix("0")
    }

    func int(_ key: String) -> Int? { (object[key] as? NSNumber)?.intValue }

    /// A stream name member (1–128 characters of `[a-zA-Z0-9_.-]`), or nil when absent.
    func streamName(_ key: String, member: String) throws(StreamError) -> String? {
        guard let name = object[key] as? String else { return nil }
        if name.count > 128 { throw .constraint(name, at: member, "Member must have length less than or equal to 128") }
        if name.isEmpty { throw .constraint(name, at: member, "Member must have length greater than or equal to 1") }
        guard Self.isName(name) else { throw .constraint(name, at: member, Self.namePattern) }
        return name
    }

    /// A shard id member: same rules as a stream name.
    func shardId(_ key: String, member: String) throws(StreamError) -> String? {
        try streamName(key, member: member)
    }

    /// An integer limit in 1...max, or nil when absent.
    func limit(_ key: String, member: String, max: Int) throws(StreamError) -> Int? {
        guard let value = int(key) else { return nil }
        if value > max { throw .constraint(String(value), at: member, "Member must have value less than or equal to \(max)") }
        if value < 1 { throw .constraint(String(value), at: member, "Member must have value greater than or equal to 1") }
        return value
    }

    static func checkArn(_ arn: String) throws(StreamError) {
        if arn.count > 2048 { throw .constraint(arn, at: "streamARN", "Member must have length less than or equal to 2048") }
        let parts = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        let valid = parts.count == 6 && parts[0] == "arn" && parts[1].hasPrefix("aws") && parts[2] == "kinesis"
            && parts[4].count == 12 && parts[4].allSatisfy(\.isNumber) && parts[5].hasPrefix("stream/") && parts[5].count > 7
            && !parts[5].contains(where: \.isWhitespace)
        guard valid else {
            throw .constraint(arn, at: "streamARN", #"Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\d{12}:stream/\S+"#)
        }
    }
}
