/// A failure the CLI reports to a person: one message that says what went wrong and how to fix it.
public struct CLIError: Error, CustomStringConvertible, Sendable, Equatable {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }

    /// The server did not answer at all.
    static func unreachable(_ endpoint: String) -> CLIError {
        CLIError("Cannot reach Nimbus at \(endpoint). Start it with `nimbus serve`, or pass --endpoint.")
    }

    /// An error answer from the API: AWS's type and message, with a hint for credential problems.
    static func api(status: Int, type: String, message: String) -> CLIError {
        let credentialTypes: Set<String> = [
            "UnrecognizedClientException", "InvalidSignatureException", "InvalidClientTokenId", "SignatureDoesNotMatch",
        ]
        if credentialTypes.contains(type) {
            return CLIError(
                "Nimbus refused the credentials (\(type): \(message)). Set AWS_ACCESS_KEY_ID and "
                    + "AWS_SECRET_ACCESS_KEY to the server's key pair (nimbus/nimbus unless the server sets "
                    + "NIMBUS_ACCESS_KEY_ID/NIMBUS_SECRET_ACCESS_KEY)."
            )
        }
        return CLIError("\(type): \(message) (HTTP \(status))")
    }
}
