import Base
import OrderedCollections
import Tensor

/// One position of an index expression, evaluated.
enum IndexValue {
    case single(Value)
    case slice(start: Int?, end: Int?, step: Int)
}

enum IndexNode {
    case single(Node)
    case slice(start: Node?, end: Node?, step: Node?)
}

/// `target[i, a:b:c]` on lists, strings, records and tensors.
final class Index: Node {
    let target: Node, items: [IndexNode]
    init(_ target: Node, _ items: [IndexNode], _ span: Span, _ source: Source) {
        (self.target, self.items) = (target, items)
        super.init(span, source)
    }

    func evaluateItems(_ frame: Frame, _ rt: Runtime) throws -> [IndexValue] {
        func bound(_ node: Node?) throws -> Int? {
            guard let node else { return nil }
            switch try node.eval(frame, rt) {
            case .nil: return nil
            case .number(let x):
                guard let i = Int(exactly: x) else { throw fail("slice bounds must be whole numbers, got \(format(x))") }
                return i
            case let other: throw fail("slice bounds must be numbers, got a \(other.typeName)")
            }
        }
        return try items.map { item in
            switch item {
            case .single(let node): return .single(try node.eval(frame, rt))
            case .slice(let start, let end, let step):
                let stride = try bound(step) ?? 1
                guard stride != 0, stride != Int.min else { throw fail("slice step cannot be \(stride)") }
                return .slice(start: try bound(start), end: try bound(end), step: stride)
            }
        }
    }

    override func eval(_ frame: Frame, _ rt: Runtime) throws -> Value {
        let value = try target.eval(frame, rt)
        let positions = try evaluateItems(frame, rt)
        do {
            return try read(value, positions)
        } catch let error as TensorError {
            // The user wrote x[…], not select or slice: keep the message, drop the Swift op's name
            // (as list indexing errors read).
            throw fail(["select", "slice", "element"].contains(error.op) ? error.message : error.description)
        }
    }

    func read(_ value: Value, _ positions: [IndexValue]) throws -> Value {
        switch value {
        case .tensor(let t): return .tensor(try index(t, positions))
        case .list(let items):
            guard positions.count == 1 else { throw fail("a list takes one index, got \(positions.count)") }
            return try pick(items, positions[0]) { items in .list(items) }
        case .string(let text):
            guard positions.count == 1 else { throw fail("a string takes one index, got \(positions.count)") }
            let characters = text.map { Value.string(String($0)) }
            return try pick(characters, positions[0]) { items in
                .string(items.map { if case .string(let s) = $0 { s } else { "" } }.joined())
            }
        case .record(let fields):
            guard positions.count == 1, case .single(.string(let key)) = positions[0] else {
                throw fail("a record is indexed by one field name (a string)")
            }
            guard let field = fields[key] else { throw fail(missingField(key, in: fields)) }
            return field
        default:
            throw fail("cannot index a \(value.typeName)")
        }
    }

    /// One element, or a sub-sequence for a slice, with Python's rules.
    private func pick(_ items: [Value], _ position: IndexValue, _ rebuild: ([Value]) -> Value) throws -> Value {
        switch position {
        case .single(let v):
            guard case .number(let x) = v, let i = Int(exactly: x) else { throw fail("an index must be a whole number, got \(repr(v))") }
            let resolved = i < 0 ? i + items.count : i
            guard resolved >= 0, resolved < items.count else {
                throw fail("index \(i) is out of range for length \(items.count)")
            }
            return items[resolved]
        case .slice(let start, let end, let step):
            let (first, count) = try Tensor.slicePositions(extent: items.count, start: start, end: end, step: step)
            return rebuild((0..<count).map { items[first + $0 * step] })
        }
    }

    private func index(_ t: Tensor, _ positions: [IndexValue]) throws -> Tensor {
        guard positions.count <= t.rank else {
            throw fail("too many indices (\(positions.count)) for a tensor of shape \(t.shape)")
        }
        var result = t
        var axis = 0
        for position in positions {
            switch position {
            case .single(let v):
                guard case .number(let x) = v, let i = Int(exactly: x) else {
                    throw fail("a tensor index must be a whole number or a slice, got \(repr(v))")
                }
                result = try result.select(axis: axis, index: i)
            case .slice(let start, let end, let step):
                result = try result.slice(axis: axis, start: start, end: end, step: step)
                axis += 1
            }
        }
        return result
    }
}

/// A record lacks `name`: the nearest field when one is close, else every field it has.
func missingField(_ name: String, in fields: OrderedDictionary<String, Value>) -> String {
    let suggestion = didYouMean(name, in: Array(fields.keys))
    guard suggestion.isEmpty else { return "record has no field '\(name)'" + suggestion }
    return "record has no field '\(name)'; it has " + (fields.isEmpty ? "no fields" : fields.keys.map { "'\($0)'" }.joined(separator: ", "))
}

