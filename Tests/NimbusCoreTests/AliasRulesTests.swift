import Testing
@testable import NimbusCore

@Suite("AliasRules and routing")
struct AliasRulesTests {
    @Test("a weighted alias sends the roll below the weight to the additional version")
    func routesByWeight() {
        let alias = FunctionAlias(functionName: "f", name: "live", functionVersion: "1", additionalVersionWeights: ["2": 0.25])
        #expect(alias.route(roll: 0.0) == "2")
        #expect(alias.route(roll: 0.249) == "2")
        #expect(alias.route(roll: 0.25) == "1")
        #expect(alias.route(roll: 0.99) == "1")
        #expect(FunctionAlias(functionName: "f", name: "a", functionVersion: "3").route(roll: 0) == "3")
        #expect(alias.versions == ["1", "2"])
    }

    @Test("names: not all digits, at most 128 of [a-zA-Z0-9-_]")
    func names() {
        func message(_ name: String?) -> String? {
            var errors = ValidationErrors()
            AliasRules.checkName(name, into: &errors)
            return errors.message
        }
        #expect(message("live") == nil)
        #expect(message("2024-01-01") == nil)
        #expect(message("2024") == "1 validation error detected: Value '2024' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)")
        #expect(message("bad.name") != nil)
        #expect(message(String(repeating: "a", count: 129))?.contains("less than or equal to 128") == true)
        #expect(message(nil)?.contains("Member must not be null") == true)
    }

    @Test("which qualifiers are aliases")
    func qualifiers() {
        #expect(AliasRules.isAliasName("live"))
        #expect(!AliasRules.isAliasName("12"))
        #expect(!AliasRules.isAliasName("$LATEST"))
    }

    @Test("routing errors in AWS's order and words")
    func routing() {
        var errors = ValidationErrors()
        AliasRules.checkWeights(["2": 2.0], into: &errors)
        #expect(errors.message == "1 validation error detected: Value '{2=2.0}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0, Member must not be null]")
        #expect(throws: LambdaError.self) { try AliasRules.checkRouting(functionVersion: "1", weights: ["2": 0.1, "3": 0.1]) }
        #expect(throws: LambdaError.self) { try AliasRules.checkRouting(functionVersion: "$LATEST", weights: ["2": 0.1]) }
        #expect(throws: Never.self) { try AliasRules.checkRouting(functionVersion: "1", weights: ["2": 0.1]) }
        #expect(throws: Never.self) { try AliasRules.checkRouting(functionVersion: "$LATEST", weights: nil) }
    }
}
