import Foundation
import OrderedCollections

extension Builtins {
    static let core: [Builtin] = [
        Builtin("print(*values)", topic: "core",
                doc: "Writes the values separated by spaces, then a new line. Strings print without quotes.",
                example: "print(\"loss\", 0.25)") { a in
            let values = try a.list("values")
            a.runtime.write(values.map(display).joined(separator: " ") + "\n")
            if let observer = a.runtime.plotPrinted {
                for case let figure? in values.map(\.figure) { observer(figure) }
            }
            return .nil
        },
        Builtin("len(x)", topic: "core",
                doc: "The number of items of a list, characters of a string, fields of a record, or rows of a tensor.",
                example: "len([1, 2, 3])") { a in
            switch try a["x"] {
            case .list(let items): return .number(Double(items.count))
            case .string(let s): return .number(Double(s.count))
            case .record(let fields): return .number(Double(fields.count))
            case .tensor(let t):
                guard t.rank > 0 else { throw BuiltinError("a scalar tensor has no length") }
                return .number(Double(t.shape[0]))
            case let other: throw BuiltinError("a \(other.typeName) has no length")
            }
        },
        Builtin("type(x)", topic: "core", doc: "The name of the value's type: number, bool, string, nil, list, record, tensor, function, or a handle's kind.",
                example: "type(1.5)") { a in .string(try a["x"].typeName) },
        Builtin("str(x)", topic: "core", doc: "The value as text, as print shows it.", example: "str(3) + \" steps\"") { a in
            .string(display(try a["x"]))
        },
        Builtin("range(start, end = nil, step = 1)", topic: "core",
                doc: "A list of whole numbers from start (inclusive) to end (exclusive) by step; range(n) counts from 0. `a..b` and `a..=b` are shorter.",
                example: "range(0, 10, 3)") { a in
            let (start, end) = try a.isNil("end") ? (0, try a.int("start")) : (try a.int("start"), try a.int("end"))
            let step = try a.int("step")
            guard step != 0 else { throw BuiltinError("step cannot be 0") }
            let count = wholeNumberCount(from: start, to: end, by: step)
            guard count <= maximumCollectionCount else {
                throw BuiltinError("from \(start) to \(end) by \(step) gives \(count) numbers, more than a list holds (\(maximumCollectionCount))")
            }
            // Every element lies between start and end, so it fits in Int even where i·step alone
            // would not; wrapping arithmetic, exact modulo 2⁶⁴, then gives it exactly.
            return .list((0..<Int(count)).map { .number(Double(start &+ $0 &* step)) })
        },
        Builtin("number(x)", topic: "core",
                doc: "A number from a string as Python's float reads it (\"3.5\", \"1e-5\", \"inf\"), or a number as it is: how a script reads a figure from args.",
                example: "number(\"3.5\") * 2") { a in
            .number(try a.numberText("x"))
        },
        Builtin("int(x)", topic: "core",
                doc: "A whole number from a string (\"3\", \"-12\", \"1e3\") or a number; a fraction is an error, never silently cut (round or floor first).",
                example: "int(\"3\") + 1") { a in
            let x = try a.numberText("x")
            guard x == x.rounded(), x.isFinite else { throw BuiltinError("\(repr(try a["x"])) is not a whole number; round(x) or floor(x) it first") }
            return .number(x)
        },
        Builtin("keys(record)", topic: "core", doc: "The field names of a record, in order.", example: "keys({lr: 1e-5, beta: 0.1})") { a in
            .list(try a.record("record").keys.map(Value.string))
        },
        Builtin("values(record)", topic: "core", doc: "The field values of a record, in order.", example: "values({lr: 1e-5, beta: 0.1})") { a in
            .list(Array(try a.record("record").values))
        },
        Builtin("sort(list, by = nil)", topic: "core", changesCopy: true,
                doc: "A new list in ascending order, stable (equal items keep their order). Items are all numbers or all strings; by: a function giving each item's key, as in sort(runs, by: fn(r) => r.loss). Lists are values: to sort a variable write xs = sort(xs).",
                example: "sort([\"ipo\", \"dpo\", \"kto\"])") { a in
            let items = try a.list("list")
            var keys = items
            if try !a.isNil("by") {
                let by = try a.function("by")
                keys = try items.map { try a.call(by, [$0]) }
            }
            return .list(try sortOrder(keys).map { items[$0] })
        },
        Builtin("zip(a, b)", topic: "core",
                doc: "Pairs the items of two lists: [[a0, b0], [a1, b1], …], as long as the shorter list.",
                example: "zip([1, 2], [3, 4])") { a in
            .list(zip(try a.list("a"), try a.list("b")).map { .list([$0, $1]) })
        },
        Builtin("enumerate(list)", topic: "core",
                doc: "Each item with its position: [[0, x0], [1, x1], …], for for-loops that need both.",
                example: "enumerate([\"dpo\", \"ipo\"])") { a in
            .list(try a.list("list").enumerated().map { .list([.number(Double($0)), $1]) })
        },
        Builtin("append(list, item)", topic: "core", changesCopy: true, doc: "A new list: the list with the item added at the end. Lists are values; to grow a variable write xs = append(xs, x) or xs = xs + [x].",
                example: "append([1, 2], 3)") { a in
            let items = try a.list("list")
            guard items.count < maximumCollectionCount else { throw BuiltinError("list longer than \(maximumCollectionCount) items") }
            return .list(items + [try a["item"]])
        },
        Builtin("map(list, f)", topic: "core", doc: "A new list of f applied to each item.", example: "map([1, 2, 3], fn(x) => x * x)") { a in
            let f = try a.function("f")
            return .list(try a.list("list").map { try a.call(f, [$0]) })
        },
        Builtin("filter(list, f)", topic: "core", doc: "The items for which f returns a true value.", example: "filter([1, 2, 3, 4], fn(x) => x % 2 == 0)") { a in
            let f = try a.function("f")
            return .list(try a.list("list").filter { try a.call(f, [$0]).isTruthy })
        },
        Builtin("round(x, digits = 0)", topic: "core", doc: "A number rounded to the given digits after the point (halves away from zero).", example: "round(3.14159, 2)") { a in
            let (x, digits) = (try a.number("x"), try a.int("digits"))
            guard x.isFinite else { return .number(x) }
            let scale = Foundation.pow(10, Double(digits))
            // Past Double's exponent range either every digit of x is kept or none is: x, or a signed 0.
            if scale == 0 { return .number(0 * x) }
            let scaled = x * scale
            guard scaled.isFinite else { return .number(x) }
            return .number(scaled.rounded() / scale)
        },
        Builtin("floor(x)", topic: "core", doc: "The largest whole number not above x.", example: "floor(2.7)") { a in .number(try a.number("x").rounded(.down)) },
        Builtin("ceil(x)", topic: "core", doc: "The smallest whole number not below x.", example: "ceil(2.1)") { a in .number(try a.number("x").rounded(.up)) },
        Builtin("error(message)", topic: "core", doc: "Stops the program with an error carrying the message.", example: "fn check(x) { if x < 0 { error(\"negative\") } else { x } }") { a in
            throw BuiltinError(try a.string("message"), namesBuiltin: false)
        },
    ]
}

/// The positions of `keys` in ascending order, equal keys in their original order. Keys are all
/// numbers (nan last) or all strings, ordered as `<` orders them.
private func sortOrder(_ keys: [Value]) throws -> [Int] {
    enum Kind: String { case number, string }
    func kind(_ value: Value) -> Kind? {
        switch value {
        case .number: .number
        case .string: .string
        default: nil
        }
    }
    guard let first = keys.first else { return [] }
    guard let expected = kind(first) else {
        throw BuiltinError("sorts numbers or strings, got a \(first.typeName) at position 0; give by: a function that returns a number or a string")
    }
    for (i, key) in keys.enumerated() where kind(key) != expected {
        throw BuiltinError("cannot order a \(key.typeName) (position \(i)) among \(expected.rawValue)s; the items (or the keys by: gives) must be all numbers or all strings")
    }
    func precedes(_ x: Value, _ y: Value) -> Bool {
        switch (x, y) {
        case (.number(let p), .number(let q)): p < q || (q.isNaN && !p.isNaN)
        case (.string(let p), .string(let q)): p < q
        default: false
        }
    }
    return keys.indices.sorted { i, j in
        precedes(keys[i], keys[j]) || (!precedes(keys[j], keys[i]) && i < j)
    }
}
