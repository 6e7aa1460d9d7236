import Foundation
import Testing
@testable import Models
@testable import Tensor

/// Broken copies of the twelve-shard Qwen2 fixture, one fault each: every fault is refused with
/// the file and the tensor named, by `Checkpoint` and so by `TransformerModel.load`.
@Suite struct ShardedCheckpointTests {
    static let source = fixtures + "/models/qwen2_sharded"
    static let indexName = "model.safetensors.index.json"

    /// A fresh copy of the fixture and its weight_map.
    func copy() throws -> (directory: String, weightMap: [String: String]) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sharded-\(UUID().uuidString)").path
        try FileManager.default.copyItem(atPath: Self.source, toPath: directory)
        let data = try #require(FileManager.default.contents(atPath: directory + "/" + Self.indexName))
        let index = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return (directory, try #require(index["weight_map"] as? [String: String]))
    }

    func writeIndex(_ weightMap: [String: String], in directory: String) throws {
        let data = try JSONSerialization.data(withJSONObject: ["metadata": ["total_size": 401664], "weight_map": weightMap])
        try data.write(to: URL(fileURLWithPath: directory + "/" + Self.indexName))
    }

    /// The error opening `directory`, which must be the same through `TransformerModel.load`.
    func refusal(_ directory: String) -> ModelError? {
        let error = #expect(throws: ModelError.self) { try Checkpoint(directory: directory) }
        let loadError = #expect(throws: ModelError.self) { try TransformerModel.load(directory: directory) }
        #expect(error == loadError)
        return error
    }

    @Test func theIntactCopyLoads() throws {
        let (directory, weightMap) = try copy()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(Set(try Checkpoint(directory: directory).names) == Set(weightMap.keys))
        #expect(Set(weightMap.values).count == 12)
    }

    @Test func aMissingShardIsNamedWithTheIndexAndTensor() throws {
        let (directory, weightMap) = try copy()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let shard = "model-00003-of-00012.safetensors"
        try FileManager.default.removeItem(atPath: directory + "/" + shard)
        let error = refusal(directory)
        #expect(error?.file == directory + "/" + Self.indexName)
        #expect(error.flatMap(\.tensor).map { weightMap[$0] } == shard, "\(String(describing: error))")
        #expect(error?.message.contains("names shard \(shard), which is missing") == true, "\(String(describing: error))")
    }

    @Test(arguments: ["{\"weight_map\": {\"a\": ", "[1, 2]", "{\"metadata\": {}}", ""])
    func aMalformedIndexIsNamed(_ text: String) throws {
        let (directory, _) = try copy()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Data(text.utf8).write(to: URL(fileURLWithPath: directory + "/" + Self.indexName))
        let error = refusal(directory)
        #expect(error?.file == directory + "/" + Self.indexName)
        #expect(error?.message.contains("is not valid JSON") == true || error?.message.contains("has no weight_map object") == true,
                "\(String(describing: error))")
    }

    @Test func anIndexPlacingATensorInAShardThatLacksItNamesBoth() throws {
        let (directory, original) = try copy()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var weightMap = original
        let tensor = "model.norm.weight", wrongShard = "model-00001-of-00012.safetensors"
        #expect(weightMap[tensor] != wrongShard)
        weightMap[tensor] = wrongShard
        try writeIndex(weightMap, in: directory)
        let error = refusal(directory)
        #expect(error?.file == directory + "/" + wrongShard && error?.tensor == tensor)
        #expect(error?.message.contains("the index places it here, but the file does not hold it") == true, "\(String(describing: error))")
    }

    /// Which copy a loader would read is unspecified, so two shards holding one tensor are
    /// refused whether or not an index picks one of them.
    @Test(arguments: [true, false]) func aTensorInTwoShardsIsRefused(withIndex: Bool) throws {
        let (directory, weightMap) = try copy()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let duplicated = "model.norm.weight"
        let home = try #require(weightMap[duplicated])
        let other = "model-00002-of-00012.safetensors"
        #expect(home != other)
        let otherFile = try SafetensorsFile(path: directory + "/" + other)
        var tensors = try otherFile.names.map { ($0, try otherFile.tensor($0)) }
        tensors.append((duplicated, try SafetensorsFile(path: directory + "/" + home).tensor(duplicated)))
        try SafetensorsWriter.write(tensors, to: directory + "/" + other)
        if !withIndex { try FileManager.default.removeItem(atPath: directory + "/" + Self.indexName) }
        let error = refusal(directory)
        #expect(error?.tensor == duplicated)
        let files = [directory + "/" + home, directory + "/" + other]
        #expect(error.map { files.contains($0.file) && $0.message.contains("also appears in") } == true, "\(String(describing: error))")
        #expect(files.allSatisfy { file in error.map { $0.file == file || $0.message.contains(file) } == true }, "both shards are named")
    }

    /// weight_map must name files in the checkpoint's own directory: a path could make a
    /// downloaded index read any file on the machine.
    @Test(arguments: ["../qwen2_sharded/model-00001-of-00012.safetensors", "/etc/passwd", "..", ".", "", "sub/model.safetensors"])
    func anIndexPointingOutsideTheDirectoryIsRefused(_ shard: String) throws {
        let (directory, original) = try copy()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var weightMap = original
        weightMap["model.embed_tokens.weight"] = shard
        try writeIndex(weightMap, in: directory)
        let error = refusal(directory)
        #expect(error?.file == directory + "/" + Self.indexName && error?.tensor == "model.embed_tokens.weight")
        #expect(error?.message.contains("weight_map names '\(shard)', which is not a file in the checkpoint's directory") == true,
                "\(String(describing: error))")
    }
}
