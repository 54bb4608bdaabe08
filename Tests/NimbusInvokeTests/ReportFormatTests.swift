import Foundation
import Testing

@testable import NimbusInvoke

@Suite("REPORT durations")
struct ReportFormatTests {
    @Test("two decimals, the same as printf's %.2f", arguments: [0, 0.004, 0.006, 0.5, 7.1, 12.3456, 99.999, 100, 1234.5, 60_000.25])
    func twoDecimals(_ value: Double) {
        #expect(ExecutionEnvironment.format(value) == String(format: "%.2f", value))
    }
}
