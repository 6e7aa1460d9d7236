import Foundation

/// Runs work on a thread with a large stack. The parser, compiler and interpreter recurse over
/// syntax trees whose depth they bound; the bound is set for this stack, not the 8 MiB main thread's.
public enum LargeStack {
    public static let size = 512 << 20

    public static func run<Result>(_ body: @escaping () -> Result) -> Result {
        var result: Result?
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            result = body()
            done.signal()
        }
        thread.stackSize = size
        thread.start()
        done.wait()
        guard let result else { preconditionFailure("the large-stack thread ended without a result") }
        return result
    }
}
