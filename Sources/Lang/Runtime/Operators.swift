import Foundation
import OrderedCollections
import Tensor

/// A binary operator's meaning for each pair of operand types.
enum BinaryOperator: String {
    case add = "+", subtract = "-", multiply = "*", divide = "/", remainder = "%", power = "^", matmul = "@"
    case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="

    /// The fast path for two numbers; nil for an operator numbers do not have (`@`).
    @inline(__always)
    func numbers(_ x: Double, _ y: Double) -> Value? {
        switch self {
        case .add: return .number(x + y)
        case .subtract: return .number(x - y)
        case .multiply: return .number(x * y)
        case .divide: return .number(x / y)
        case .remainder:
            // Python's rule: the result takes the divisor's sign.
            let r = fmod(x, y)
            return .number(r != 0 && (r < 0) != (y < 0) ? r + y : r)
        case .power: return .number(Foundation.pow(x, y))
        case .matmul: return nil
        case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual: return compare(x, y).map(Value.bool)
        }
    }

    /// The comparison operators on any ordered values; nil for other operators.
    @inline(__always)
    private func compare<T: Comparable>(_ x: T, _ y: T) -> Bool? {
        switch self {
        case .equal: return x == y
        case .notEqual: return x != y
        case .less: return x < y
        case .lessOrEqual: return x <= y
        case .greater: return x > y
        case .greaterOrEqual: return x >= y
        default: return nil
        }
    }

    func apply(_ a: Value, _ b: Value) throws -> Value {
        switch (a, b) {
        case (.tensor, _), (_, .tensor):
            if case .list = a {} else if case .list = b {} else {
                return .tensor(try tensors(try a.asTensorOperand(), try b.asTensorOperand()))
            }
        case (.string(let x), .string(let y)):
            switch self {
            case .add:
                guard x.utf8.count + y.utf8.count <= maximumCollectionCount else { throw OperatorError(message: "string longer than \(maximumCollectionCount) bytes") }
                return .string(x + y)
            default:
                if let result = compare(x, y) { return .bool(result) }
            }
        case (.list(let x), .list(let y)) where self == .add:
            guard x.count + y.count <= maximumCollectionCount else { throw OperatorError(message: "list longer than \(maximumCollectionCount) items") }
            return .list(x + y)
        case (.bool(let x), .bool(let y)) where self == .equal || self == .notEqual:
            return .bool((x == y) == (self == .equal))
        default:
            break
        }
        if self == .equal { return .bool(valuesEqual(a, b)) }
        if self == .notEqual { return .bool(!valuesEqual(a, b)) }
        if self == .matmul, case .number = a, case .number = b {
            throw OperatorError(message: "'@' multiplies matrices; use '*' for numbers")
        }
        throw OperatorError(message: "cannot apply '\(rawValue)' to a \(a.typeName) and a \(b.typeName)")
    }

    private func tensors(_ x: Tensor, _ y: Tensor) throws -> Tensor {
        switch self {
        case .add: return try x + y
        case .subtract: return try x - y
        case .multiply: return try x * y
        case .divide: return try x / y
        case .power: return y.rank == 0 && !y.requiresGrad ? x.pow(try y.item()) : try x.pow(y)
        case .matmul: return try x.matmul(y)
        case .equal: return try x.equal(y)
        case .notEqual: return try x.notEqual(y)
        case .less: return try x.less(y)
        case .lessOrEqual: return try x.lessOrEqual(y)
        case .greater: return try x.greater(y)
        case .greaterOrEqual: return try x.greaterOrEqual(y)
        case .remainder: return try x.remainder(y)
        }
    }
}

/// Process-wide limits on the values programs build.
public enum LanguageLimits {
    /// The most items a list (or bytes a string) may grow to: far beyond any experiment's needs,
    /// and small enough that a runaway loop fails with an error instead of exhausting memory.
    /// Harnesses that run untrusted programs (the fuzzer) lower it, as they lower `TensorLimits`.
    nonisolated(unsafe) public static var maximumCollectionCount = 10_000_000
}

var maximumCollectionCount: Int { LanguageLimits.maximumCollectionCount }

struct OperatorError: Error {
    let message: String
}

extension Value {
    func asTensorOperand() throws -> Tensor {
        switch self {
        case .tensor(let t): return t
        case .number(let x): return Tensor(Float(x))
        case .bool(let b): return Tensor(b ? 1 : 0)
        default: throw OperatorError(message: "cannot combine a tensor with a \(typeName)")
        }
    }
}

/// Structural equality for `==` outside tensors: numbers, strings, lists and records by content.
func valuesEqual(_ a: Value, _ b: Value) -> Bool {
    switch (a, b) {
    case (.number(let x), .number(let y)): return x == y
    case (.bool(let x), .bool(let y)): return x == y
    case (.string(let x), .string(let y)): return x == y
    case (.nil, .nil): return true
    case (.list(let x), .list(let y)): return x.count == y.count && zip(x, y).allSatisfy { valuesEqual($0, $1) }
    case (.record(let x), .record(let y)):
        return x.count == y.count && x.allSatisfy { key, value in y[key].map { valuesEqual(value, $0) } ?? false }
    case (.function(let x), .function(let y)): return x === y
    case (.builtin(let x), .builtin(let y)): return x === y
    case (.handle(let x), .handle(let y)): return x === y
    default: return false
    }
}
