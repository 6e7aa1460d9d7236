/// A GGUF metadata value, as the file stores it (docs/models.md, GGUF files).
/// Integer widths are kept so a written file has the types llama.cpp checks strictly.
public indirect enum GGUFValue: Equatable, Sendable {
    case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16), uint32(UInt32), int32(Int32)
    case uint64(UInt64), int64(Int64), float32(Float), float64(Double), bool(Bool), string(String)
    /// Elements of one type (`elementType`), possibly arrays themselves.
    case array(elementType: GGUFValueType, [GGUFValue])

    public var type: GGUFValueType {
        switch self {
        case .uint8: .uint8
        case .int8: .int8
        case .uint16: .uint16
        case .int16: .int16
        case .uint32: .uint32
        case .int32: .int32
        case .uint64: .uint64
        case .int64: .int64
        case .float32: .float32
        case .float64: .float64
        case .bool: .bool
        case .string: .string
        case .array: .array
        }
    }

    /// Any integer type as an Int (real files use u32 where the spec suggests u64); nil otherwise.
    public var int: Int? {
        switch self {
        case .uint8(let x): Int(x)
        case .int8(let x): Int(x)
        case .uint16(let x): Int(x)
        case .int16(let x): Int(x)
        case .uint32(let x): Int(x)
        case .int32(let x): Int(x)
        case .uint64(let x): Int(exactly: x)
        case .int64(let x): Int(x)
        default: nil
        }
    }

    /// Either float type, or an integer, as a Double.
    public var double: Double? {
        switch self {
        case .float32(let x): Double(x)
        case .float64(let x): x
        default: int.map(Double.init)
        }
    }

    public var bool: Bool? { if case .bool(let x) = self { x } else { nil } }
    public var string: String? { if case .string(let x) = self { x } else { nil } }
    public var array: [GGUFValue]? { if case .array(_, let items) = self { items } else { nil } }
}

/// The value type ids of the format.
public enum GGUFValueType: UInt32, Sendable, CaseIterable {
    case uint8 = 0, int8 = 1, uint16 = 2, int16 = 3, uint32 = 4, int32 = 5, float32 = 6, bool = 7, string = 8, array = 9
    case uint64 = 10, int64 = 11, float64 = 12

    /// Bytes of one value of a fixed-size type; nil for strings and arrays.
    public var fixedSize: Int? {
        switch self {
        case .uint8, .int8, .bool: 1
        case .uint16, .int16: 2
        case .uint32, .int32, .float32: 4
        case .uint64, .int64, .float64: 8
        case .string, .array: nil
        }
    }
}
