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
        Builtin("keys(record)", topic: "core", doc: "The field names of a record, in order.", example: "keys({lr: 1e-5, beta: 0.1})") { a in
            guard case .record(let fields) = try a["record"] else { throw BuiltinError("argument 'record' must be a record, got a \(try a["record"].typeName)") }
            return .list(fields.keys.map(Value.string))
        },
        Builtin("append(list, item)", topic: "core", doc: "A new list: the list with the item added at the end. Lists are values; to grow a variable write xs = append(xs, x).",
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
