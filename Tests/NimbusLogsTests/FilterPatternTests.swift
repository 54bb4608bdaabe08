import Testing
@testable import NimbusLogs

@Suite struct FilterPatternTests {
    func matches(_ pattern: String, _ message: String) throws -> Bool {
        try FilterPattern.parse(pattern).matches(message)
    }

    @Test func emptyPatternMatchesEverything() throws {
        #expect(try FilterPattern.parse("  ") == .all)
        #expect(try matches("", "anything"))
    }

    @Test func everyTermMustAppear() throws {
        #expect(try matches("ERROR timeout", "ERROR: request timeout after 3s"))
        #expect(try !matches("ERROR timeout", "ERROR: bad input"))
        #expect(try !matches("ERROR", "error: lower case"), "terms are case-sensitive")
    }

    @Test func quotedPhraseMatchesAsAWhole() throws {
        #expect(try matches(#""request failed""#, "the request failed twice"))
        #expect(try !matches(#""request failed""#, "failed request"))
        #expect(try matches(#""a: b" c"#, "x a: b y c"))
    }

    @Test func exclusionsRemoveEvents() throws {
        #expect(try matches("ERROR -Exiting", "ERROR bad"))
        #expect(try !matches("ERROR -Exiting", "ERROR Exiting now"))
        #expect(try !matches(#"-"health check""#, "GET /health check ok"))
    }

    @Test func questionMarkTermsAreAlternatives() throws {
        #expect(try matches("?ERROR ?WARN", "WARN disk"))
        #expect(try matches("?ERROR ?WARN", "ERROR disk"))
        #expect(try !matches("?ERROR ?WARN", "INFO disk"))
    }

    @Test func jsonEquality() throws {
        #expect(try matches(#"{ $.level = "error" }"#, #"{"level":"error","n":1}"#))
        #expect(try !matches(#"{ $.level = "error" }"#, #"{"level":"info"}"#))
        #expect(try !matches(#"{ $.level = "error" }"#, "level = error"), "a non-JSON event never matches a JSON pattern")
        #expect(try matches(#"{ $.level != "error" }"#, #"{"level":"info"}"#))
        #expect(try matches(#"{ $.user.name = "ad*" }"#, #"{"user":{"name":"admin"}}"#))
        #expect(try matches(#"{ $.items[1] = "b" }"#, #"{"items":["a","b"]}"#))
        #expect(try !matches(#"{ $.missing = "x" }"#, #"{"level":"info"}"#))
    }

    @Test func jsonNumericComparisons() throws {
        #expect(try matches("{ $.n > 5 }", #"{"n": 7}"#))
        #expect(try !matches("{ $.n > 5 }", #"{"n": 5}"#))
        #expect(try matches("{ $.n >= 5 }", #"{"n": 5}"#))
        #expect(try matches("{ $.n < 5.5 }", #"{"n": 5}"#))
        #expect(try matches("{ $.n <= -1 }", #"{"n": -2}"#))
        #expect(try matches("{ $.n = 3 }", #"{"n": 3.0}"#))
        #expect(try !matches("{ $.n > 5 }", #"{"n": "7"}"#), "a string is not a number")
    }

    @Test func jsonAndOrWithPrecedenceAndParentheses() throws {
        let pattern = #"{ $.a = "x" || $.b = "y" && $.n > 1 }"#
        #expect(try matches(pattern, #"{"a":"x"}"#))
        #expect(try matches(pattern, #"{"b":"y","n":2}"#))
        #expect(try !matches(pattern, #"{"b":"y","n":0}"#))
        let grouped = #"{ ($.a = "x" || $.b = "y") && $.n > 1 }"#
        #expect(try !matches(grouped, #"{"a":"x","n":0}"#))
        #expect(try matches(grouped, #"{"a":"x","n":2}"#))
    }

    @Test(arguments: [
        "[ip, user, status = 404]",  // space-delimited patterns
        "%ERROR [0-9]+%",  // regular expressions
        "ERR*",  // unquoted wildcards
        #"{ $.a = "x" "#,  // JSON without its closing brace
        "{ $.a IS NULL }",
        "{ $.a EXISTS }",
        "{ $.a > \"x\" }",  // ordering on strings
        "{ $.a = unquoted }",
        "{ a = 1 }",
        "{ $.a = 1 && }",
        #""unclosed"#,
        "?",
        "-",
    ])
    func unsupportedFormsAreRejected(pattern: String) {
        #expect(throws: LogsError.self) { try FilterPattern.parse(pattern) }
    }

    @Test func unclosedJSONPatternHasAWSMessage() {
        #expect(throws: LogsError.invalidParameter("If a filter pattern starts with '{' it must end with '}'")) {
            try FilterPattern.parse(#"{ $.a = "x""#)
        }
        #expect(throws: LogsError.invalidFilterPattern) { try FilterPattern.parse("[a, b]") }
    }
}
