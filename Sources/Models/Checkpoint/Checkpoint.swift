import Foundation
import Tensor

/// The weights of a Hugging Face model directory: `model.safetensors.index.json` with its shards,
/// or `model.safetensors`, or the directory's other `*.safetensors` files.
public struct Checkpoint {
    public let directory: String
    /// Which file holds each tensor.
    public let files: [String: SafetensorsFile]
    /// The file errors about a tensor the checkpoint lacks should name: the index of a sharded
    /// checkpoint, its single safetensors file, or the directory when several files share it.
    public let source: String

    public init(directory: String) throws {
        self.directory = directory
        let manager = FileManager.default
        let index = directory + "/model.safetensors.index.json"
        var files: [String: SafetensorsFile] = [:]
        if manager.fileExists(atPath: index) {
            source = index
            guard let data = manager.contents(atPath: index) else { throw ModelError(file: index, "cannot read") }
            let json: Any
            do { json = try JSONSerialization.jsonObject(with: data) } catch { throw ModelError(file: index, "is not valid JSON") }
            guard let map = (json as? [String: Any])?["weight_map"] as? [String: Any] else {
                throw ModelError(file: index, "has no weight_map object")
            }
            var opened: [String: SafetensorsFile] = [:]
            for (tensor, value) in map {
                guard let shard = value as? String, !shard.contains("/") else {
                    throw ModelError(file: index, tensor: tensor, "weight_map must name a file in the same directory")
                }
                let path = directory + "/" + shard
                if opened[shard] == nil {
                    guard manager.fileExists(atPath: path) else { throw ModelError(file: index, tensor: tensor, "names shard \(shard), which is missing") }
                    opened[shard] = try SafetensorsFile(path: path)
                }
                guard let file = opened[shard], file.entries[tensor] != nil else {
                    throw ModelError(file: path, tensor: tensor, "the index places it here, but the file does not hold it")
                }
                files[tensor] = file
            }
        } else {
            let listed = (try? manager.contentsOfDirectory(atPath: directory)) ?? []
            let shards = listed.contains("model.safetensors") ? ["model.safetensors"] : listed.filter { $0.hasSuffix(".safetensors") }.sorted()
            guard !shards.isEmpty else { throw ModelError(file: directory, "holds no .safetensors file") }
            source = shards.count == 1 ? directory + "/" + shards[0] : directory
            for shard in shards {
                let file = try SafetensorsFile(path: directory + "/" + shard)
                for name in file.entries.keys {
                    if files[name] != nil { throw ModelError(file: file.path, tensor: name, "also appears in another shard") }
                    files[name] = file
                }
            }
        }
        self.files = files
    }

    public var names: [String] { files.keys.sorted() }

    public func tensor(_ name: String) throws -> Tensor {
        guard let file = files[name] else { throw ModelError(file: source, tensor: name, "missing from the checkpoint") }
        return try file.tensor(name)
    }

    /// The tensor `name`, which must have `shape`.
    public func tensor(_ name: String, shape: [Int]) throws -> Tensor {
        let value = try tensor(name)
        guard value.shape == shape else {
            throw ModelError(file: files[name]?.path ?? directory, tensor: name, "has shape \(value.shape), expected \(shape)")
        }
        return value
    }
}
