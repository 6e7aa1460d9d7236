import Base
import Tensor

/// A GGUF file (versions 2 and 3), mapped: its metadata in file order and its tensors' records,
/// all checked against the file when it opens, so reading a tensor can only decode it.
public final class GGUFFile {
    public let path: String
    public let version: UInt32
    /// Metadata keys and values in file order (writers keep that order).
    public let metadata: [(key: String, value: GGUFValue)]
    private let index: [String: Int]
    let file: MappedFile
    /// Where each tensor-info record ends: the data section starts at the next alignment.
    let infosEnd: Int

    public static let magic: UInt32 = 0x4655_4747

    public init(path: String) throws {
        self.path = path
        do { file = try MappedFile(path: path) } catch let error as PlaceError { throw ModelError(file: path, error.message) }
        var cursor = GGUFCursor(file.bytes, file: path)
        let magic = try cursor.read(UInt32.self, "the magic number")
        guard magic == Self.magic else { throw ModelError(file: path, "is not a GGUF file (it does not start with \"GGUF\")") }
        version = try cursor.read(UInt32.self, "the version")
        guard version & 0xFFFF != 0 else { throw ModelError(file: path, "is a big-endian GGUF file; PrefLab reads little-endian files") }
        guard version == 2 || version == 3 else {
            throw ModelError(file: path, "is GGUF version \(version); PrefLab reads versions 2 and 3" + (version == 1 ? " (convert it again with a current llama.cpp)" : ""))
        }
        let tensorCount = try cursor.count("the tensor count", limit: GGUFLimits.tensors)
        let keyCount = try cursor.count("the metadata count", limit: GGUFLimits.keys)
        var metadata: [(key: String, value: GGUFValue)] = []
        var index: [String: Int] = [:]
        for i in 0..<keyCount {
            let key = try cursor.string("metadata key \(i)")
            guard !key.isEmpty else { throw ModelError(file: path, "metadata key \(i) is empty") }
            guard index[key] == nil else { throw ModelError(file: path, "metadata key '\(key)' appears twice") }
            let type = try cursor.valueType("metadata '\(key)'")
            index[key] = metadata.count
            metadata.append((key, try cursor.value(type, "metadata '\(key)'")))
        }
        self.metadata = metadata
        self.index = index
        let records = try (0..<tensorCount).map { i in try GGUFTensorRecord(&cursor, index: i, file: path) }
        tensorRecords = records
        infosEnd = cursor.offset
        alignment = try Self.alignment(index["general.alignment"].map { metadata[$0].value }, file: path)
        dataStart = infosEnd + (alignment - infosEnd % alignment) % alignment
        tensorIndex = try GGUFPlacement.check(records, dataStart: dataStart, alignment: alignment, fileSize: file.bytes.count, file: path)
    }

    /// The tensor-info records in file order.
    public let tensorRecords: [GGUFTensorRecord]
    private let tensorIndex: [String: Int]

    /// `general.alignment`: tensors start at multiples of it within the data section.
    public let alignment: Int
    /// Where the data section starts: the end of the tensor infos, rounded up to `alignment`.
    public let dataStart: Int

    /// The default when the file has no `general.alignment`.
    public static let defaultAlignment = 32

    public subscript(key: String) -> GGUFValue? { index[key].map { metadata[$0].value } }

    /// Tensor names in file order.
    public var tensorNames: [String] { tensorRecords.map(\.name) }

    public func record(named name: String) -> GGUFTensorRecord? { tensorIndex[name].map { tensorRecords[$0] } }

    /// The tensor `name` decoded to Float32, in its row-major shape.
    public func tensor(named name: String) throws -> Tensor {
        guard let record = record(named: name) else { throw ModelError(file: path, tensor: name, "no such tensor in this file") }
        let start = dataStart + Int(record.offset)
        do {
            return try record.type.decode(UnsafeRawBufferPointer(rebasing: file.bytes[start..<(start + record.byteCount)]),
                                          shape: record.shape)
        } catch let error as TensorError {
            throw ModelError(file: path, tensor: name, error.message)
        }
    }

    /// The alignment the file declares, which ggml requires to be a UINT32 power of two.
    private static func alignment(_ declared: GGUFValue?, file: String) throws -> Int {
        guard let declared else { return defaultAlignment }
        guard case .uint32(let value) = declared else {
            throw ModelError(file: file, "general.alignment is of type \(declared.type), but GGUF readers require uint32")
        }
        guard value != 0, value & (value - 1) == 0 else {
            throw ModelError(file: file, "general.alignment is \(value), but it must be a power of two")
        }
        return Int(value)
    }
}

/// One tensor-info record, checked on its own: a type PrefLab reads, whole blocks per row, and
/// sizes that fit in an Int. `GGUFFile` checks the records against the file and one another.
public struct GGUFTensorRecord: Sendable {
    public let name: String
    /// ggml's `ne`: fastest-varying first. `shape` is the row-major order.
    public let dimensions: [Int]
    public let type: GGUFTensorType
    /// From the start of the data section.
    public let offset: UInt64
    public let elementCount: Int
    /// The bytes of its data, without the padding that follows it.
    public let byteCount: Int

    public var shape: [Int] { dimensions.reversed() }
    public var typeId: UInt32 { type.id }

    init(_ cursor: inout GGUFCursor, index: Int, file: String) throws {
        let name = try cursor.string("the name of tensor \(index)")
        self.name = name
        guard name.utf8.count <= GGUFLimits.nameBytes else {
            throw ModelError(file: file, tensor: name, "has a \(name.utf8.count)-byte name; ggml allows at most \(GGUFLimits.nameBytes) bytes")
        }
        let count = Int(try cursor.read(UInt32.self, "the dimension count of tensor '\(name)'"))
        guard (1...GGUFLimits.dimensions).contains(count) else {
            throw ModelError(file: file, tensor: name, "has \(count) dimensions; GGUF tensors have 1 to \(GGUFLimits.dimensions)")
        }
        var dimensions: [Int] = []
        for d in 0..<count {
            let extent = try cursor.read(UInt64.self, "dimension \(d) of tensor '\(name)'")
            guard extent >= 1, extent <= UInt64(Int32.max) else {
                throw ModelError(file: file, tensor: name, "dimension \(d) is \(extent); each must be between 1 and \(Int32.max)")
            }
            dimensions.append(Int(extent))
        }
        self.dimensions = dimensions
        let type = try GGUFTensorType.resolve(try cursor.read(UInt32.self, "the type of tensor '\(name)'"), file: file, tensor: name)
        self.type = type
        offset = try cursor.read(UInt64.self, "the offset of tensor '\(name)'")
        guard dimensions[0] % type.blockElements == 0 else {
            throw ModelError(file: file, tensor: name, "has rows of \(dimensions[0]) elements, not a multiple of \(type.name)'s block of \(type.blockElements)")
        }
        var elements = 1, bytes = dimensions[0] / type.blockElements * type.blockBytes
        for extent in dimensions {
            let (product, overflow) = elements.multipliedReportingOverflow(by: extent)
            guard !overflow else { throw ModelError(file: file, tensor: name, "dimensions \(dimensions) hold more elements than a tensor can") }
            elements = product
        }
        for extent in dimensions.dropFirst() {
            let (product, overflow) = bytes.multipliedReportingOverflow(by: extent)
            guard !overflow else { throw ModelError(file: file, tensor: name, "dimensions \(dimensions) need more bytes than a file can hold") }
            bytes = product
        }
        elementCount = elements
        byteCount = bytes
    }
}
