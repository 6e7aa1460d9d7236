import Foundation

/// A failure inside a filter, operator or function; the renderer adds the place in the template.
struct RenderFailure: Error {
    let message: String
    /// Raised by the template's own `raise_exception`.
    var raised = false
    init(_ message: String, raised: Bool = false) {
        self.message = message
        self.raised = raised
    }
}

/// Python's operators on template values, as Jinja evaluates them.
enum TemplateOperators {
    /// Python's `==`: numbers compare by value across int, float and bool; containers by content.
    static func equal(_ a: TemplateValue, _ b: TemplateValue) -> Bool {
        switch (a, b) {
        case (.undefined, .undefined), (.none, .none): return true
        case (.string(let x), .string(let y)): return x.unicodeScalars.elementsEqual(y.unicodeScalars)
        case (.list(let x), .list(let y)): return x.count == y.count && zip(x, y).allSatisfy { equal($0, $1) }
        case (.dict(let x), .dict(let y)):
            return x.keys.count == y.keys.count && x.entries.allSatisfy { entry in y[entry.key].map { equal(entry.value, $0) } ?? false }
        case (.namespace(let x), .namespace(let y)): return x === y
        case (.callable(let x), .callable(let y)): return x === y
        default:
            if let x = a.integer, let y = b.integer { return x == y }
            if let x = a.number, let y = b.number { return x == y }
            return false
        }
    }

    /// Python's ordering: numbers, strings by code point, lists item by item.
    static func compare(_ a: TemplateValue, _ b: TemplateValue, symbol: String) throws -> Int {
        switch (a, b) {
        case (.string(let x), .string(let y)):
            let xs = x.unicodeScalars.map(\.value), ys = y.unicodeScalars.map(\.value)
            return xs == ys ? 0 : xs.lexicographicallyPrecedes(ys) ? -1 : 1
        case (.list(let x), .list(let y)):
            for (p, q) in zip(x, y) where !equal(p, q) { return try compare(p, q, symbol: symbol) }
            return x.count == y.count ? 0 : x.count < y.count ? -1 : 1
        default:
            if let x = a.integer, let y = b.integer { return x == y ? 0 : x < y ? -1 : 1 }
            if let x = a.number, let y = b.number { return x == y ? 0 : x < y ? -1 : 1 }
            try requireDefined(a, b)
            throw RenderFailure("'\(symbol)' not supported between instances of '\(a.typeName)' and '\(b.typeName)'")
        }
    }

    static func contains(_ container: TemplateValue, _ item: TemplateValue) throws -> Bool {
        switch container {
        case .undefined: return false
        case .string(let text):
            guard case .string(let part) = item else { throw RenderFailure("'in <string>' requires string as left operand, not \(item.typeName)") }
            return part.isEmpty || text.contains(part)
        case .list(let items): return items.contains { equal($0, item) }
        case .dict(let d):
            guard case .string(let key) = item else { return false }
            return d[key] != nil
        default: throw RenderFailure("argument of type '\(container.typeName)' is not iterable")
        }
    }

    /// Using an undefined value other than printing or testing it is an error naming it.
    static func requireDefined(_ values: TemplateValue...) throws {
        for case .undefined(let what) in values { throw RenderFailure(what) }
    }

    static func arithmetic(_ op: ArithmeticOperator, _ a: TemplateValue, _ b: TemplateValue) throws -> TemplateValue {
        if op == .concatenate { return .string(a.output + b.output) }
        try requireDefined(a, b)
        switch (op, a, b) {
        case (.add, .string(let x), .string(let y)): return .string(x + y)
        case (.add, .list(let x), .list(let y)): return .list(x + y)
        case (.multiply, .string(let s), _): if let n = b.integer { return .string(String(repeating: s, count: try repetitions(n, of: s.count))) }
        case (.multiply, _, .string(let s)): if let n = a.integer { return .string(String(repeating: s, count: try repetitions(n, of: s.count))) }
        case (.multiply, .list(let items), _): if let n = b.integer { return .list(Array(repeatElement(items, count: try repetitions(n, of: items.count)).joined())) }
        default: break
        }
        if let x = a.integer, let y = b.integer { return try integerArithmetic(op, x, y) }
        guard let x = a.number, let y = b.number else {
            throw RenderFailure("unsupported operand types for \(op.rawValue): '\(a.typeName)' and '\(b.typeName)'")
        }
        switch op {
        case .add: return .double(x + y)
        case .subtract: return .double(x - y)
        case .multiply: return .double(x * y)
        case .divide, .floorDivide, .modulo:
            guard y != 0 else { throw RenderFailure("float division by zero") }
            if op == .divide { return .double(x / y) }
            let quotient = (x / y).rounded(.down)
            return op == .floorDivide ? .double(quotient) : .double(x - quotient * y)
        case .power: return .double(Foundation.pow(x, y))
        case .concatenate: return .string(a.output + b.output)
        }
    }

    /// A repetition count for `text * n`, refusing results too large to hold.
    private static func repetitions(_ n: Int, of length: Int) throws -> Int {
        guard n <= 0 || length <= 10_000_000 / n else { throw RenderFailure("repeating \(length) items \(n) times makes more than 10 million") }
        return max(0, n)
    }

    private static func integerArithmetic(_ op: ArithmeticOperator, _ x: Int, _ y: Int) throws -> TemplateValue {
        func checked(_ result: (partialValue: Int, overflow: Bool)) throws -> Int {
            guard !result.overflow else { throw RenderFailure("integer overflow (PrefLab's integers are 64-bit)") }
            return result.partialValue
        }
        switch op {
        case .add: return .int(try checked(x.addingReportingOverflow(y)))
        case .subtract: return .int(try checked(x.subtractingReportingOverflow(y)))
        case .multiply: return .int(try checked(x.multipliedReportingOverflow(by: y)))
        case .divide:
            guard y != 0 else { throw RenderFailure("division by zero") }
            return .double(Double(x) / Double(y))
        case .floorDivide, .modulo:
            guard y != 0 else { throw RenderFailure("integer division or modulo by zero") }
            // Python rounds the quotient toward negative infinity, so the remainder takes y's sign.
            var quotient = x / y, remainder = x % y
            if remainder != 0, (remainder < 0) != (y < 0) {
                quotient -= 1
                remainder += y
            }
            return .int(op == .floorDivide ? quotient : remainder)
        case .power:
            guard y >= 0 else { return .double(Foundation.pow(Double(x), Double(y))) }
            // Squaring keeps the number of steps logarithmic in the exponent.
            var result = 1, base = x, exponent = y
            while exponent > 0 {
                if exponent & 1 == 1 { result = try checked(result.multipliedReportingOverflow(by: base))}
                exponent >>= 1
                if exponent > 0 { base = try checked(base.multipliedReportingOverflow(by: base))}
            }
            return .int(result)
        case .concatenate: return .string(String(x) + String(y))
        }
    }
}
