/// The `AKID/yyyyMMdd/region/service/aws4_request` value of `Credential=` or `X-Amz-Credential`.
struct CredentialScope: Sendable, Equatable {
    /// The access key id that signed.
    var accessKeyId: String
    /// The signing day, `yyyyMMdd`.
    var date: String
    /// The region the client signed for.
    var region: String
    /// The service the client signed for.
    var service: String
    /// The terminator, `aws4_request` when well formed.
    var terminator: String

    /// The scope without the key id, as it appears in the string to sign.
    var scope: String { "\(date)/\(region)/\(service)/\(terminator)" }

    /// Splits a credential into its five parts; trailing slashes are ignored, as AWS does.
    init(parsing credential: String) throws(SigV4Error) {
        var text = Substring(credential)
        while text.hasSuffix("/") { text = text.dropLast() }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 5 else { throw .malformedCredential(credential) }
        (accessKeyId, date, region, service, terminator) = (parts[0], parts[1], parts[2], parts[3], parts[4])
    }

    /// AWS's complaints about the scope for a request at `timestamp`, in AWS's
    /// order, joined; `nil` when the scope is acceptable. When `expectedRegion` is nil,
    /// any non-empty region is accepted.
    func problems(expectedService: String, expectedRegion: String? = nil, timestamp: String) -> String? {
        var message = ""
        if region.isEmpty {
            message += "Credential should be scoped to a valid region, not '\(region)'. "
        } else if let expectedRegion, region != expectedRegion {
            message += "Credential should be scoped to a valid region. "
        }
        if service != expectedService {
            message += "Credential should be scoped to correct service: '\(expectedService)'. "
        }
        if terminator != "aws4_request" {
            message += "Credential should be scoped with a valid terminator: 'aws4_request', not '\(terminator)'. "
        }
        let day = String(timestamp.prefix(8))
        if date != day {
            message +=
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
                + "'\(date)' != '\(day)', from '\(timestamp)'."
        }
        return message.isEmpty ? nil : message
    }
}
