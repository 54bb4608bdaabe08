import Foundation

/// A shard iterator: where a reader is in a shard, handed to clients as an opaque base64 token.
/// It names the stream by name and creation time (a recreated stream does not honour its
/// namesake's iterators) and carries its issue time: AWS's iterators expire after 5 minutes.
struct ShardIterator: Equatable {
    var streamName: String
    var streamCreatedAt: Int64
    var shard: Int
    /// Records with a counter above this are next (0: from the oldest kept record).
    var after: Int64
    var issuedAt: Int64  // Unix milliseconds

    static let lifetimeMillis: Int64 = 300_000

    var token: String {
        Data("1/\(issuedAt)/\(streamCreatedAt)/\(shard)/\(after)/\(streamName)".utf8).base64EncodedString()
    }

    init(streamName: String, streamCreatedAt: Int64, shard: Int, after: Int64, issuedAt: Int64) {
        self.streamName = streamName
        self.streamCreatedAt = streamCreatedAt
        self.shard = shard
        self.after = after
        self.issuedAt = issuedAt
    }

    init?(token: String) {
        guard let data = Data(base64Encoded: token), let text = String(data: data, encoding: .utf8) else { return nil }
        let parts = text.split(separator: "/", maxSplits: 5, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 6, parts[0] == "1", let issuedAt = Int64(parts[1]), let createdAt = Int64(parts[2]),
            let shard = Int(parts[3]), shard >= 0, let after = Int64(parts[4]), after >= 0, !parts[5].isEmpty
        else { return nil }
        self.init(streamName: parts[5], streamCreatedAt: createdAt, shard: shard, after: after, issuedAt: issuedAt)
    }

    /// AWS's time format in the expired-iterator message, e.g. `Thu Jan 22 01:22:02 UTC 2015`.
    static func amzUTCString(_ millis: Int64) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE MMM dd HH:mm:ss 'UTC' yyyy"
        return formatter.string(from: Date(timeIntervalSince1970: Double(millis) / 1000))
    }
}
