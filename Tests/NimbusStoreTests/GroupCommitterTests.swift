import Foundation
import Synchronization
import Testing
@testable import NimbusStore

@Suite("Group commit")
struct GroupCommitterTests {
    /// Records the batches it is asked to commit; each commit takes a little while, so
    /// submissions pile up behind it.
    final class Recorder: Sendable {
        let batches = Mutex<[[Int]]>([])
        let failing = Atomic<Bool>(false)

        func commit(_ batch: [Int]) async throws {
            try await Task.sleep(for: .milliseconds(5))
            if failing.load(ordering: .relaxed) { throw CancellationError() }
            batches.withLock { $0.append(batch) }
        }
    }

    @Test("items that arrive during a commit are committed together, each caller after its own commit")
    func batches() async throws {
        let recorder = Recorder()
        let committer = GroupCommitter<Int> { try await recorder.commit($0) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await committer.run() }
            try await withThrowingTaskGroup(of: Void.self) { callers in
                for item in 0..<200 {
                    callers.addTask {
                        try await committer.submit(item)
                        // Returned: the item must already be in a committed batch.
                        let committed = recorder.batches.withLock { $0.contains { $0.contains(item) } }
                        #expect(committed)
                    }
                }
                try await callers.waitForAll()
            }
            committer.close()
            try await group.waitForAll()
        }
        let batches = recorder.batches.withLock { $0 }
        #expect(batches.flatMap { $0 }.sorted() == Array(0..<200))
        #expect(batches.count < 200 / 4, "expected grouped commits, got \(batches.count) transactions for 200 items")
    }

    @Test("items submitted while a transaction commits are committed together in the next one")
    func nextTransaction() async throws {
        let started = Mutex<[[Int]]>([])
        let committer = GroupCommitter<Int> { batch in
            started.withLock { $0.append(batch) }
            try await Task.sleep(for: .milliseconds(100))
        }
        let writer = Task { await committer.run() }
        async let first: Void = committer.submit(0)
        while started.withLock({ $0.isEmpty }) { try await Task.sleep(for: .milliseconds(1)) }
        try await withThrowingTaskGroup(of: Void.self) { callers in
            for item in 1...49 { callers.addTask { try await committer.submit(item) } }
            try await callers.waitForAll()
        }
        try await first
        committer.close()
        await writer.value
        let batches = started.withLock { $0 }
        #expect(batches.count == 2)
        #expect(batches.first == [0])
        #expect(batches.last?.sorted() == Array(1...49))
    }

    @Test("a failed commit fails every caller of that batch")
    func failure() async throws {
        let recorder = Recorder()
        recorder.failing.store(true, ordering: .relaxed)
        let committer = GroupCommitter<Int> { try await recorder.commit($0) }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await committer.run() }
            await withTaskGroup(of: Bool.self) { callers in
                for item in 0..<20 {
                    callers.addTask { (try? await committer.submit(item)) == nil }
                }
                for await failed in callers { #expect(failed) }
            }
            committer.close()
        }
        #expect(recorder.batches.withLock { $0.isEmpty })
    }

    @Test("close commits what was submitted, then refuses new items")
    func close() async throws {
        let recorder = Recorder()
        let committer = GroupCommitter<Int> { try await recorder.commit($0) }
        async let first: Void = committer.submit(1)
        try await Task.sleep(for: .milliseconds(20))
        let writer = Task { await committer.run() }
        try await first
        committer.close()
        await writer.value
        await #expect(throws: GroupCommitter<Int>.Closed.self) { try await committer.submit(2) }
        #expect(recorder.batches.withLock { $0 } == [[1]])
    }

    @Test("the SQLite queue: committed events are claimed once, and running ones are due again after a restart")
    func durableQueue() async throws {
        let directory = try temporaryDirectory()
        let path = directory.appendingPathComponent("db.sqlite").path
        do {
            let store = AsyncEventStore(database: try NimbusDatabase(path: path))
            let received = Date(timeIntervalSince1970: 1_700_000_000)
            try await store.insert((0..<5).map {
                NewAsyncEvent(requestId: "r\($0)", functionName: "f", qualifier: nil, payload: Data("{}".utf8), receivedAt: received)
            })
            let claimed = try store.claimDue(now: received, limit: 3)
            #expect(claimed.map(\.event.requestId) == ["r0", "r1", "r2"])
            #expect(try store.claimDue(now: received, limit: 3).map(\.event.requestId) == ["r3", "r4"])
            #expect(try store.claimDue(now: received, limit: 3).isEmpty)
            try store.complete(claimed[0].id, enqueue: [NewAsyncEvent(requestId: "d", functionName: "g", qualifier: "$LATEST", payload: Data("{}".utf8), receivedAt: received)])
        }
        // A new server on the same file (the old one "died" with four events running).
        let store = AsyncEventStore(database: try NimbusDatabase(path: path))
        #expect(try store.count() == 5)
        #expect(try store.requeueRunning(now: Date(timeIntervalSince1970: 1_700_000_010)) == 4)
        let again = try store.claimDue(now: Date(timeIntervalSince1970: 1_700_000_010), limit: 10)
        #expect(Set(again.map(\.event.requestId)) == ["r1", "r2", "r3", "r4", "d"])
        try store.deleteEvents(functionName: "f")
        #expect(try store.count() == 1)
    }

    @Test("an event keeps its caller's trace header through a restart (migration v14)")
    func traceHeaderIsKept() async throws {
        let path = try temporaryDirectory().appendingPathComponent("db.sqlite").path
        let header = "Root=1-5d02e5ca-f5792818b6fe8368e5b51d50;Parent=191db58857df8395;Sampled=1"
        let received = Date(timeIntervalSince1970: 1_700_000_000)
        do {
            let store = AsyncEventStore(database: try NimbusDatabase(path: path))
            try await store.insert([
                NewAsyncEvent(requestId: "traced", functionName: "f", qualifier: nil, payload: Data("{}".utf8), receivedAt: received, traceHeader: header),
                NewAsyncEvent(requestId: "untraced", functionName: "f", qualifier: nil, payload: Data("{}".utf8), receivedAt: received),
            ])
        }
        let store = AsyncEventStore(database: try NimbusDatabase(path: path))
        let claimed = try store.claimDue(now: received, limit: 2)
        #expect(claimed.map(\.event.traceHeader) == [header, nil])
    }
}