/// `target.name`: a record field, or a property of a tensor, list, string or handle.
final class Field: Node {
    let target: Node, name: String
    init(_ target: Node, _ name: String, _ span: Span, _ source: Source) {
        (self.target, self.name) = (target, name)
        super.init(span, source)
    }
    override func eval(_ frame: Frame, _ rt: Runtime) throws -> Value {
        let value = try target.eval(frame, rt)
        if let found = try Field.property(name, of: value) { return found }
        if case .record(let fields) = value { throw fail(missingField(name, in: fields)) }
        let suggestion = didYouMean(name, in: Field.propertyNames(of: value))
        if suggestion.isEmpty, Builtins.table[name] != nil { throw fail("a \(value.typeName) has no property '\(name)'; to call the function write .\(name)()") }
        throw fail("a \(value.typeName) has no property '\(name)'" + suggestion)
    }

    private enum TensorProperty: String, CaseIterable {
        case shape, rank, numel, grad, requiresGrad = "requires_grad", T
    }

    /// What lists and strings have.
    private enum SequenceProperty: String, CaseIterable {
        case length
    }

    /// The field or property `name` of `value`; nil when it has none.
    static func property(_ name: String, of value: Value) throws -> Value? {
        switch value {
        case .record(let fields): return fields[name]
        case .tensor(let t):
            switch TensorProperty(rawValue: name) {
            case .shape: return .list(t.shape.map { .number(Double($0)) })
            case .rank: return .number(Double(t.rank))
            case .numel: return .number(Double(t.count))
            case .grad: return t.grad.map(Value.tensor) ?? .nil
            case .requiresGrad: return .bool(t.requiresGrad)
            case .T: return .tensor(t.rank < 2 ? t : try t.transposed())
            case nil: return nil
            }
        case .list(let items): return SequenceProperty(rawValue: name).map { _ in .number(Double(items.count)) }
        case .string(let text): return SequenceProperty(rawValue: name).map { _ in .number(Double(text.count)) }
        case .handle(let handle): return handle.property(name)
        default: return nil
        }
    }

    /// The names `property(_:of:)` answers for `value`.
    static func propertyNames(of value: Value) -> [String] {
        switch value {
        case .record(let fields): return Array(fields.keys)
        case .tensor: return TensorProperty.allCases.map(\.rawValue)
        case .list, .string: return SequenceProperty.allCases.map(\.rawValue)
        case .handle(let handle): return handle.propertyNames
        default: return []
        }
    }
}

/// Assignment to a variable, a record field or a list element: evaluates the value, then
/// hands it to `store`, which the compiler builds from the target so that nested targets
/// (`r.items[0].x = 1`) rebuild each container and store it back through its own place.
/// Lists and records are values: assignment changes the variable, not other copies.
final class Assign: Node {
    let value: Node
    let store: (Value, Frame, Runtime) throws -> Void
    init(value: Node, store: @escaping (Value, Frame, Runtime) throws -> Void, _ span: Span, _ source: Source) {
        (self.value, self.store) = (value, store)
        super.init(span, source)
    }
    override func eval(_ frame: Frame, _ rt: Runtime) throws -> Value {
        try store(try value.eval(frame, rt), frame, rt)
        return .nil
    }
}

extension Index {
    /// This index's container with `newValue` stored at the index.
    func updated(with newValue: Value, _ frame: Frame, _ rt: Runtime) throws -> Value {
        let container = try target.eval(frame, rt)
        let positions = try evaluateItems(frame, rt)
        guard positions.count == 1, case .single(let key) = positions[0] else {
            if case .tensor = container { throw tensorsAreImmutable() }
            throw fail("assignment takes a single index, not a slice")
        }
        switch (container, key) {
        case (.list(var items), .number(let x)):
            guard let i = Int(exactly: x), (i < 0 ? i + items.count : i) >= 0, (i < 0 ? i + items.count : i) < items.count else {
                throw fail("index \(format(x)) is out of range for length \(items.count)")
            }
            items[i < 0 ? i + items.count : i] = newValue
            return .list(items)
        case (.record(var fields), .string(let name)):
            fields[name] = newValue
            return .record(fields)
        case (.tensor, _):
            throw tensorsAreImmutable()
        default:
            throw fail("cannot assign into a \(container.typeName) at index \(repr(key))")
        }
    }

    private func tensorsAreImmutable() -> LangError {
        fail("tensors cannot be changed in place; build a new one with where(), masked_fill() or concat()")
    }
}

extension Field {
    /// This field's record with `newValue` in the field.
    func updated(with newValue: Value, _ frame: Frame, _ rt: Runtime) throws -> Value {
        guard case .record(var fields) = try target.eval(frame, rt) else {
            throw fail("only record fields can be assigned")
        }
        fields[name] = newValue
        return .record(fields)
    }
}
