import Base

/// A GGUF file (versions 2 and 3), mapped: its metadata in file order and its tensors' records.
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
        tensorRecords = try (0..<tensorCount).map { i in try GGUFTensorRecord(&cursor, index: i) }
        infosEnd = cursor.offset
    }

    /// The tensor-info records in file order.
    public let tensorRecords: [GGUFTensorRecord]

    public subscript(key: String) -> GGUFValue? { index[key].map { metadata[$0].value } }
}

/// One tensor-info record as the file states it; `GGUFFile` checks it against the file.
public struct GGUFTensorRecord: Sendable {
    public let name: String
    /// ggml's `ne`: fastest-varying first. `shape` is the row-major order.
    public let dimensions: [Int]
    public let typeId: UInt32
    /// From the start of the data section.
    public let offset: UInt64

    public var shape: [Int] { dimensions.reversed() }

    init(_ cursor: inout GGUFCursor, index: Int) throws {
        let name = try cursor.string("the name of tensor \(index)")
        self.name = name
        let file = cursor.file
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
        typeId = try cursor.read(UInt32.self, "the type of tensor '\(name)'")
        offset = try cursor.read(UInt64.self, "the offset of tensor '\(name)'")
    }
}
