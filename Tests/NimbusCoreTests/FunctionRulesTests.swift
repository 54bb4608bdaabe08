import Testing
@testable import NimbusCore

@Suite("FunctionRules")
struct FunctionRulesTests {
    @Test("memory outside 128–10240 MB is a ValidationException", arguments: [
        (127, "Member must have value greater than or equal to 128"),
        (10241, "Member must have value less than or equal to 10240"),
    ])
    func memory(value: Int, constraint: String) {
        var errors = ValidationErrors()
        FunctionRules.checkMemorySize(value, into: &errors)
        #expect(errors.message == "1 validation error detected: Value '\(value)' at 'memorySize' failed to satisfy constraint: \(constraint)")
    }

    @Test("memory and timeout inside their ranges pass", arguments: [128, 512, 10240])
    func memoryInRange(value: Int) {
        var errors = ValidationErrors()
        FunctionRules.checkMemorySize(value, into: &errors)
        FunctionRules.checkTimeout(min(value, 900), into: &errors)
        #expect(errors.isEmpty)
    }

    @Test("two violations are reported together, as AWS does")
    func twoErrors() {
        var errors = ValidationErrors()
        FunctionRules.checkTimeout(0, into: &errors)
        FunctionRules.checkMemorySize(64, into: &errors)
        #expect(errors.message == "2 validation errors detected: Value '0' at 'timeout' failed to satisfy constraint: Member must have value greater than or equal to 1; Value '64' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128")
    }

    @Test("timeout over 900 s is refused")
    func timeoutHigh() {
        var errors = ValidationErrors()
        FunctionRules.checkTimeout(901, into: &errors)
        #expect(errors.message?.contains("Member must have value less than or equal to 900") == true)
    }

    @Test("environment variables over 4 KB are refused with AWS's message")
    func environmentTooLarge() {
        let variables = ["LARGE_VAR": String(repeating: "x", count: 4096)]
        #expect {
            try FunctionRules.checkEnvironment(variables)
        } throws: { error in
            let error = error as? LambdaError
            return error?.code == .invalidParameterValue
                && error?.message.hasPrefix("Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: {\"LARGE_VAR\":\"xxx") == true
        }
    }

    @Test("environment variables just under 4 KB pass")
    func environmentFits() throws {
        // {"AB":"…"} is 9 bytes of framing.
        try FunctionRules.checkEnvironment(["AB": String(repeating: "x", count: 4096 - 9)])
    }

    @Test("keys must match [a-zA-Z]([a-zA-Z0-9_])+, so one letter is not enough")
    func keyPattern() {
        #expect(throws: LambdaError.self) { try FunctionRules.checkEnvironment(["A": "x"]) }
        #expect(throws: LambdaError.self) { try FunctionRules.checkEnvironment(["1AB": "x"]) }
    }

    @Test("reserved keys are refused")
    func reservedKeys() {
        #expect(throws: LambdaError.self) { try FunctionRules.checkEnvironment(["AWS_REGION": "x"]) }
    }

    @Test("unknown runtimes are InvalidParameterValueException listing AWS's enum")
    func runtime() throws {
        #expect(try FunctionRules.checkRuntime("provided.al2023").isCustom)
        #expect(try FunctionRules.checkRuntime("provided").isCustom)
        #expect {
            try FunctionRules.checkRuntime("PYTHON3.9")
        } throws: { error in
            (error as? LambdaError)?.message.hasPrefix("Value PYTHON3.9 at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [nodejs20.x, python3.14,") == true
        }
    }

    @Test("roles must be IAM role ARNs")
    func role() {
        var errors = ValidationErrors()
        FunctionRules.checkRole("r1", required: true, into: &errors)
        #expect(errors.message?.contains("Value 'r1' at 'role'") == true)
        var ok = ValidationErrors()
        FunctionRules.checkRole("arn:aws:iam::000000000000:role/any", required: true, into: &ok)
        #expect(ok.isEmpty)
    }
}

@Suite("Runtime families")
struct RuntimeFamilyTests {
    @Test("runtime names map to how Nimbus runs them", arguments: [
        ("provided.al2023", Runtime.Family.custom),
        ("provided", .custom),
        ("python3.9", .python),
        ("python3.13", .python),
        ("nodejs20.x", .node(major: 20)),
        ("nodejs22.x", .node(major: 22)),
        ("java21", .unsupported),
        ("python3.14", .unsupported),
        ("nodejs24.x", .unsupported),
    ])
    func family(name: String, expected: Runtime.Family) {
        #expect(Runtime(rawValue: name).family == expected)
    }
}

@Suite("Account concurrency default")
struct ConcurrencyDefaultTests {
    @Test("AWS's 1000 on a machine that can hold it, fewer on a small one")
    func capsByMemory() {
        #expect(Limits.defaultConcurrentExecutions(memoryBytes: 24 << 30) == 1000)
        #expect(Limits.defaultConcurrentExecutions(memoryBytes: 4 << 30) == 256)
        #expect(Limits.defaultConcurrentExecutions(memoryBytes: 1 << 20) == 1)
        #expect(Limits.defaultConcurrentExecutions(memoryBytes: nil) == 1000)
    }
}
