import Dispatch
import Foundation

/// The monotonic clock and how a duration is shown, once for `clock()`, `time(f)` and the REPL's `:time`.
public enum Stopwatch {
    /// Seconds since an arbitrary start that never jumps (unlike the wall clock): for durations.
    public static var seconds: Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    /// `time: 1.234 s`
    public static func report(_ seconds: Double) -> String { "time: " + String(format: "%.3f", seconds) + " s" }
}
