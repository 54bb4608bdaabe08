import Crypto
import Foundation

/// Kinesis's hash key space: a partition key maps to the MD5 of its UTF-8 bytes read as an
/// unsigned 128-bit big-endian integer, and a stream's N shards split 0...2^128-1 evenly
/// (shard i starts at i * floor(2^128 / N); the last shard ends at 2^128-1), as AWS does.
enum HashKey {
    static func hash(partitionKey: String) -> UInt128 {
        let digest = Array(Insecure.MD5.hash(data: Array(partitionKey.utf8)))
        return digest.reduce(UInt128(0)) { ($0 << 8) | UInt128($1) }
    }

    /// floor(2^128 / count), computed without 2^128 (for one shard, 2^128-1: its one range is everything).
    static func step(_ count: Int) -> UInt128 {
        guard count > 1 else { return UInt128.max }
        let n = UInt128(count)
        return UInt128.max / n + (UInt128.max % n == n - 1 ? 1 : 0)
    }

    static func range(shard index: Int, of count: Int) -> (start: UInt128, end: UInt128) {
        let step = step(count)
        let start = step * UInt128(index)
        return (start, index == count - 1 ? UInt128.max : start + step - 1)
    }

    static func shard(of hash: UInt128, count: Int) -> Int {
        min(Int(hash / step(count)), count - 1)
    }

    static func shardId(_ index: Int) -> String {
        "shardId-" + String(repeating: "0", count: max(0, 12 - String(index).count)) + String(index)
    }

    static func shardIndex(_ shardId: String) -> Int? {
        guard shardId.hasPrefix("shardId-"), shardId.count == 20 else { return nil }
        return Int(shardId.dropFirst(8))
    }
}

/// Sequence numbers: 56 decimal digits, `49` + the shard index (12 digits) + a counter
/// (42 digits) shared by all streams, so they are unique, all the same length, strictly
/// increasing within a shard, and compare the same as strings and as numbers.
/// Counter 0 is a shard's StartingSequenceNumber (before any record).
struct SequenceNumber: Equatable {
    var shard: Int
    var counter: Int64

    var text: String {
        "49" + Self.padded(String(shard), 12) + Self.padded(String(counter), 42)
    }

    init(shard: Int, counter: Int64) {
        self.shard = shard
        self.counter = counter
    }

    init?(_ text: String) {
        guard text.count == 56, text.hasPrefix("49"), text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        let digits = Array(text)
        guard let shard = Int(String(digits[2..<14])), let counter = Int64(String(digits[14...])) else {
            return nil
        }
        self.shard = shard
        self.counter = counter
    }

    private static func padded(_ text: String, _ width: Int) -> String {
        String(repeating: "0", count: max(0, width - text.count)) + text
    }
}
