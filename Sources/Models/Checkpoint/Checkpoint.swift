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
        if manager.fileExists(atPath: index) {
            source = index
            files = try Self.shards(listedIn: index, directory: directory)
            return
        }
        let listed = (try? manager.contentsOfDirectory(atPath: directory)) ?? []
        let shards = listed.contains("model.safetensors") ? ["model.safetensors"] : listed.filter { $0.hasSuffix(".safetensors") }.sorted()
        guard !shards.isEmpty else { throw ModelError(file: directory, "holds no .safetensors file") }
        source = shards.count == 1 ? directory + "/" + shards[0] : directory
        files = try Self.uniqueHolders(try shards.map { try SafetensorsFile(path: directory + "/" + $0) })
    }

    /// The shards `index` names, opened, each holding the tensors the index places in it.
    /// Tensors are visited in name order so that, of several faults, the same one is reported
    /// every time.
    private static func shards(listedIn index: String, directory: String) throws -> [String: SafetensorsFile] {
        guard let data = FileManager.default.contents(atPath: index) else { throw ModelError(file: index, "cannot read") }
        let json: Any
        do { json = try JSONSerialization.jsonObject(with: data) } catch { throw ModelError(file: index, "is not valid JSON") }
        guard let map = (json as? [String: Any])?["weight_map"] as? [String: Any] else {
            throw ModelError(file: index, "has no weight_map object")
        }
        var opened: [String: SafetensorsFile] = [:]
        var files: [String: SafetensorsFile] = [:]
        for tensor in map.keys.sorted() {
            guard let shard = map[tensor] as? String else {
                throw ModelError(file: index, tensor: tensor, "weight_map must map it to a file name")
            }
            // A name with a path in it could make the index read any file on the machine.
            guard !shard.isEmpty, shard != ".", shard != "..", !shard.contains("/"), !shard.contains("\0") else {
                throw ModelError(file: index, tensor: tensor, "weight_map names '\(shard)', which is not a file in the checkpoint's directory")
            }
            let path = directory + "/" + shard
            if opened[shard] == nil {
                guard FileManager.default.fileExists(atPath: path) else {
                    throw ModelError(file: index, tensor: tensor, "names shard \(shard), which is missing from \(directory)")
                }
                opened[shard] = try SafetensorsFile(path: path)
            }
            guard let file = opened[shard], file.entries[tensor] != nil else {
                throw ModelError(file: path, tensor: tensor, "the index places it here, but the file does not hold it")
            }
            files[tensor] = file
        }
        // Which copy a loader would take is unspecified, so a tensor two shards hold is refused
        // even when the index picks one of them.
        _ = try uniqueHolders(opened.keys.sorted().compactMap { opened[$0] })
        return files
    }

    /// Every tensor of `shards` with the file holding it; a tensor in two files is an error naming both.
    private static func uniqueHolders(_ shards: [SafetensorsFile]) throws -> [String: SafetensorsFile] {
        var files: [String: SafetensorsFile] = [:]
        for file in shards {
            for name in file.entries.keys.sorted() {
                if let earlier = files[name] {
                    throw ModelError(file: file.path, tensor: name, "also appears in \(earlier.path); a tensor must be in one shard only")
                }
                files[name] = file
            }
        }
        return files
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
