import Foundation

/// A principal that may sign requests: its key pair, its account and its ARN.
///
/// The identities file of `nimbus serve --identities FILE` is a JSON list of these:
/// `[{"accessKeyId":"...","secretAccessKey":"...","accountId":"222222222222","arn":"arn:aws:iam::222222222222:user/bob"}]`.
public struct Identity: Sendable, Hashable, Codable {
    public var accessKeyId: String
    public var secretAccessKey: String
    public var accountId: String
    /// The principal's ARN, e.g. `arn:aws:iam::222222222222:user/bob`.
    public var arn: String

    public init(accessKeyId: String, secretAccessKey: String, accountId: String, arn: String) {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.accountId = accountId
        self.arn = arn
    }

    public var credentials: SigV4Credentials {
        SigV4Credentials(accessKeyId: accessKeyId, secretAccessKey: secretAccessKey)
    }

    /// Why an identities file was refused; the message is for the operator starting the server.
    public struct FileError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Reads and checks an identities file: every entry complete, account ids of 12 digits,
    /// ARNs in the entry's account, access key ids unique.
    public static func load(contentsOf url: URL) throws(FileError) -> [Identity] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw FileError(description: "cannot read \(url.path): \(error.localizedDescription)") }
        let identities: [Identity]
        do {
            identities = try JSONDecoder().decode([Identity].self, from: data)
        } catch {
            throw FileError(description: "\(url.path) must be a JSON list of {\"accessKeyId\",\"secretAccessKey\",\"accountId\",\"arn\"}: \(error)")
        }
        var seen: Set<String> = []
        for identity in identities {
            guard !identity.accessKeyId.isEmpty, !identity.secretAccessKey.isEmpty else {
                throw FileError(description: "\(url.path): an identity has an empty accessKeyId or secretAccessKey")
            }
            guard identity.accountId.count == 12, identity.accountId.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                throw FileError(description: "\(url.path): accountId '\(identity.accountId)' is not 12 digits")
            }
            guard identity.arn.hasPrefix("arn:"), identity.arn.split(separator: ":", omittingEmptySubsequences: false).dropFirst(4).first.map(String.init) == identity.accountId else {
                throw FileError(description: "\(url.path): arn '\(identity.arn)' is not an ARN in account \(identity.accountId)")
            }
            guard seen.insert(identity.accessKeyId).inserted else {
                throw FileError(description: "\(url.path): access key id '\(identity.accessKeyId)' appears twice")
            }
        }
        return identities
    }
}

/// The identities a server accepts, by access key id. The verifier proves a request was
/// signed with a known key; this says whose key it is.
public struct IdentityDirectory: Sendable {
    private let byAccessKey: [String: Identity]
    /// Whether any identity belongs to another account than the server's (enforcement on).
    public let hasOtherAccounts: Bool

    /// - Parameter identities: the server's own identity first; on a repeated access key
    ///   id, the first entry wins (as in ``SigV4Verifier``).
    public init(_ identities: [Identity], ownerAccountId: String) {
        var byAccessKey: [String: Identity] = [:]
        for identity in identities where byAccessKey[identity.accessKeyId] == nil {
            byAccessKey[identity.accessKeyId] = identity
        }
        self.byAccessKey = byAccessKey
        hasOtherAccounts = byAccessKey.values.contains { $0.accountId != ownerAccountId }
    }

    public func identity(forAccessKey accessKeyId: String) -> Identity? {
        byAccessKey[accessKeyId]
    }

    /// Every key pair, for the ``SigV4Verifier``.
    public var credentials: [SigV4Credentials] { byAccessKey.values.map(\.credentials) }
}
