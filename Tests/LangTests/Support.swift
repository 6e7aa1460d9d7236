import Testing
@testable import Lang

/// The text of the error `body` throws, or "no error".
func errorText(_ body: () throws -> Any) -> String {
    do {
        _ = try body()
        return "no error"
    } catch {
        return "\(error)"
    }
}

/// Runs `code` in a fresh interpreter (its printing thrown away) and returns the last value.
func evaluate(_ code: String) throws -> Value {
    try Interpreter(write: { _ in }).evaluate(Source(name: "<test>", text: code)).value
}

/// The numbers `code` gives: a tensor's elements or one number.
func evaluatedNumbers(_ code: String) throws -> [Double] {
    switch try evaluate(code) {
    case .tensor(let t): return t.scalars.map(Double.init)
    case .number(let x): return [x]
    case let other: Issue.record("not numbers: \(other.typeName)"); return []
    }
}
