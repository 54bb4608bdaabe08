import Hummingbird
import NimbusInvoke
import NimbusSchedules

/// Delivers scheduled events as durable asynchronous invocations (`NimbusSchedules`
/// knows only the ``ScheduledInvoker`` protocol).
struct AsyncScheduledInvoker: ScheduledInvoker {
    let asyncInvoker: AsyncInvoker

    func invoke(functionName: String, qualifier: String?, payload: [UInt8]) async throws {
        try await asyncInvoker.enqueue(InvokeRequest(functionName: functionName, qualifier: qualifier, payload: ByteBuffer(bytes: payload)))
    }
}
