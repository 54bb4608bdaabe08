/// An access key pair that a ``SigV4Verifier`` accepts signatures from.
public struct SigV4Credentials: Sendable, Hashable {
    /// The public half, as it appears in the `Credential=` scope (`AKIA...`).
    public var accessKeyId: String
    /// The secret the client signs with; it never travels on the wire.
    public var secretAccessKey: String

    /// Creates a key pair.
    public init(accessKeyId: String, secretAccessKey: String) {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
    }
}
