import HTTPTypes

// Header names of the Lambda API. The literals are valid tokens, so the initialisers
// never return nil; the fallbacks only satisfy the type checker.
extension HTTPField.Name {
    static let amznRequestId = HTTPField.Name("x-amzn-RequestId") ?? .contentType
    static let amznErrorType = HTTPField.Name("X-Amzn-ErrorType") ?? .contentType
    static let amzInvocationType = HTTPField.Name("X-Amz-Invocation-Type") ?? .contentType
    static let amzLogType = HTTPField.Name("X-Amz-Log-Type") ?? .contentType
    static let amzClientContext = HTTPField.Name("X-Amz-Client-Context") ?? .contentType
    static let amzExecutedVersion = HTTPField.Name("X-Amz-Executed-Version") ?? .contentType
    static let amzFunctionError = HTTPField.Name("X-Amz-Function-Error") ?? .contentType
    static let amzLogResult = HTTPField.Name("X-Amz-Log-Result") ?? .contentType
}
