import OrderedCollections
import Tensor

/// A value of the PrefLab language.
public enum Value {
    case number(Double)
    case bool(Bool)
    case string(String)
    case `nil`
    case list([Value])
    case record(OrderedDictionary<String, Value>)
    indirect case tensor(Tensor)
    case function(Closure)
    case builtin(Builtin)
    /// An object of a later layer (model, tokenizer, dataset, run, plot).
    case handle(Handle)

    /// The type's name as `type(x)` reports it and error messages use it.
    public var typeName: String {
        switch self {
        case .number: "number"
        case .bool: "bool"
        case .string: "string"
        case .nil: "nil"
        case .list: "list"
        case .record: "record"
        case .tensor: "tensor"
        case .function, .builtin: "function"
        case .handle(let handle): handle.kind
        }
    }

    /// nil and false are false; every other value is true.
    var isTruthy: Bool {
        switch self {
        case .nil: false
        case .bool(let value): value
        default: true
        }
    }
}

/// An object owned by a later layer, shown to the language by kind and summary.
open class Handle {
    public let kind: String
    public init(kind: String) { self.kind = kind }
    /// One line describing the object, for printing.
    open var summary: String { "<\(kind)>" }
    /// Named properties readable as `handle.name`.
    open func property(_ name: String) -> Value? { nil }
    /// The names `property` answers, in the order completion offers them.
    open var propertyNames: [String] { [] }
}

/// A user function with the frame it was defined in.
public final class Closure {
    let function: CompiledFunction
    let frame: Frame

    init(function: CompiledFunction, frame: Frame) {
        self.function = function
        self.frame = frame
    }
}
