import Testing
@testable import NimbusStreams

@Suite struct HashKeyTests {
    @Test func md5OfThePartitionKeyAsAnUnsigned128BitInteger() {
        #expect(HashKey.hash(partitionKey: "a") == UInt128("16955237001963240173058271559858726497")!)
        #expect(HashKey.hash(partitionKey: "b") == UInt128("195289424170611159128911017612795795343")!)
    }

    @Test func shardsSplitTheKeySpaceEvenlyAsAWS() {
        #expect(HashKey.range(shard: 0, of: 2).end == UInt128("170141183460469231731687303715884105727")!)
        #expect(HashKey.range(shard: 1, of: 2).start == UInt128("170141183460469231731687303715884105728")!)
        #expect(HashKey.range(shard: 1, of: 2).end == UInt128.max)
        #expect(HashKey.range(shard: 1, of: 3).start == UInt128("113427455640312821154458202477256070485")!)
        #expect(HashKey.range(shard: 0, of: 3).end == UInt128("113427455640312821154458202477256070484")!)
        #expect(HashKey.range(shard: 0, of: 1) == (0, UInt128.max))
    }

    /// Expected shards computed independently (Python: md5 → int, // (2**128 // n)).
    @Test(arguments: [
        ("a", [0, 0, 0, 0, 0]), ("b", [0, 1, 1, 2, 2]), ("hello", [0, 0, 1, 1, 1]),
        ("partition-7", [0, 0, 0, 1, 1]), ("user-42", [0, 0, 1, 1, 2]),
    ])
    func partitionKeyToShard(key: String, shards: [Int]) {
        for (index, expected) in shards.enumerated() {
            #expect(HashKey.shard(of: HashKey.hash(partitionKey: key), count: index + 1) == expected, "\(key) with \(index + 1) shards")
        }
    }

    @Test func rangeBoundariesLandInTheirShards() {
        for count in [1, 2, 3, 4, 7] {
            for index in 0..<count {
                let range = HashKey.range(shard: index, of: count)
                #expect(HashKey.shard(of: range.start, count: count) == index)
                #expect(HashKey.shard(of: range.end, count: count) == index)
            }
        }
    }

    @Test func shardIds() {
        #expect(HashKey.shardId(0) == "shardId-000000000000")
        #expect(HashKey.shardId(12) == "shardId-000000000012")
        #expect(HashKey.shardIndex("shardId-000000000012") == 12)
        #expect(HashKey.shardIndex("shardId-12") == nil)
    }

    @Test func sequenceNumbersCompareAsStringsAndNumbers() {
        let small = SequenceNumber(shard: 1, counter: 9).text
        let large = SequenceNumber(shard: 1, counter: 10).text
        #expect(small.count == 56 && large.count == 56)
        #expect(small < large)
        #expect(SequenceNumber(large) == SequenceNumber(shard: 1, counter: 10))
        #expect(SequenceNumber("123") == nil)
        #expect(SequenceNumber(String(repeating: "9", count: 56)) == nil)
    }
}
