import Testing

@testable import NimbusAuth

/// The canonical request's parts, against botocore's own outputs.
@Suite("Canonical request parts")
struct CanonicalRequestTests {
    @Test("the wire path is percent-encoded once more")
    func doubleEncodesPath() {
        #expect(
            CanonicalRequest.canonicalURI(
                rawPath:
                    "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A1%3Afunction%3Af%3A%24LATEST/invocations")
                == "/2015-03-31/functions/arn%253Aaws%253Alambda%253Aus-east-1%253A1%253Afunction%253Af%253A%2524LATEST/invocations"
        )
        #expect(CanonicalRequest.canonicalURI(rawPath: "/example space/~x") == "/example%20space/~x")
        #expect(CanonicalRequest.canonicalURI(rawPath: "/\u{1234}") == "/%E1%88%B4")
        #expect(CanonicalRequest.canonicalURI(rawPath: "/%2E%2E/x") == "/%252E%252E/x")
        #expect(CanonicalRequest.canonicalURI(rawPath: "") == "/")
    }

    @Test(
        "dot and empty segments go as botocore's remove_dot_segments does",
        arguments: [
            ("/a/./b/../c/", "/a/c/"),
            ("//example//", "/example/"),
            ("/example/..", "/"),
            ("", ""),
            ("a/b", "a/b"),
            ("/..", "/"),
            ("/2015-03-31/functions/", "/2015-03-31/functions/"),
            ("/a/b/../../../c", "/c"),
        ]
    )
    func removeDotSegments(path: String, expected: String) {
        #expect(CanonicalRequest.removeDotSegments(path) == expected)
    }

    @Test("as-sent query: split, sorted by key then value, not re-encoded")
    func asSentQuery() {
        #expect(
            CanonicalRequest.canonicalQuery(rawQuery: "b=2&a=1&a=0&c&=z&&B=9", style: .asSent)
                == "=&=z&B=9&a=0&a=1&b=2&c="
        )
        #expect(CanonicalRequest.canonicalQuery(rawQuery: "m=a+b%2f", style: .asSent) == "m=a+b%2f")
        #expect(CanonicalRequest.canonicalQuery(rawQuery: nil, style: .asSent) == "")
        #expect(CanonicalRequest.canonicalQuery(rawQuery: "", style: .asSent) == "")
        #expect(
            CanonicalRequest.canonicalQuery(
                rawQuery: "b=1&X-Amz-Signature=ff&a=2", excluding: "X-Amz-Signature", style: .asSent)
                == "a=2&b=1"
        )
    }

    @Test("re-encoded query: decoded with + as space, encoded with only unreserved kept")
    func reencodedQuery() {
        #expect(
            CanonicalRequest.canonicalQuery(rawQuery: "Marker=a+b%2fc~d*e&MaxItems=2", style: .reencoded)
                == "Marker=a%20b%2Fc~d%2Ae&MaxItems=2"
        )
        #expect(CanonicalRequest.canonicalQuery(rawQuery: "a&&b=", style: .reencoded) == "a=&b=")
        #expect(CanonicalRequest.canonicalQuery(rawQuery: "a=%zz", style: .reencoded) == nil)
        #expect(CanonicalRequest.canonicalQuery(rawQuery: "a=%4", style: .reencoded) == nil)
    }

    @Test("header values are trimmed, inner whitespace collapsed, repeats joined with commas")
    func headers() {
        let request = SigV4Request(
            method: "GET", rawPath: "/",
            headers: [
                (name: "X-B", value: "  one   two\t three "), (name: "Host", value: "h"),
                (name: "x-b", value: "four"), (name: "X-Empty", value: "   "),
            ],
            payloadSHA256Hex: SigV4Verifier.emptyPayloadSHA256Hex
        )
        #expect(
            CanonicalRequest.canonicalHeaders(signedNames: ["host", "x-b", "x-empty", "x-missing"], of: request)
                == "host:h\nx-b:one two three,four\nx-empty:\nx-missing:\n"
        )
    }

    @Test("trimAll splits on what Python's str.split() splits on")
    func trimAll() {
        #expect(CanonicalRequest.trimAll("  a \u{1C}  b\t\u{A0}c \u{2003} ") == "a b c")
        #expect(CanonicalRequest.trimAll("\"a   b   c\"") == "\"a b c\"")
        #expect(CanonicalRequest.trimAll("") == "")
    }

    @Test("percent-encoding keeps unreserved bytes and writes uppercase hex")
    func percentEncoding() {
        #expect(PercentEncoding.encode("aZ09-._~ /:$+=%") == "aZ09-._~%20%2F%3A%24%2B%3D%25")
        #expect(PercentEncoding.decode("a%2Fb+c") == "a/b+c")
        #expect(PercentEncoding.decode("a%2fb+c", plusIsSpace: true) == "a/b c")
        #expect(PercentEncoding.decode("%E1%88%B4") == "\u{1234}")
        #expect(PercentEncoding.decode("%") == nil)
    }
}
