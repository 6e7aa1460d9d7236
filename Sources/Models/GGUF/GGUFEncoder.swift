/// Appends GGUF's little-endian fields to a byte buffer: the inverse of `GGUFCursor`.
struct GGUFEncoder {
    private(set) var bytes: [UInt8] = []

    mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func append(string: String) {
        append(UInt64(string.utf8.count))
        bytes.append(contentsOf: string.utf8)
    }

    /// Zero bytes up to the next multiple of `alignment`.
    mutating func pad(to alignment: Int) {
        bytes.append(contentsOf: repeatElement(0, count: (alignment - bytes.count % alignment) % alignment))
    }

    mutating func append(raw: some Sequence<UInt8>) { bytes.append(contentsOf: raw) }

    /// A value without its type id (arrays carry their element type and count).
    mutating func append(value: GGUFValue) {
        switch value {
        case .uint8(let x): append(x)
        case .int8(let x): append(x)
        case .uint16(let x): append(x)
        case .int16(let x): append(x)
        case .uint32(let x): append(x)
        case .int32(let x): append(x)
        case .uint64(let x): append(x)
        case .int64(let x): append(x)
        case .float32(let x): append(x.bitPattern)
        case .float64(let x): append(x.bitPattern)
        case .bool(let x): append(UInt8(x ? 1 : 0))
        case .string(let x): append(string: x)
        case .array(let elementType, let items):
            append(elementType.rawValue)
            append(UInt64(items.count))
            for item in items { append(value: item) }
        }
    }
}
