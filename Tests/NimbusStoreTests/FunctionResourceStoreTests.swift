import Foundation
import NimbusCore
import Testing
@testable import NimbusStore

@Suite("FunctionResourceStore")
struct FunctionResourceStoreTests {
    func makeStore() throws -> SQLiteFunctionResourceStore {
        SQLiteFunctionResourceStore(database: try NimbusDatabase(path: try temporaryDirectory().appendingPathComponent("db.sqlite").path))
    }

    @Test("tags merge, respect the limit atomically, and are removed")
    func tags() throws {
        let store = try makeStore()
        #expect(try store.addTags(["a": "1", "b": "2"], to: "fn", limit: 3))
        #expect(try store.addTags(["b": "3"], to: "fn", limit: 2))
        #expect(try !store.addTags(["c": "4", "d": "5"], to: "fn", limit: 3))
        #expect(try store.tags(of: "fn") == ["a": "1", "b": "3"])
        try store.removeTags(["a", "missing"], from: "fn")
        #expect(try store.tags(of: "fn") == ["b": "3"])
        #expect(try store.tags(of: "other").isEmpty)
    }

    @Test("policies are per qualifier, ordered, revisioned, and vanish with their last statement")
    func policies() throws {
        let store = try makeStore()
        let a = FunctionPermission(statementId: "a", action: "lambda:InvokeFunction", principal: "*")
        let b = FunctionPermission(statementId: "b", action: "lambda:InvokeFunction", principal: "s3.amazonaws.com", sourceArn: "arn:aws:s3:::x")
        #expect(throws: StoreError.self) { try store.addPermission(a, to: "fn", qualifier: "", expectedRevisionId: "x", revisionWhenEmpty: "fn-rev") }
        let first = try store.addPermission(a, to: "fn", qualifier: "", expectedRevisionId: "fn-rev", revisionWhenEmpty: "fn-rev")
        let second = try store.addPermission(b, to: "fn", qualifier: "", expectedRevisionId: first, revisionWhenEmpty: nil)
        #expect(first != second)
        #expect(try store.policy(of: "fn", qualifier: "")?.statements == [a, b])
        #expect(try store.policy(of: "fn", qualifier: "live") == nil)
        _ = try store.addPermission(a, to: "fn", qualifier: "live", expectedRevisionId: nil, revisionWhenEmpty: nil)
        do {
            _ = try store.addPermission(a, to: "fn", qualifier: "", expectedRevisionId: nil, revisionWhenEmpty: nil)
            Issue.record("a duplicate statement id was accepted")
        } catch {
            #expect(error.code == .conflict)
        }
        do {
            _ = try store.removePermission("a", from: "fn", qualifier: "", expectedRevisionId: first)
            Issue.record("a stale RevisionId was accepted")
        } catch {
            #expect(error.code == .revisionMismatch)
        }
        #expect(try store.removePermission("a", from: "fn", qualifier: "", expectedRevisionId: second))
        #expect(try !store.removePermission("a", from: "fn", qualifier: "", expectedRevisionId: nil))
        #expect(try store.removePermission("b", from: "fn", qualifier: "", expectedRevisionId: nil))
        #expect(try store.policy(of: "fn", qualifier: "") == nil)
        do {
            _ = try store.removePermission("b", from: "fn", qualifier: "", expectedRevisionId: nil)
            Issue.record("removing from a missing policy succeeded")
        } catch {
            #expect(error.code == .notFound)
        }
    }

    @Test("deleteAll removes a function's tags and every qualifier's policy, and nothing else")
    func deleteAll() throws {
        let store = try makeStore()
        let a = FunctionPermission(statementId: "a", action: "lambda:InvokeFunction", principal: "*")
        _ = try store.addTags(["t": "v"], to: "fn", limit: 50)
        _ = try store.addTags(["t": "v"], to: "keep", limit: 50)
        _ = try store.addPermission(a, to: "fn", qualifier: "", expectedRevisionId: nil, revisionWhenEmpty: nil)
        _ = try store.addPermission(a, to: "fn", qualifier: "1", expectedRevisionId: nil, revisionWhenEmpty: nil)
        try store.deleteAll(function: "fn")
        #expect(try store.tags(of: "fn").isEmpty)
        #expect(try store.policy(of: "fn", qualifier: "") == nil)
        #expect(try store.policy(of: "fn", qualifier: "1") == nil)
        #expect(try store.tags(of: "keep") == ["t": "v"])
    }
}
