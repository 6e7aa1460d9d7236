/// Reads GGUF's little-endian fields one after another from a mapped file, each read checked
/// against the end, so a truncated or lying file is an error naming what was being read.
struct GGUFCursor {
    let bytes: UnsafeRawBufferPointer
    let file: String
    private(set) var offset = 0

    init(_ bytes: UnsafeRawBufferPointer, file: String) {
        self.bytes = bytes
        self.file = file
    }

    /// `count` bytes starting at the cursor; `what` names the field in the error.
    mutating func take(_ count: Int, _ what: @autoclosure () -> String) throws -> UnsafeRawBufferPointer {
        guard count >= 0, count <= bytes.count - offset else {
            throw ModelError(file: file, "ends inside \(what()) (at byte \(offset), needs \(count) more, the file has \(bytes.count))")
        }
        defer { offset += count }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
    }

    mutating func read<T: FixedWidthInteger>(_ type: T.Type, _ what: @autoclosure () -> String) throws -> T {
        T(littleEndian: try take(MemoryLayout<T>.size, what()).loadUnaligned(as: T.self))
    }

    /// A count the file declares, refused above `limit` before anything is allocated for it.
    mutating func count(_ what: @autoclosure () -> String, limit: Int) throws -> Int {
        let value = try read(UInt64.self, what())
        guard value <= UInt64(limit) else { throw ModelError(file: file, "\(what()) is \(value), more than the \(limit) a GGUF reader accepts") }
        return Int(value)
    }

    mutating func string(_ what: @autoclosure () -> String) throws -> String {
        let length = try count("the length of \(what())", limit: GGUFLimits.stringBytes)
        let raw = try take(length, what())
        guard let text = String(validating: raw, as: UTF8.self) else { throw ModelError(file: file, "\(what()) is not valid UTF-8") }
        return text
    }

    mutating func value(_ type: GGUFValueType, _ what: @autoclosure () -> String, depth: Int = 0) throws -> GGUFValue {
        switch type {
        case .uint8: return .uint8(try read(UInt8.self, what()))
        case .int8: return .int8(try read(Int8.self, what()))
        case .uint16: return .uint16(try read(UInt16.self, what()))
        case .int16: return .int16(try read(Int16.self, what()))
        case .uint32: return .uint32(try read(UInt32.self, what()))
        case .int32: return .int32(try read(Int32.self, what()))
        case .uint64: return .uint64(try read(UInt64.self, what()))
        case .int64: return .int64(try read(Int64.self, what()))
        case .float32: return .float32(Float(bitPattern: try read(UInt32.self, what())))
        case .float64: return .float64(Double(bitPattern: try read(UInt64.self, what())))
        case .bool: return .bool(try read(UInt8.self, what()) != 0)
        case .string: return .string(try string(what()))
        case .array:
            guard depth < GGUFLimits.arrayNesting else { throw ModelError(file: file, "\(what()) nests arrays more than \(GGUFLimits.arrayNesting) deep") }
            let elementType = try valueType(what())
            let count = try self.count("the element count of \(what())", limit: GGUFLimits.arrayElements)
            // A count larger than the bytes left is a lie; refuse it before reserving memory.
            if let size = elementType.fixedSize, count > (bytes.count - offset) / size {
                throw ModelError(file: file, "\(what()) claims \(count) elements, more than the file holds")
            }
            var items: [GGUFValue] = []
            items.reserveCapacity(Swift.min(count, bytes.count - offset))
            for i in 0..<count { items.append(try value(elementType, "\(what())[\(i)]", depth: depth + 1)) }
            return .array(elementType: elementType, items)
        }
    }

    mutating func valueType(_ what: @autoclosure () -> String) throws -> GGUFValueType {
        let id = try read(UInt32.self, "the type of \(what())")
        guard let type = GGUFValueType(rawValue: id) else { throw ModelError(file: file, "\(what()) has unknown value type \(id)") }
        return type
    }
}

/// The reader's sanity limits, ggml's: larger values are corrupt files, not models.
enum GGUFLimits {
    static let stringBytes = 1 << 30
    static let arrayElements = 1 << 30
    static let arrayNesting = 8
    static let keys = 1 << 20
    static let tensors = 1 << 20
    static let dimensions = 4
    static let nameBytes = 63
}
