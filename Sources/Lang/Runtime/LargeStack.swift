import Foundation

/// Runs work on a thread with a large stack. The parser, compiler and interpreter recurse over
/// syntax trees whose depth they bound; the bound is set for this stack, not the 8 MiB main thread's.
public enum LargeStack {
    public static let size = 512 << 20

    public static func run<Result>(_ body: @escaping () -> Result) -> Result {
        let outcome = Outcome<Result>()
        let thread = Thread {
            outcome.value = body()
            outcome.done.signal()
        }
        thread.stackSize = size
        thread.start()
        outcome.done.wait()
        guard let value = outcome.value else { preconditionFailure("the large-stack thread ended without a result") }
        return value
    }

    /// Hands the result from the worker thread back; the semaphore orders the write before the read.
    private final class Outcome<Result>: @unchecked Sendable {
        var value: Result?
        let done = DispatchSemaphore(value: 0)
    }
}
