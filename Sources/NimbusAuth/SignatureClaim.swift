/// What a request claims about its signature, read from its `Authorization`
/// header or from its presigned query, before anything is checked against keys or clocks.
struct SignatureClaim: Sendable, Equatable {
    /// Where the signature was found.
    enum Mechanism: Sendable, Equatable {
        /// `Authorization: AWS4-HMAC-SHA256 …`.
        case authorizationHeader
        /// `?X-Amz-Algorithm=…&X-Amz-Signature=…`.
        case presignedQuery
    }

    /// Where the signature was found.
    var mechanism: Mechanism
    /// The algorithm named, e.g. `AWS4-HMAC-SHA256`.
    var algorithm: String
    /// The raw credential, `AKID/yyyyMMdd/region/service/aws4_request`.
    var credential: String
    /// The raw signed header list, `host;x-amz-date`.
    var signedHeaders: String
    /// The signature as sent, hex.
    var signature: String
    /// The request time in basic ISO 8601, as it enters the string to sign.
    var timestamp: String
    /// The request time.
    var date: AmzDate
    /// `X-Amz-Expires` of a presigned URL, in seconds.
    var expiresSeconds: Int64?

    /// The longest `X-Amz-Expires` AWS accepts: one week.
    static let maximumExpires: Int64 = 604_800

    /// Reads the claim, failing with AWS's error when authentication is absent or malformed.
    init(request: SigV4Request) throws(SigV4Error) {
        let header = request.firstHeader(named: "authorization")
        let query = PresignedQuery(rawQuery: request.rawQuery)
        switch (header, query) {
        case (nil, nil):
            throw .missingAuthenticationToken
        case (.some, .some):
            throw .bothAuthorizationMechanisms
        case (let header?, nil):
            try self.init(authorizationHeader: header, request: request)
        case (nil, let query?):
            try self.init(presignedQuery: query)
        }
    }

    /// Reads `Authorization` plus `X-Amz-Date` (or, failing that, `Date`).
    private init(authorizationHeader header: String, request: SigV4Request) throws(SigV4Error) {
        let parsed = try AuthorizationHeader(parsing: header)
        let amzDate = request.firstHeader(named: "x-amz-date")
        let httpDate = request.firstHeader(named: "date")
        let missing = parsed.missingParts(dateIsPresent: amzDate != nil || httpDate != nil)
        guard missing.isEmpty, let credential = parsed.credential, let signedHeaders = parsed.signedHeaders,
            let signature = parsed.signature
        else {
            throw .incomplete(missing.joined(separator: " ") + " Authorization=" + header)
        }
        let date: AmzDate
        let timestamp: String
        if let amzDate {
            guard let parsedDate = AmzDate(basic: amzDate) else { throw .badDateFormat(amzDate) }
            (date, timestamp) = (parsedDate, amzDate)
        } else if let httpDate {
            guard let parsedDate = AmzDate(httpDate: httpDate) else { throw .badDateFormat(httpDate) }
            (date, timestamp) = (parsedDate, parsedDate.basic)
        } else {
            throw .incomplete(missing.joined(separator: " ") + " Authorization=" + header)
        }
        self.init(
            mechanism: .authorizationHeader, algorithm: parsed.algorithm, credential: credential,
            signedHeaders: signedHeaders, signature: signature, timestamp: timestamp, date: date,
            expiresSeconds: nil
        )
    }

    /// Reads the `X-Amz-*` parameters of a presigned URL.
    private init(presignedQuery query: PresignedQuery) throws(SigV4Error) {
        if let message = query.missingPartsMessage { throw .incomplete(message) }
        guard let algorithm = query.algorithm, let credential = query.credential,
            let signedHeaders = query.signedHeaders, let signature = query.signature, let timestamp = query.date
        else { throw .incomplete("Re-examine the query-string parameters.") }
        guard let date = AmzDate(basic: timestamp) else { throw .badDateFormat(timestamp) }
        var expiresSeconds: Int64?
        if let expires = query.expires {
            guard let seconds = Int64(expires) else { throw .incomplete("X-Amz-Expires should be a number") }
            guard seconds >= 0 else { throw .incomplete("X-Amz-Expires must be non-negative") }
            guard seconds <= Self.maximumExpires else {
                throw .incomplete("X-Amz-Expires must be less than a week (in seconds) that is 604800")
            }
            expiresSeconds = seconds
        }
        self.init(
            mechanism: .presignedQuery, algorithm: algorithm, credential: credential,
            signedHeaders: signedHeaders, signature: signature, timestamp: timestamp, date: date,
            expiresSeconds: expiresSeconds
        )
    }

    /// Memberwise.
    private init(
        mechanism: Mechanism, algorithm: String, credential: String, signedHeaders: String, signature: String,
        timestamp: String, date: AmzDate, expiresSeconds: Int64?
    ) {
        self.mechanism = mechanism
        self.algorithm = algorithm
        self.credential = credential
        self.signedHeaders = signedHeaders
        self.signature = signature
        self.timestamp = timestamp
        self.date = date
        self.expiresSeconds = expiresSeconds
    }
}
