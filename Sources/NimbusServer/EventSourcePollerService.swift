import NimbusControlAPI
import ServiceLifecycle

/// Runs the event source mappings' pollers in the service group; graceful shutdown
/// cancels them (a batch being processed is left to its visibility timeout).
struct EventSourcePollerService: Service {
    let poller: EventSourcePoller

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await poller.run()
        }
    }
}
