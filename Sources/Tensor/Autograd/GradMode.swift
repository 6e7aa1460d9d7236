/// Whether operations record the autograd graph.
public enum GradMode {
    @TaskLocal static var isEnabled = true

    /// Whether operations currently record the autograd graph.
    public static var enabled: Bool { isEnabled }

    /// Runs `body` without recording the autograd graph: results need no gradient.
    public static func withoutGrad<Result>(_ body: () throws -> Result) rethrows -> Result {
        try $isEnabled.withValue(false, operation: body)
    }
}
