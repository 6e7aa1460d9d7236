import Base
import Foundation
import Tensor

/// Writes GGUF version 3 files as gguf-py and ggml do, so llama.cpp loads them: metadata in the
/// order given, tensor infos with dims in ggml's order (the row-major shape reversed), the data
/// section at the alignment, each tensor at the running sum of padded sizes and zero-padded after,
/// the last one included. The file appears atomically (temporary file, fsync, rename).
public enum GGUFWriter {
    /// The types a tensor can be written as.
    public static let writableTypes: [GGUFTensorType] = [.f32, .f16, .q8_0]

    /// - Parameters:
    ///   - metadata: keys and values in file order; their integer widths are written as given, since
    ///     llama.cpp checks them strictly. `general.alignment` (uint32, a power of two) sets the alignment.
    ///   - tensors: names, values (any shape of rank 0 to 4) and storage types (`writableTypes`).
    public static func write(metadata: [(key: String, value: GGUFValue)],
                             tensors: [(name: String, tensor: Tensor, type: GGUFTensorType)], to path: String) throws {
        let alignment = try checkMetadata(metadata, path: path)
        var encoder = GGUFEncoder()
        encoder.append(GGUFFile.magic)
        encoder.append(UInt32(3))
        encoder.append(UInt64(tensors.count))
        encoder.append(UInt64(metadata.count))
        for (key, value) in metadata {
            encoder.append(string: key)
            encoder.append(value.type.rawValue)
            encoder.append(value: value)
        }
        var names = Set<String>()
        var offset = 0
        for (name, tensor, type) in tensors {
            try check(name, tensor, type, path: path)
            guard names.insert(name).inserted else { throw ModelError(file: path, tensor: name, "appears twice; tensor names must be unique") }
            let dimensions = tensor.rank == 0 ? [1] : tensor.shape.reversed()
            encoder.append(string: name)
            encoder.append(UInt32(dimensions.count))
            for extent in dimensions { encoder.append(UInt64(extent)) }
            encoder.append(type.id)
            encoder.append(UInt64(offset))
            let size = tensor.count / type.blockElements * type.blockBytes
            offset += size + (alignment - size % alignment) % alignment
        }
        encoder.pad(to: alignment)
        do {
            // Streamed a tensor at a time: a model is never whole in memory twice. Each tensor
            // starts aligned, so padding its own bytes to the alignment pads the file.
            try AtomicWrite.write(to: path) { append in
                try encoder.bytes.withUnsafeBytes { try append($0) }
                for (_, tensor, type) in tensors {
                    var block = GGUFEncoder()
                    switch type {
                    case .f16: tensor.f16Bits().withUnsafeBytes { block.append(raw: $0) }
                    case .q8_0: tensor.scalars.withUnsafeBufferPointer { Q8_0Encoding.append($0.baseAddress!, count: $0.count, to: &block) }
                    default: tensor.scalars.withUnsafeBytes { block.append(raw: $0) }
                    }
                    block.pad(to: alignment)
                    try block.bytes.withUnsafeBytes { try append($0) }
                }
            }
        } catch let error as PlaceError {
            throw ModelError(file: path, error.message)
        }
    }

    /// The alignment, after checking the metadata is what ggml reads back.
    private static func checkMetadata(_ metadata: [(key: String, value: GGUFValue)], path: String) throws -> Int {
        var keys = Set<String>()
        var alignment = GGUFFile.defaultAlignment
        for (key, value) in metadata {
            guard !key.isEmpty else { throw ModelError(file: path, "a metadata key is empty") }
            guard keys.insert(key).inserted else { throw ModelError(file: path, "metadata key '\(key)' appears twice") }
            if case .array(let elementType, let items) = value {
                guard elementType != .array else { throw ModelError(file: path, "metadata '\(key)' is a nested array, which ggml refuses to read") }
                guard items.allSatisfy({ $0.type == elementType }) else {
                    throw ModelError(file: path, "metadata '\(key)' is an array of \(elementType) holding other types")
                }
            }
            if key == "general.alignment" {
                guard case .uint32(let value) = value, value != 0, value & (value - 1) == 0 else {
                    throw ModelError(file: path, "general.alignment must be a uint32 power of two")
                }
                alignment = Int(value)
            }
        }
        return alignment
    }

    private static func check(_ name: String, _ tensor: Tensor, _ type: GGUFTensorType, path: String) throws {
        guard !name.isEmpty, name.utf8.count <= GGUFLimits.nameBytes else {
            throw ModelError(file: path, tensor: name, "names must have 1 to \(GGUFLimits.nameBytes) bytes")
        }
        guard writableTypes.contains(type) else {
            throw ModelError(file: path, tensor: name, "cannot be written as \(type.name); PrefLab writes \(writableTypes.map(\.name).joined(separator: ", "))")
        }
        guard tensor.rank <= GGUFLimits.dimensions, tensor.count > 0 else {
            throw ModelError(file: path, tensor: name, "has shape \(tensor.shape); GGUF holds non-empty tensors of at most \(GGUFLimits.dimensions) dimensions")
        }
        let rowLength = tensor.shape.last ?? 1
        guard rowLength % type.blockElements == 0 else {
            throw ModelError(file: path, tensor: name, "has rows of \(rowLength) values; \(type.name) needs a multiple of \(type.blockElements)")
        }
    }
}
