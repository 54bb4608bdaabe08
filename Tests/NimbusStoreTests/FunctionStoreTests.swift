import Foundation
import NimbusCore
import Testing
@testable import NimbusStore

@Suite("SQLiteFunctionStore")
struct FunctionStoreTests {
    @Test("create, get, update and delete round-trip every field")
    func crud() throws {
        let dir = try temporaryDirectory()
        let store = SQLiteFunctionStore(database: try NimbusDatabase(path: dir.appendingPathComponent("db.sqlite").path))
        var function = sampleFunction("one")
        try store.create(function)
        #expect(try store.get("one") == function)

        function.memorySize = 512
        function.environment = ["B": "2"]
        function.touch()
        try store.update(function)
        #expect(try store.get("one") == function)

        try store.delete("one")
        #expect(try store.get("one") == nil)
    }

    @Test("a duplicate name is a conflict and leaves the first untouched")
    func conflict() throws {
        let dir = try temporaryDirectory()
        let store = SQLiteFunctionStore(database: try NimbusDatabase(path: dir.appendingPathComponent("db.sqlite").path))
        let first = sampleFunction("dup")
        try store.create(first)
        var second = sampleFunction("dup")
        second.handler = "other"
        #expect { try store.create(second) } throws: { ($0 as? StoreError)?.code == .conflict }
        #expect(try store.get("dup")?.handler == "x")
    }

    @Test("updating or deleting a missing function is notFound")
    func missing() throws {
        let dir = try temporaryDirectory()
        let store = SQLiteFunctionStore(database: try NimbusDatabase(path: dir.appendingPathComponent("db.sqlite").path))
        #expect { try store.update(sampleFunction("nope")) } throws: { ($0 as? StoreError)?.code == .notFound }
        #expect { try store.delete("nope") } throws: { ($0 as? StoreError)?.code == .notFound }
    }

    @Test("list pages in name order after a marker")
    func paging() throws {
        let dir = try temporaryDirectory()
        let store = SQLiteFunctionStore(database: try NimbusDatabase(path: dir.appendingPathComponent("db.sqlite").path))
        for name in ["c", "a", "e", "b", "d"] { try store.create(sampleFunction(name)) }
        #expect(try store.list(after: nil, limit: 2).map(\.name) == ["a", "b"])
        #expect(try store.list(after: "b", limit: 2).map(\.name) == ["c", "d"])
        #expect(try store.list(after: "d", limit: 2).map(\.name) == ["e"])
    }

    @Test("functions survive closing and reopening the database")
    func durable() throws {
        let path = try temporaryDirectory().appendingPathComponent("db.sqlite").path
        do {
            let store = SQLiteFunctionStore(database: try NimbusDatabase(path: path))
            try store.create(sampleFunction("kept"))
        }
        let reopened = SQLiteFunctionStore(database: try NimbusDatabase(path: path))
        #expect(try reopened.get("kept")?.environment == ["A": "1"])
    }
}
