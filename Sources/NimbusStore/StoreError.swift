/// Errors from the store. The edge maps them to AWS errors; none of their detail
/// (paths, SQL) reaches a client.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// The record already exists.
        case conflict
        /// The record does not exist.
        case notFound
        /// The stored RevisionId differs from the one the caller expected.
        case revisionMismatch
        /// The uploaded bytes are not a zip archive.
        case notAZip
        /// An entry would land outside the function's folder (`../`, absolute path, symlink).
        case unsafeEntry
        /// The archive unpacks to more than the unzipped limit.
        case unzippedTooLarge
        /// The archive is larger than the zipped limit.
        case zippedTooLarge
        /// A database or filesystem failure.
        case io
    }

    public var code: Code
    public var underlying: (any Error)?

    public init(_ code: Code, underlying: (any Error)? = nil) {
        self.code = code
        self.underlying = underlying
    }

    public var description: String {
        underlying.map { "\(code): \($0)" } ?? "\(code)"
    }
}
