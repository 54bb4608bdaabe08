import Foundation
import Hummingbird
import Logging
import NIOCore
import NimbusCore
import NimbusInvoke
import NimbusStore

/// TagResource, UntagResource and ListTags on functions, and the tag hooks of
/// CreateFunction, GetFunction and DeleteFunction. Rules in ``TagRules``.
public struct TagService: Sendable {
    let account: Account
    let registry: FunctionRegistry
    let store: any FunctionResourceStore
    let logger: Logger

    public init(account: Account, registry: FunctionRegistry, store: any FunctionResourceStore, logger: Logger) {
        self.account = account
        self.registry = registry
        self.store = store
        self.logger = logger
    }

    func tagResource(_ resource: String, body: ByteBuffer) throws(LambdaError) -> Response {
        let name = try TagRules.functionName(fromResource: resource, account: account)
        let input: TagResourceInput = try WireCoding.decode(body)
        guard let tags = input.tags else {
            throw LambdaError(.validation, "1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null")
        }
        try TagRules.check(tags)
        try requireFunction(name)
        let added = try storeCall { () throws(StoreError) in try store.addTags(tags, to: name, limit: TagRules.maxTags) }
        guard added else { throw TagRules.tooMany }
        return Response(status: .noContent)
    }

    func untagResource(_ resource: String, tagKeys: [String]) throws(LambdaError) -> Response {
        let name = try TagRules.functionName(fromResource: resource, account: account)
        try TagRules.checkTagKeys(tagKeys)
        try requireFunction(name)
        try storeCall { () throws(StoreError) in try store.removeTags(tagKeys, from: name) }
        return Response(status: .noContent)
    }

    func listTags(_ resource: String) throws(LambdaError) -> Response {
        let name = try TagRules.functionName(fromResource: resource, account: account)
        try requireFunction(name)
        return try WireCoding.json(ListTagsOutput(tags: try tags(of: name)))
    }

    // MARK: Hooks for the function operations

    /// CreateFunction's `Tags`, checked before the function is created.
    func checkCreateTags(_ tags: [String: String]?) throws(LambdaError) {
        guard let tags else { return }
        try TagRules.check(tags)
        if tags.count > TagRules.maxTags { throw TagRules.tooMany }
    }

    /// Clears whatever a function of the same name left behind, then stores the new tags.
    func functionCreated(_ name: String, tags: [String: String]?) throws(LambdaError) {
        try storeCall { () throws(StoreError) in
            try store.deleteAll(function: name)
            if let tags, !tags.isEmpty { _ = try store.addTags(tags, to: name, limit: TagRules.maxTags) }
        }
    }

    /// GetFunction's `Tags`: nil when the function has none (AWS then leaves the key out).
    func tagsForGetFunction(_ name: String) throws(LambdaError) -> [String: String]? {
        let tags = try tags(of: name)
        return tags.isEmpty ? nil : tags
    }

    /// Deletes the function's tags and policies.
    func functionDeleted(_ name: String) throws(LambdaError) {
        try storeCall { () throws(StoreError) in try store.deleteAll(function: name) }
    }

    // MARK: Helpers

    private func tags(of name: String) throws(LambdaError) -> [String: String] {
        try storeCall { () throws(StoreError) in try store.tags(of: name) }
    }

    private func requireFunction(_ name: String) throws(LambdaError) {
        guard registry.get(name) != nil else { throw .functionNotFound(account.functionArn(name)) }
    }

    /// `tagKeys` of UntagResource: repeated query parameters, in order.
    static func tagKeys(fromQuery rawQuery: String?) -> [String] {
        guard let rawQuery, !rawQuery.isEmpty else { return [] }
        return rawQuery.split(separator: "&").compactMap { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts[0] == "tagKeys", parts.count == 2 else { return nil }
            let value = String(parts[1]).replacingOccurrences(of: "+", with: " ")
            return value.removingPercentEncoding ?? value
        }
    }

    private func storeCall<T>(_ body: () throws(StoreError) -> T) throws(LambdaError) -> T {
        do {
            return try body()
        } catch {
            logger.error("tag store failure: \(error)")
            throw LambdaError.internalFailure
        }
    }
}

struct TagResourceInput: Decodable {
    var tags: [String: String]?
}

/// `{"Tags":{...}}`. A `[String: String]` keeps its keys as given: JSONEncoder's key
/// strategy (PascalCase here) does not apply to string-keyed dictionaries.
struct ListTagsOutput: Encodable {
    var tags: [String: String]
}
